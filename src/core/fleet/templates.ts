/**
 * `*.tmpl` files in the desired tree are rendered with Nunjucks (Jinja syntax) for each host.
 *
 * What a template sees:
 *   - every merged switch of the host by name (`{{ nginx_worker_processes }}`), and
 *     `konf_host` (the host's name);
 *   - `konf.skip("reason")`: leave this file out for this host; rendering stops there and
 *     the plan lists the file as skipped with the reason. Typical first line:
 *       {% if role != "db" %}{{ konf.skip("not a database host") }}{% endif %}
 *   - `konf.fail("message")`: stop with a configuration error naming this template and line
 *     (for values a template cannot work with);
 *   - `konf.defined("name")`: whether a switch exists (the one safe way to test an
 *     optional switch: reading any undefined name is an error, so a misspelt switch in
 *     `{% if %}` cannot silently take the wrong branch).
 *
 * Output is not escaped (autoescape off: these are config files, not HTML). Any error
 * becomes a ConfigError naming the template (relative to the repository) and its line.
 * Provenance: every switch name the template read is recorded (via a Proxy in front of
 * the template's globals) and reported as `switchesUsed`.
 */
import nunjucks from 'nunjucks';
import { ConfigError } from '../errors.js';

export const TEMPLATE_SUFFIX = '.tmpl';

export interface TemplateInput {
  /** Template text. */
  text: string;
  /** Source path relative to the repository, for errors and Nunjucks' own messages. */
  source: string;
  host: string;
  /** The host's merged switch values. */
  switches: ReadonlyMap<string, string>;
}

export type TemplateResult =
  | { kind: 'rendered'; content: string; switchesUsed: string[] }
  | { kind: 'skipped'; reason: string; switchesUsed: string[] };

/** Thrown inside the template by konf.skip / konf.fail; unwrapped after rendering. */
class TemplateSignal extends Error {
  constructor(
    readonly signal: 'skip' | 'fail',
    message: string,
  ) {
    super(message);
  }
}

class UndefinedName extends Error {
  constructor(readonly varName: string) {
    super(`undefined switch \`${varName}\` (declare it in etc/serverconfig/default, or test it with konf.defined("${varName}"))`);
  }
}

interface NunjucksNode {
  lineno: number;
  colno: number;
  value?: unknown;
  name?: { value?: unknown };
  template?: { value?: unknown };
  findAll(type: unknown, results?: NunjucksNode[]): NunjucksNode[];
}
interface NunjucksInternals {
  parser: { parse(src: string): NunjucksNode };
  nodes: Record<string, unknown>;
}

/** Renders one template for one host. Throws ConfigError on any template problem. */
export function renderTemplate(input: TemplateInput): TemplateResult {
  const used = new Set<string>();
  const state: { signal?: TemplateSignal } = {};
  const raise = (signal: 'skip' | 'fail', message: unknown): never => {
    const text = typeof message === 'string' && message.trim() !== '' ? message.trim() : signal === 'skip' ? 'skipped by the template' : 'konf.fail() called';
    state.signal = new TemplateSignal(signal, text);
    throw state.signal;
  };
  const helpers = {
    skip: (reason?: unknown) => raise('skip', reason),
    fail: (message?: unknown) => raise('fail', message),
    defined: (name: unknown) => {
      if (typeof name !== 'string') return false;
      if (name === 'konf_host') return true;
      const has = input.switches.has(name);
      if (has) used.add(name);
      return has;
    },
  };

  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, dev: true });
  const withGlobals = env as unknown as { globals: Record<string, unknown> };
  const builtins = withGlobals.globals;
  // Context.lookup asks `name in env.globals` first: answering yes for every name routes all
  // free variables through `get`, where switch reads are recorded and unknown names fail.
  withGlobals.globals = new Proxy(builtins, {
    has: () => true,
    get: (target, key) => {
      if (typeof key !== 'string') return Reflect.get(target, key);
      if (key === 'konf') return helpers;
      if (key === 'konf_host') {
        used.add(key);
        return input.host;
      }
      const value = input.switches.get(key);
      if (value !== undefined) {
        used.add(key);
        return value;
      }
      if (key in target) return target[key];
      throw new UndefinedName(key);
    },
  });

  let content: string;
  try {
    content = new nunjucks.Template(input.text, env, input.source).render({});
  } catch (err) {
    const signal = state.signal;
    if (signal?.signal === 'skip') return { kind: 'skipped', reason: signal.message, switchesUsed: [...used] };
    throw templateError(err, input, signal);
  }
  if (state.signal?.signal === 'skip') {
    // The template caught nothing: a skip always ends rendering, but be safe.
    return { kind: 'skipped', reason: state.signal.message, switchesUsed: [...used] };
  }
  return { kind: 'rendered', content, switchesUsed: [...used] };
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 10) {
    chain.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return chain;
}

