/**
 * Templates are data (issue 11, item 1): whoever can edit one `.tmpl` must not be able to
 * run code on the jump host. Nunjucks compiles a template to JavaScript and is no sandbox:
 * every known escape route is tried here — prototype walks to `Function` (`constructor`,
 * `__proto__`), the builtin globals and helpers, `{% set %}` chains, dynamic keys, filters
 * and tests named after Object.prototype members, and names the compiler pastes into the
 * code it generates (symbols, `is` tests, called names). Each payload would read a probe
 * environment variable or set a global; each must be a template error naming file:line,
 * with nothing leaked and nothing run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { renderTemplate } from '../../../src/core/fleet/templates.js';

const SOURCE = 'etc/files/etc/app.conf.tmpl';
const PROBE = `probe-${process.pid}-${Date.now()}`;
const SWITCHES = new Map([
  ['domain', 'example.net'],
  ['role', 'web'],
  ['workers', '4'],
]);

const g = globalThis as Record<string, unknown>;

beforeAll(() => {
  process.env.KONF_SSTI_PROBE = PROBE;
});
afterAll(() => {
  delete process.env.KONF_SSTI_PROBE;
  delete g.konfPwned;
});

const render = (text: string) => renderTemplate({ text, source: SOURCE, host: 'web1', switches: SWITCHES });

/** Renders `ok\n<payload>` and returns what happened. */
function attempt(payload: string): { error?: ConfigError; output?: string } {
  delete g.konfPwned;
  try {
    const r = render(`ok\n${payload}\n`);
    return { output: r.kind === 'rendered' ? r.content : `skipped: ${r.reason}` };
  } catch (err) {
    if (err instanceof ConfigError) return { error: err };
    throw err;
  }
}

// Reads the probe through Function, or sets globalThis.konfPwned: either proves code ran.
const READ = '"return process.env.KONF_SSTI_PROBE"';
const SET = '"globalThis.konfPwned = process.env.KONF_SSTI_PROBE"';

const PAYLOADS: Array<[string, string]> = [
  ['range.constructor', `{{ range.constructor(${READ})() }}`],
  ['cycler.constructor', `{{ cycler.constructor(${READ})() }}`],
  ['joiner.constructor', `{{ joiner.constructor(${READ})() }}`],
  ['a cycler object', `{{ cycler(1).next.constructor(${READ})() }}`],
  ['a joiner function', `{{ joiner(",").constructor(${READ})() }}`],
  ['a string literal', `{{ ''.constructor.constructor(${READ})() }}`],
  ['a switch value', `{{ domain.constructor.constructor(${READ})() }}`],
  ['a string method', `{{ domain.toUpperCase.constructor(${READ})() }}`],
  ['an array literal', `{{ [].constructor.constructor(${READ})() }}`],
  ['a dict literal', `{{ {}.constructor.constructor(${READ})() }}`],
  ['__proto__', `{{ domain.__proto__.constructor.constructor(${READ})() }}`],
  ['subscript', `{{ range["constructor"](${READ})() }}`],
  ['a computed key', `{% set k = "constr" ~ "uctor" %}{{ range[k](${READ})() }}`],
  ['a computed key on a dict', `{% set k = "constr" ~ "uctor" %}{% set f = range[k] %}{{ f(${READ})() }}`],
  ['a set chain', `{% set c = "".constructor %}{% set f = c.constructor %}{{ f(${READ})() }}`],
  ['konf.skip', `{{ konf.skip.constructor(${READ})() }}`],
  ['the konf object', `{{ konf.constructor.constructor(${READ})() }}`],
  ['loop', `{% for i in [1] %}{{ loop.constructor.constructor(${READ})() }}{% endfor %}`],
  ['a macro', `{% macro m() %}x{% endmacro %}{{ m.constructor(${READ})() }}`],
  ['a bare constructor name', `{{ constructor.constructor(${READ})() }}`],
  ['valueOf on the context', `{{ valueOf().env.globals.range.constructor(${READ})() }}`],
  ['__lookupGetter__', `{{ __lookupGetter__("__proto__")().constructor.constructor(${READ})() }}`],
  ['function call/apply/bind', `{{ range.call.constructor(${READ})() }}`],
  ['iterating the helpers', `{% for k, f in konf %}{% if k == "skip" %}{{ f.constructor(${READ})() }}{% endif %}{% endfor %}`],
  ['a filter named after Object.prototype', `{{ "x" | constructor }}`],
  ['__defineGetter__ as a filter', `{{ "lookup" | __defineGetter__(range) }}`],
  ['a test named after Object.prototype', `{{ "lookup" is __defineGetter__(range) }}`],
  ['an attribute filter', `{{ [range] | join(",", "constructor") }}{{ [""] | sort(false, false, "constructor.constructor") }}`],
  ['groupby', `{{ [""] | groupby("constructor.constructor") }}`],
  // The compiler pastes these names into the JavaScript it generates.
  ['a symbol that is code', '{{ a"&&Function`globalThis\\x2ekonfPwned\\x3dprocess\\x2eenv\\x2eKONF_SSTI_PROBE```&&" }}'],
  ['an `is` test that is code', `{{ 1 is 'defined").call(context, 1) && Function(${SET})() && env.getTest("defined' }}`],
  ['a called name that is code', `{{ range["\\\\"](1) }}`],
  ['a set target that is code', '{% set a"+Function`globalThis\\x2ekonfPwned\\x3d1```+" = 1 %}'],
  ['a dict key that is __proto__', `{% set d = {"__proto__": range} %}{{ d.constructor(${READ})() }}`],
  ['a macro argument that is code', '{% macro m(a,b"+Function`globalThis\\x2ekonfPwned\\x3d1```+") %}{% endmacro %}{{ m(1) }}'],
];

