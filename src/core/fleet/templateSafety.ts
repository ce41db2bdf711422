/**
 * Templates are data. Nunjucks compiles a template to JavaScript and is no sandbox: out of
 * the box `{{ range.constructor("return process")() }}` runs code on the jump host, and
 * its compiler pastes some names (symbols, `is` tests, called names) verbatim into the code
 * it generates. konf keeps Nunjucks — its Jinja syntax and its error positions — and closes
 * both doors:
 *
 * 1. Before compiling, `checkTemplateAst` walks the parsed template and refuses, with the
 *    node's line and column: any node type outside a fixed list (include, import, extends,
 *    blocks, async tags, extensions); a name that is not a plain identifier (so nothing but
 *    an identifier ever reaches the generated code); names of JavaScript's object plumbing
 *    (`constructor`, `__proto__`, `prototype`, `valueOf`, …) as variables, members or dict
 *    keys; filters and tests outside konf's lists; called names the compiler would not
 *    quote safely.
 * 2. While rendering, the compiled code gets a runtime whose member lookup only reaches
 *    data: characters and a list of text methods of strings, items and a list of methods
 *    of arrays, own properties of plain objects (dicts, `loop`, `konf`). Nothing is ever
 *    read from a function, a number or any other object, so no path leads to `Function`,
 *    `process` or `require`. Filters and tests are looked up among konf's own lists only;
 *    the filters that take an attribute name resolve it through the same lookup.
 *
 * A refusal is a TemplateRefusal; templates.ts turns it into a ConfigError naming the
 * template's file:line ("template error: `constructor` is not allowed in templates …").
 */
import nunjucks from 'nunjucks';

/** Names of JavaScript's object machinery: never a member or dict key in a template. */
const PLUMBING: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
  'constructor',
  '__proto__',
  'call',
  'apply',
  'bind',
  'arguments',
  'caller',
  'callee',
]);
/** …nor a variable name (`caller` is one: what `{% call %}` passes to a macro). */
const PLUMBING_VARIABLES: ReadonlySet<string> = new Set([...PLUMBING].filter((n) => n !== 'caller'));

/** Filters that read an attribute of each item by name. */
export const ATTRIBUTE_FILTERS: ReadonlySet<string> = new Set(['join', 'sum', 'sort', 'groupby', 'selectattr', 'rejectattr']);

/** The globals a template may call besides its switches and `konf`. */
export const TEMPLATE_GLOBALS: ReadonlySet<string> = new Set(['range', 'cycler', 'joiner']);

/** Text methods that return data (strings, arrays of strings, numbers, booleans). */
const STRING_METHODS = new Set([
  'at', 'charAt', 'concat', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'replace', 'replaceAll',
  'slice', 'split', 'startsWith', 'substring', 'toLowerCase', 'toUpperCase', 'trim', 'trimEnd', 'trimStart',
]);
const ARRAY_METHODS = new Set(['at', 'concat', 'includes', 'indexOf', 'join', 'lastIndexOf', 'slice']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX = /^(?:0|[1-9][0-9]{0,8})$/;

/** A template reaching for something that is not data. */
export class TemplateRefusal extends Error {
  constructor(
    message: string,
    /** 1-based, when known (refusals found before rendering). */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const notAllowed = (name: string): string =>
  `\`${name}\` is not allowed in templates (templates are data: switches, text, lists and dicts; no JavaScript objects)`;

interface Node {
  typename: string;
  lineno: number;
  colno: number;
  fields: string[];
  value?: unknown;
  children?: Node[];
  [field: string]: unknown;
}

const ALLOWED_NODES = new Set([
  'Root', 'NodeList', 'Output', 'TemplateData', 'Literal', 'Symbol', 'Group', 'Array', 'Dict', 'Pair', 'LookupVal',
  'If', 'InlineIf', 'For', 'Macro', 'Caller', 'FunCall', 'Filter', 'KeywordArgs', 'Set', 'Capture', 'Switch', 'Case',
  'In', 'Is', 'Or', 'And', 'Not', 'Add', 'Concat', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow', 'Neg', 'Pos',
  'Compare', 'CompareOperand',
]);
const TAG_OF: Record<string, string> = {
  Include: '{% include %}',
  Import: '{% import %}',
  FromImport: '{% from … import %}',
  Extends: '{% extends %}',
  Block: '{% block %}',
  Super: 'super()',
  IfAsync: '{% ifAsync %}',
  AsyncEach: '{% asyncEach %}',
  AsyncAll: '{% asyncAll %}',
  FilterAsync: 'async filters',
  CallExtension: 'extension tags',
  CallExtensionAsync: 'extension tags',
};
const COMPARE_OPS = new Set(['==', '===', '!=', '!==', '<', '>', '<=', '>=']);

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).typename === 'string' && Array.isArray((v as Node).fields);
}

function refuse(node: Node, message: string): never {
  throw new TemplateRefusal(message, node.lineno + 1, node.colno + 1);
}

/** The name Nunjucks' compiler writes into a string literal for a call (see its _getNodeName). */
function calledName(node: unknown): string {
  if (!isNode(node)) return '';
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'FunCall':
      return `(${calledName(node.name)})`;
    case 'LookupVal':
      return `${calledName(node.target)}["${calledName(node.val)}"]`;
    case 'Literal':
      return String(node.value);
    default:
      return '';
  }
}