/** Strips Nunjucks' `(path) [Line n, Column m]` prefixes and `Error: ` wrappers. */
function cleanMessage(message: string): string {
  let m = message;
  for (;;) {
    const next = m
      .replace(/^\s*\([^)\n]*\)(?: \[Line \d+(?:, Column \d+)?\])?\s*\n\s*/, '')
      .replace(/^(?:Template render error|Error|TypeError|ReferenceError): /, '');
    if (next === m) return m.trim();
    m = next;
  }
}

function templateError(err: unknown, input: TemplateInput, signal: TemplateSignal | undefined): ConfigError {
  const chain = causeChain(err);
  const undefinedName = chain.find((e): e is UndefinedName => e instanceof UndefinedName);
  const wrapped = chain.length > 1; // a JS error Nunjucks wrapped: its position is the runtime's, 0-based
  let message =
    signal?.signal === 'fail' ? signal.message : (undefinedName?.message ?? cleanMessage(err instanceof Error ? err.message : String(err)));
  let where: { line: number; column?: number } | undefined;
  const lineno = (err as { lineno?: unknown }).lineno;
  const colno = (err as { colno?: unknown }).colno;
  if (typeof lineno === 'number' && typeof colno === 'number') {
    if (!wrapped && lineno > 0) {
      // Nunjucks' own errors (syntax, output of an undefined value) carry 1-based positions.
      where = colno > 0 ? { line: lineno, column: colno } : { line: lineno };
    } else if (wrapped && (signal !== undefined || /^Unable to call/.test(message))) {
      // The runtime only tracks positions at function calls: exact for errors thrown by a call.
      where = { line: lineno + 1, column: colno + 1 };
    }
  }
  // Otherwise find the first place the template names what failed.
  const filter = /filter not found: (\S+)/.exec(message)?.[1];
  const missing = /template not found: (\S+)/.exec(message)?.[1];
  if (undefinedName !== undefined) where = locate(input.text, 'Symbol', (n) => n.value === undefinedName.varName) ?? where;
  else if (filter !== undefined) where = locate(input.text, 'Filter', (n) => n.name?.value === filter) ?? where;
  else if (missing !== undefined) {
    message = `${message} ({% include %}, {% import %} and {% extends %} are not supported in konf templates)`;
    for (const type of ['Include', 'Import', 'FromImport', 'Extends']) {
      where ??= locate(input.text, type, (n) => n.template?.value === missing);
    }
  }
  if (message === '') message = 'template error';
  return new ConfigError(`template error: ${message}`, input.source, where?.line, where?.column);
}

function locate(text: string, type: string, test: (node: NunjucksNode) => boolean): { line: number; column: number } | undefined {
  try {
    const internals = nunjucks as unknown as NunjucksInternals;
    const nodeType = internals.nodes[type];
    if (nodeType === undefined) return undefined;
    const node = internals.parser.parse(text).findAll(nodeType).find(test);
    return node === undefined ? undefined : { line: node.lineno + 1, column: node.colno + 1 };
  } catch {
    return undefined;
  }
}

/** The target name of a template source name (`nginx.conf.tmpl` → `nginx.conf`). */
export function templateTargetName(name: string): string {
  return name.endsWith(TEMPLATE_SUFFIX) ? name.slice(0, -TEMPLATE_SUFFIX.length) : name;
}