describe('templates cannot run code on the jump host', () => {
  it.each(PAYLOADS)('refuses an escape through %s, naming file:line', (_label, payload) => {
    const r = attempt(payload);
    expect(g.konfPwned, 'the payload ran code').toBeUndefined();
    expect(r.output ?? '', 'the payload leaked the probe').not.toContain(PROBE);
    expect(r.error, `rendered instead: ${JSON.stringify(r.output)}`).toBeInstanceOf(ConfigError);
    expect(r.error?.file).toBe(SOURCE);
    expect(r.error?.line).toBe(2);
    expect(r.error?.message).toMatch(/^template error: /);
    expect(r.error?.message).not.toContain(PROBE);
  });

  it('says why: templates are data', () => {
    expect(attempt(`{{ range.constructor(${READ})() }}`).error?.message).toMatch(/`constructor` is not allowed in templates \(templates are data/);
    expect(attempt('{{ "x" | constructor }}').error?.message).toMatch(/filter not found: constructor/);
    expect(attempt('{{ a"b }}').error?.message).toMatch(/not a valid name/);
    expect(attempt('{{ [1] | select("constructor") }}').error).toMatchObject({ message: 'template error: test not found: constructor', line: 2 });
    expect(attempt('{% set a.b = 1 %}').error).toMatchObject({ message: 'template error: {% set %} assigns to plain names only', line: 2 });
    expect(attempt('{{ konf.skip }}').error?.message).toMatch(/a function cannot be written out/);
  });

  it('has no file system or process access through the remaining globals', () => {
    for (const name of ['process', 'require', 'global', 'globalThis', 'Function', 'eval', 'module', 'lipsum', 'this']) {
      const r = attempt(`{{ ${name} }}`);
      expect(r.error?.message, name).toMatch(/undefined switch|not allowed|not a valid name/);
    }
  });

  it('refuses include, import, from-import and extends by name', () => {
    for (const [tag, text] of [
      ['include', '{% include "/etc/passwd" %}'],
      ['import', '{% import "/etc/passwd" as p %}'],
      ['from-import', '{% from "/etc/passwd" import x %}'],
      ['extends', '{% extends "/etc/passwd" %}'],
    ] as const) {
      const r = attempt(text);
      expect(r.error?.message, tag).toMatch(/not supported in konf templates/);
      expect(r.error?.line, tag).toBe(2);
    }
  });
});

describe('what admins write keeps working', () => {
  it('string methods that return data, dicts, loops over dicts, cycler and joiner', () => {
    const r = render(
      [
        '{{ domain.split(".") | join("|") }} {{ domain.toUpperCase() }} {{ domain.startsWith("ex") }} {{ domain.length }} {{ domain[0] }}',
        '{% set d = {"a": 1, "b": role} %}{% for k, v in d %}{{ k }}={{ v }};{% endfor %} {{ d.b }} {{ d["a"] }}',
        '{% set c = cycler("odd", "even") %}{{ c.next() }},{{ c.next() }},{{ c.next() }}',
        '{% set j = joiner("+") %}{% for i in range(3) %}{{ j() }}{{ i }}{% endfor %}',
        '{{ ["b", "a"] | sort | join(",") }} {{ [{"n": 2}, {"n": 1}] | sort(false, false, "n") | join(",", "n") }} {{ [1, 2] | sum }}',
        '{% macro row(x) %}<{{ x }}>{% endmacro %}{% call row("c") %}{% endcall %}{{ row(role) }}',
        '{{ "a" if workers is defined else "b" }} {{ role in ["web", "db"] }} {{ workers | int + 1 }}',
      ].join('\n'),
    );
    expect(r.kind).toBe('rendered');
    if (r.kind !== 'rendered') return;
    expect(r.content.split('\n')).toEqual([
      'example|net EXAMPLE.NET true 11 e',
      'a=1;b=web; web 1',
      'odd,even,odd',
      '0+1+2',
      'a,b 1,2 3',
      '<c><web>',
      'a true 5',
    ]);
  });
});
