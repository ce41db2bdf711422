import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { renderTemplate, templateTargetName } from '../../../src/core/fleet/templates.js';

const SOURCE = 'etc/files/etc/app.conf.tmpl';
const SWITCHES = new Map([
  ['domain', 'example.net'],
  ['role', 'web'],
  ['workers', '4'],
  ['html', '<b>&</b>'],
  ['unused', 'x'],
]);

const render = (text: string, switches = SWITCHES) => renderTemplate({ text, source: SOURCE, host: 'web1', switches });

function renderError(text: string): ConfigError {
  try {
    render(text);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('rendering templates', () => {
  it('substitutes switches and konf_host, without HTML escaping', () => {
    const r = render('server_name {{ konf_host }}.{{ domain }};\nworkers {{ workers }}; {{ html }}');
    expect(r).toEqual({ kind: 'rendered', content: 'server_name web1.example.net;\nworkers 4; <b>&</b>', switchesUsed: ['konf_host', 'domain', 'workers', 'html'] });
  });

  it('records only the switches the template read, once each, including those in conditions', () => {
    const r = render('{% if role == "web" %}{{ workers }}{% else %}{{ domain }}{% endif %}{{ workers }}');
    expect(r.kind).toBe('rendered');
    expect(r.switchesUsed).toEqual(['role', 'workers']);
  });

  it('supports loops, filters, set and macros', () => {
    const r = render('{% set n = workers | int %}{% for i in range(n) %}{{ loop.index }}{% endfor %} {{ domain | upper }}{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(role) }}');
    expect(r).toMatchObject({ kind: 'rendered', content: '1234 EXAMPLE.NET[web]' });
  });

  it('konf.defined tests an optional switch without failing', () => {
    expect(render('{% if konf.defined("workers") %}yes{% endif %}{% if konf.defined("nope") %}no{% endif %}')).toMatchObject({
      content: 'yes',
      switchesUsed: ['workers'],
    });
  });
});

describe('konf.skip leaves the file out for a host', () => {
  const text = '{% if role != "db" %}{{ konf.skip("not a database host (" + role + ")") }}{% endif %}\nport={{ db_port }}';

  it('returns the reason and stops rendering (the rest may use switches the host lacks)', () => {
    expect(render(text)).toEqual({ kind: 'skipped', reason: 'not a database host (web)', switchesUsed: ['role'] });
  });

  it('renders normally when the condition does not hold', () => {
    const db = new Map([...SWITCHES, ['role', 'db'], ['db_port', '3306']]);
    expect(render(text, db)).toMatchObject({ kind: 'rendered', content: '\nport=3306' });
  });

  it('gives a default reason when none is given', () => {
    expect(render('{{ konf.skip() }}')).toMatchObject({ kind: 'skipped', reason: 'skipped by the template' });
  });
});

describe('template errors name the source file and line', () => {
  it('a missing switch in output', () => {
    const err = renderError('line one\n\nvalue = {{ missing_switch }}\n');
    expect(err.message).toMatch(/undefined switch `missing_switch`/);
    expect([err.file, err.line, err.column]).toEqual([SOURCE, 3, 12]);
  });

  it('a missing switch in a condition (no silent wrong branch)', () => {
    const err = renderError('a\nb\n{% if rol == "web" %}x{% endif %}');
    expect(err.message).toMatch(/undefined switch `rol`/);
    expect([err.file, err.line]).toEqual([SOURCE, 3]);
  });

  it('a syntax error', () => {
    const err = renderError('ok\n{{ domain }\n');
    expect(err.message).toMatch(/template error: expected variable end/);
    expect([err.file, err.line]).toEqual([SOURCE, 2]);
  });

  it('an unknown tag', () => {
    const err = renderError('ok\nok\n{% endif %}');
    expect(err.message).toMatch(/unknown block tag: endif/);
    expect(err.line).toBe(3);
  });

  it('an unknown filter', () => {
    const err = renderError('x\n{{ domain | shout }}');
    expect(err.message).toMatch(/filter not found: shout/);
    expect([err.line, err.column]).toEqual([2, 13]);
  });

  it('output of an undefined attribute', () => {
    const err = renderError('\n\n\n{{ domain.nothing }}');
    expect(err.message).toMatch(/null or undefined/);
    expect(err.line).toBe(4);
  });

  it('konf.fail with the template\'s message', () => {
    const err = renderError('a\n{% if workers == "4" %}\n  {{ konf.fail("workers must not be " + workers) }}\n{% endif %}');
    expect(err.message).toBe('template error: workers must not be 4');
    expect([err.file, err.line]).toEqual([SOURCE, 3]);
  });

  it('includes are not supported, and say so', () => {
    const err = renderError('a\n{% include "other.tmpl" %}');
    expect(err.message).toMatch(/^template error: \{% include %\} is not supported in konf templates/);
    expect(err.line).toBe(2);
  });

  it('format() reads file:line:column: message', () => {
    expect(renderError('{{ nope }}').format()).toMatch(/^etc\/files\/etc\/app\.conf\.tmpl:1:4: template error: undefined switch `nope`/);
  });
});

describe('template names', () => {
  it('drops .tmpl', () => {
    expect(templateTargetName('nginx.conf.tmpl')).toBe('nginx.conf');
    expect(templateTargetName('plain.conf')).toBe('plain.conf');
  });
});
