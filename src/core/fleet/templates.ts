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
 * Templates are data: templateSafety.ts checks every template before it is compiled and
 * gives the compiled code a runtime that reaches nothing but data (no `constructor`, no
 * globals but range/cycler/joiner, no include/import/extends).
 * Provenance: every switch name the template read is recorded (via a Proxy in front of
 * the template's globals) and reported as `switchesUsed`.
 */
import nunjucks from 'nunjucks';
import { ConfigError } from '../errors.js';
import { ATTRIBUTE_FILTERS, checkTemplateAst, dataRuntime, parseTemplate, safeFilters, safeTests, TEMPLATE_GLOBALS, TemplateRefusal } from './templateSafety.js';

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
  parser: { parse(src: string, extensions?: unknown[], opts?: unknown): NunjucksNode };
  nodes: Record<string, unknown>;
}
type RootRenderFunc = (env: unknown, context: { ctx: object }, frame: unknown, runtime: unknown, cb: unknown) => unknown;

/** What the render in progress reads: set for the duration of one (synchronous) render. */
interface RenderState {
  input: TemplateInput;
  used: Set<string>;
  signal?: TemplateSignal;
  helpers: { skip: (reason?: unknown) => never; fail: (message?: unknown) => never; defined: (name: unknown) => boolean };
}
let active: RenderState | undefined;

let sharedEnv: nunjucks.Environment | undefined;

/**
 * One Nunjucks environment for every render. Its globals are a Proxy onto the render in
 * progress: Context.lookup asks `name in env.globals` first, so answering yes for every
 * name routes all free variables through `get`, where switch reads are recorded and unknown
 * names fail. Renders are synchronous, so one active render at a time is guaranteed.
 */
function environment(): nunjucks.Environment {
  if (sharedEnv !== undefined) return sharedEnv;
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, dev: true });
  // Filters and tests: konf's lists only, looked up as own names (never Object.prototype's).
  const filters = safeFilters();
  const tests = safeTests();
  const lookups = env as unknown as { filters: object; tests: object; getFilter(name: string): unknown; getTest(name: string): unknown };
  lookups.filters = filters;
  lookups.tests = tests;
  lookups.getFilter = (name: string) => {
    if (!Object.prototype.hasOwnProperty.call(filters, name)) throw new Error(`filter not found: ${name}`);
    return filters[name];
  };
  lookups.getTest = (name: string) => {
    if (!Object.prototype.hasOwnProperty.call(tests, name)) throw new Error(`test not found: ${name}`);
    return tests[name];
  };
  const withGlobals = env as unknown as { globals: Record<string, unknown> };
  withGlobals.globals = new Proxy(withGlobals.globals, {
    has: () => true,
    get: (builtins, key) => {
      const state = active;
      if (typeof key !== 'string' || state === undefined) return Reflect.get(builtins, key);
      if (key === 'konf') return state.helpers;
      if (key === 'konf_host') {
        state.used.add(key);
        return state.input.host;
      }
      const value = state.input.switches.get(key);
      if (value !== undefined) {
        state.used.add(key);
        return value;
      }
      if (TEMPLATE_GLOBALS.has(key) && Object.prototype.hasOwnProperty.call(builtins, key)) return builtins[key];
      throw new UndefinedName(key);
    },
  });
  sharedEnv = env;
  return env;
}

const filterNames: ReadonlySet<string> = new Set(Object.keys(safeFilters()));
const testNames: ReadonlySet<string> = new Set(Object.keys(safeTests()));

/** Compiled templates by source and text: every host renders the same few templates. */
const compiled = new Map<string, nunjucks.Template>();
const COMPILED_MAX = 512;

function compile(input: TemplateInput): nunjucks.Template {
  const key = `${input.source}\0${input.text}`;
  let template = compiled.get(key);
  if (template === undefined) {
    const env = environment();
    checkTemplateAst(parseTemplate(input.text, (env as unknown as { opts: unknown }).opts), filterNames, testNames);
    template = new nunjucks.Template(input.text, env, input.source, true);
    // The compiled code reaches the world only through its runtime and its context: give it
    // the data-only runtime, and a context whose variables inherit nothing.
    const compiledTemplate = template as unknown as { rootRenderFunc: RootRenderFunc };
    const root = compiledTemplate.rootRenderFunc;
    compiledTemplate.rootRenderFunc = (e, context, frame, _runtime, cb) => {
      Object.setPrototypeOf(context.ctx, null);
      return root(e, context, frame, dataRuntime, cb);
    };
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, template);
  }
  return template;
}

function newState(input: TemplateInput): RenderState {
  const state: RenderState = {
    input,
    used: new Set(),
    helpers: {
      skip: (reason) => raise('skip', reason),
      fail: (message) => raise('fail', message),
      defined: (name) => {
        if (typeof name !== 'string') return false;
        if (name === 'konf_host') return true;
        const has = input.switches.has(name);
        if (has) state.used.add(name);
        return has;
      },
    },
  };
  const raise = (signal: 'skip' | 'fail', message: unknown): never => {
    const text = typeof message === 'string' && message.trim() !== '' ? message.trim() : signal === 'skip' ? 'skipped by the template' : 'konf.fail() called';
    state.signal = new TemplateSignal(signal, text);
    throw state.signal;
  };
  return state;
}

/** Renders one template for one host. Throws ConfigError on any template problem. */
export function renderTemplate(input: TemplateInput): TemplateResult {
  const state = newState(input);
  let content: string;
  const previous = active;
  active = state;
  try {
    content = compile(input).render({});
  } catch (err) {
    const signal = state.signal;
    if (signal?.signal === 'skip') return { kind: 'skipped', reason: signal.message, switchesUsed: [...state.used] };
    throw templateError(err, input, signal);
  } finally {
    active = previous;
  }
  if (state.signal?.signal === 'skip') {
    // A template that swallowed the skip (it cannot, today): still honour it.
    return { kind: 'skipped', reason: state.signal.message, switchesUsed: [...state.used] };
  }
  return { kind: 'rendered', content, switchesUsed: [...state.used] };
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
  const refusal = chain.find((e): e is TemplateRefusal => e instanceof TemplateRefusal);
  if (refusal !== undefined) {
    // Found before rendering: exact. While rendering (a computed key): the first computed
    // member lookup, else the last call the runtime passed.
    let at: { line: number; column?: number } | undefined = refusal.line === undefined ? undefined : { line: refusal.line, ...(refusal.column === undefined ? {} : { column: refusal.column }) };
    at ??= locate(input.text, 'LookupVal', (n) => (n as unknown as { val?: { typename?: string } }).val?.typename !== 'Literal');
    at ??= locate(input.text, 'Filter', (n) => typeof n.name?.value === 'string' && ATTRIBUTE_FILTERS.has(n.name.value));
    const lineno = (err as { lineno?: unknown }).lineno;
    if (at === undefined && typeof lineno === 'number') at = { line: lineno + 1 };
    return new ConfigError(`template error: ${refusal.message}`, input.source, at?.line, at?.column);
  }
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