interface Tokens {
  nextToken(): { lineno: number } | null;
}
interface ParserInternals {
  parser: { Parser: new (tokens: Tokens) => { extensions: unknown[]; parseAsRoot(): unknown } };
  lexer: { lex(text: string, opts: unknown): Tokens };
}

/**
 * Nunjucks' parse (its syntax errors carry their position); a crash of the parser on
 * malformed input becomes a refusal at the line of the last token it read.
 */
export function parseTemplate(text: string, opts: unknown): unknown {
  const internals = nunjucks as unknown as ParserInternals;
  const tokens = internals.lexer.lex(text, opts);
  let lastLine = 0;
  const next = tokens.nextToken.bind(tokens);
  tokens.nextToken = () => {
    const token = next();
    if (token !== null) lastLine = token.lineno;
    return token;
  };
  const parser = new internals.parser.Parser(tokens);
  parser.extensions = [];
  try {
    return parser.parseAsRoot();
  } catch (err) {
    if (typeof (err as { lineno?: unknown }).lineno === 'number') throw err;
    throw new TemplateRefusal(`cannot parse this template (${(err as Error).message})`, lastLine + 1);
  }
}

/**
 * Refuses (TemplateRefusal with line and column) anything in a parsed template that is not
 * data-only Jinja. `filters` and `tests` are the names konf provides.
 */
export function checkTemplateAst(root: unknown, filters: ReadonlySet<string>, tests: ReadonlySet<string>): void {
  const visit = (node: Node): void => {
    const type = node.typename;
    if (!ALLOWED_NODES.has(type)) {
      const tag = TAG_OF[type] ?? type;
      const why = ['Include', 'Import', 'FromImport', 'Extends', 'Block', 'Super'].includes(type)
        ? ' (a template is one self-contained file: nothing is read from anywhere else)'
        : '';
      refuse(node, `${tag} is not supported in konf templates${why}`);
    }
    switch (type) {
      case 'Symbol': {
        const name = String(node.value);
        if (!IDENTIFIER.test(name)) refuse(node, `\`${name}\` is not a valid name (letters, digits and _ only)`);
        if (PLUMBING_VARIABLES.has(name)) refuse(node, notAllowed(name));
        break;
      }
      case 'Literal':
      case 'TemplateData': {
        const v = node.value;
        if (v !== null && v !== undefined && !['string', 'number', 'boolean'].includes(typeof v)) refuse(node, 'unsupported literal');
        break;
      }
      case 'LookupVal': {
        const key = node.val;
        if (isNode(key) && key.typename === 'Literal' && PLUMBING.has(String(key.value))) refuse(key, notAllowed(String(key.value)));
        break;
      }
      case 'Pair': {
        const key = node.key;
        if (isNode(key) && key.typename === 'Literal' && PLUMBING.has(String(key.value))) refuse(key, notAllowed(String(key.value)));
        break;
      }
      case 'FunCall':
        if (/[\\\n\r\u2028\u2029]/.test(calledName(node.name))) refuse(node, 'a called name cannot contain a backslash or a line break');
        break;
      case 'Filter': {
        const name = node.name;
        const filter = isNode(name) && name.typename === 'Symbol' ? String(name.value) : '';
        if (!filters.has(filter)) refuse(node, `filter not found: ${filter || '?'}`);
        if ((filter === 'select' || filter === 'reject') && isNode(node.args)) {
          const test = node.args.children?.[1];
          if (isNode(test) && test.typename === 'Literal' && !tests.has(String(test.value))) refuse(test, `test not found: ${String(test.value)}`);
        }
        if (ATTRIBUTE_FILTERS.has(filter)) {
          // An attribute named by a literal is checked here, with its position.
          const args = isNode(node.args) ? (node.args.children ?? []) : [];
          for (const arg of args.flatMap((a) => (a.typename === 'KeywordArgs' ? (a.children ?? []).map((p) => p.value) : [a]))) {
            if (!isNode(arg) || arg.typename !== 'Literal' || typeof arg.value !== 'string') continue;
            const bad = arg.value.split('.').find((part) => PLUMBING.has(part));
            if (bad !== undefined) refuse(arg, notAllowed(bad));
          }
        }
        break;
      }
      case 'Is': {
        const right = node.right;
        const test = isNode(right) ? (right.typename === 'Symbol' ? right : right.typename === 'FunCall' && isNode(right.name) && right.name.typename === 'Symbol' ? right.name : undefined) : undefined;
        if (test === undefined) refuse(isNode(right) ? right : node, 'a test after `is` must be a name (like `defined` or `divisibleby(3)`)');
        if (!tests.has(String(test.value))) refuse(test, `test not found: ${String(test.value)}`);
        break;
      }
      case 'Set':
        for (const target of Array.isArray(node.targets) ? (node.targets as unknown[]) : []) {
          if (!isNode(target) || target.typename !== 'Symbol') refuse(isNode(target) ? target : node, '{% set %} assigns to plain names only');
        }
        break;
      case 'CompareOperand':
        if (!COMPARE_OPS.has(String(node.type))) refuse(node, 'unknown comparison');
        break;
    }
    for (const field of node.fields) {
      const v = node[field];
      if (isNode(v)) visit(v);
      else if (Array.isArray(v)) for (const item of v) if (isNode(item)) visit(item);
    }
  };
  if (isNode(root)) visit(root);
}

// ---------------------------------------------------------------------------------------
// The runtime

type Runtime = Record<string, unknown> & { SafeString: new (s: string) => object };
const base = (nunjucks as unknown as { runtime: Runtime }).runtime;

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function method(self: unknown, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => fn.apply(self, args);
}

/** `obj.key` / `obj[key]` in a template: data only (see the module comment). */
export function dataMember(obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  if (typeof key !== 'string' && typeof key !== 'number') throw new TemplateRefusal('a member name must be text or a number');
  const name = String(key);
  if (PLUMBING.has(name)) throw new TemplateRefusal(notAllowed(name));
  if (typeof obj === 'string' || obj instanceof base.SafeString) {
    const text = String(obj);
    if (name === 'length') return text.length;
    if (INDEX.test(name)) return text[Number(name)];
    if (STRING_METHODS.has(name)) return method(text, (String.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[name] as (...a: unknown[]) => unknown);
    if (name in String.prototype) throw new TemplateRefusal(`\`.${name}\` is not available on text in templates (available: ${[...STRING_METHODS].join(', ')})`);
    return undefined;
  }
  if (Array.isArray(obj)) {
    if (name === 'length') return obj.length;
    if (INDEX.test(name)) return obj[Number(name)] as unknown;
    if (ARRAY_METHODS.has(name)) return method(obj, (Array.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[name] as (...a: unknown[]) => unknown);
    if (name in Array.prototype) throw new TemplateRefusal(`\`.${name}\` is not available on lists in templates (available: ${[...ARRAY_METHODS].join(', ')})`);
    return undefined;
  }
  if (typeof obj === 'object' && isPlainObject(obj)) {
    if (!Object.prototype.hasOwnProperty.call(obj, name)) return undefined;
    const value = (obj as Record<string, unknown>)[name];
    return typeof value === 'function' ? method(obj, value as (...a: unknown[]) => unknown) : value;
  }
  throw new TemplateRefusal(`\`.${name}\` is not allowed here: a template reads members of text, lists and dicts only (templates are data)`);
}

/** Reads `attr` (dotted) of an item the way a template would, for the attribute filters. */
function attribute(item: unknown, attr: unknown): unknown {
  if (typeof attr === 'number') return dataMember(item, attr);
  if (typeof attr !== 'string') throw new TemplateRefusal('an attribute name must be text');
  let v = item;
  for (const part of attr.split('.')) v = dataMember(v, part);
  return v;
}

type Filter = (this: unknown, ...args: unknown[]) => unknown;
const builtinFilters = nunjucks as unknown as { Environment: new () => { filters: Record<string, Filter>; tests: Record<string, Filter> } };

/**
 * The filters a template may use: Nunjucks' own, except those that read attributes by a
 * name, which are re-implemented through the data lookup.
 */
export function safeFilters(): Record<string, Filter> {
  const stock = new builtinFilters.Environment().filters;
  const out: Record<string, Filter> = Object.create(null) as Record<string, Filter>;
  for (const name of Object.keys(stock)) out[name] = stock[name] as Filter;
  const list = (arr: unknown): unknown[] => {
    if (!Array.isArray(arr)) throw new TemplateRefusal('this filter needs a list');
    return arr;
  };
  out.join = function join(arr, del, attr) {
    const items = list(arr);
    return (attr ? items.map((v) => attribute(v, attr)) : items).join(typeof del === 'string' ? del : '');
  };
  out.sum = function sum(arr, attr, start) {
    const items = list(arr);
    return (attr ? items.map((v) => attribute(v, attr)) : items).reduce((a: unknown, b: unknown) => (a as number) + (b as number), start ?? 0);
  };
  out.selectattr = function selectattr(arr, attr) {
    return list(arr).filter((v) => Boolean(attribute(v, attr)));
  };
  out.rejectattr = function rejectattr(arr, attr) {
    return list(arr).filter((v) => !attribute(v, attr));
  };
  out.groupby = function groupby(arr, attr) {
    const groups: Record<string, unknown[]> = Object.create(null) as Record<string, unknown[]>;
    for (const v of list(arr)) {
      const key = String(attribute(v, attr));
      if (PLUMBING.has(key)) throw new TemplateRefusal(notAllowed(key));
      (groups[key] ??= []).push(v);
    }
    return { ...groups };
  };
  const stockSort = stock.sort as Filter;
  out.sort = function sort(this: unknown, ...args: unknown[]) {
    // sort(value, reverse, case_sensitive, attribute), keyword arguments allowed: the
    // attribute (positional or keyword) must be a data attribute of every item.
    const last = args[args.length - 1] as Record<string, unknown> | undefined;
    const kw = last !== null && typeof last === 'object' && (last as { __keywords?: boolean }).__keywords === true ? last : undefined;
    const attr = args.length > 3 && args[3] !== kw ? args[3] : kw?.attribute;
    if (attr !== undefined && attr !== null && attr !== '') for (const v of list(args[0])) attribute(v, attr);
    return stockSort.apply(this, args);
  };
  return out;
}

export function safeTests(): Record<string, Filter> {
  const stock = new builtinFilters.Environment().tests;
  const out: Record<string, Filter> = Object.create(null) as Record<string, Filter>;
  for (const name of Object.keys(stock)) out[name] = stock[name] as Filter;
  return out;
}

const baseSuppress = base.suppressValue as (val: unknown, autoescape: boolean) => unknown;

/** `{{ value }}`: data is written out; a function (a macro or helper not called) is an error. */
function dataOutput(val: unknown, autoescape: boolean): unknown {
  if (typeof val === 'function') throw new TemplateRefusal('a function cannot be written out: call it, e.g. `name()`');
  return baseSuppress(val, autoescape);
}

/** The runtime the compiled template code receives: Nunjucks' own with data-only lookups. */
export const dataRuntime: Runtime = { ...base, memberLookup: dataMember, suppressValue: dataOutput };
