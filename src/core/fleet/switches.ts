/**
 * Pysk switch files (`etc/serverconfig/default`, `etc/serverconfig/<host>`), parsed as
 * data and never executed. The accepted language is the harmless subset of shell
 * assignments:
 *
 *   # comment
 *   name=value              unquoted; `\x` escapes one character
 *   name="value"            `\"` `\\` `\$` `\`` escapes; `$name` and `${name}` expand
 *   name='value'            literal, no escapes, no expansion
 *   export name="value"     `export` is accepted and ignored
 *   name="a"'b'c            quoted and unquoted parts concatenate, as in sh
 *
 * `$name`/`${name}` expand switches defined earlier (in `default`, or above in the same
 * file), plus `konf_host`. Everything else a shell would run or interpret is an error
 * naming file, line and column: `$(...)`, backticks, `${x:-y}`, `$1`, `;`, `|`, stray
 * text after a value, unterminated quotes, invalid names, undefined switches.
 * Values end at the end of the line (no multi-line quotes, no `\` continuation).
 */
import { ConfigError } from '../errors.js';
import type { Switch, SwitchOrigin } from './types.js';

/** One assignment as written in a switch file. */
export interface SwitchDefinition {
  name: string;
  value: string;
  origin: SwitchOrigin;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Characters that mean shell syntax when unquoted. */
const SHELL_SPECIAL = new Set([';', '&', '|', '<', '>', '(', ')']);

export function isValidSwitchName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * The name heuristic for secrets: *password*, *secret*, *key*, *token* (any case). Reserved
 * `konf_*` switches are settings, never secrets (`konf_secret` holds names, not a secret).
 */
export function looksSecret(name: string): boolean {
  return !name.startsWith('konf_') && /password|secret|key|token/i.test(name);
}

/**
 * Parses one switch file. `known` holds the values visible to `$name` expansion before the
 * first line (for a host file: the merged default values and `konf_host`); it is not modified.
 */
export function parseSwitchFile(
  text: string,
  origin: Omit<SwitchOrigin, 'line'>,
  known: ReadonlyMap<string, string> = new Map(),
): SwitchDefinition[] {
  const visible = new Map(known);
  const definitions: SwitchDefinition[] = [];
  // A UTF-8 byte order mark (some Windows editors write one) is not part of the first name.
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const parsed = new LineParser(line, origin.file, lineNo, visible).parse();
    if (parsed === undefined) continue;
    visible.set(parsed.name, parsed.value);
    definitions.push({ name: parsed.name, value: parsed.value, origin: { ...origin, line: lineNo } });
  }
  return definitions;
}

class LineParser {
  private i = 0;

  constructor(
    private readonly line: string,
    private readonly file: string,
    private readonly lineNo: number,
    private readonly visible: ReadonlyMap<string, string>,
  ) {}

  private fail(message: string, at: number = this.i): never {
    throw new ConfigError(message, this.file, this.lineNo, at + 1);
  }

  /** The current character (a method, not a getter, so TypeScript does not narrow it across moves). */
  private ch(): string | undefined {
    return this.line[this.i];
  }

  private skipBlanks(): void {
    while (this.ch() === ' ' || this.ch() === '\t') this.i++;
  }

  private atEnd(): boolean {
    return this.i >= this.line.length;
  }

  parse(): { name: string; value: string } | undefined {
    this.skipBlanks();
    if (this.atEnd() || this.ch() === '#') return undefined;

    let nameStart = this.i;
    let name = this.readWord();
    if (name === 'export' && (this.ch() === ' ' || this.ch() === '\t')) {
      this.skipBlanks();
      if (this.atEnd() || this.ch() === '#') this.fail('`export` without a switch assignment');
      nameStart = this.i;
      name = this.readWord();
    }
    if (name === '') this.fail(`expected a switch name, found \`${this.ch() ?? ''}\``, nameStart);
    if (!NAME_RE.test(name)) {
      this.fail(`invalid switch name \`${name}\` (use letters, digits and _, not starting with a digit)`, nameStart);
    }
    if (this.ch() !== '=') {
      const afterName = this.i;
      this.skipBlanks();
      if (this.ch() === '=') this.fail(`no blanks allowed between \`${name}\` and \`=\``, afterName);
      this.fail(`expected \`=\` after switch name \`${name}\``, afterName);
    }
    this.i++; // '='

    const value = this.readValue();
    const afterValue = this.i;
    this.skipBlanks();
    if (!this.atEnd() && this.ch() !== '#') {
      const hint = afterValue < this.i ? ' (quote values that contain blanks)' : '';
      this.fail(`unexpected text after the value of \`${name}\`${hint}`);
    }
    return { name, value };
  }

  /** Reads name characters up to `=`, a blank or the end (may return invalid names, for the error). */
  private readWord(): string {
    const start = this.i;
    while (!this.atEnd() && this.ch() !== '=' && this.ch() !== ' ' && this.ch() !== '\t') this.i++;
    return this.line.slice(start, this.i);
  }

  private readValue(): string {
    let out = '';
    while (!this.atEnd()) {
      const c = this.ch() as string;
      if (c === ' ' || c === '\t') break;
      if (c === '"') out += this.readDoubleQuoted();
      else if (c === "'") out += this.readSingleQuoted();
      else if (c === '\\') {
        if (this.i + 1 >= this.line.length) this.fail('line continuation with `\\` is not supported');
        out += this.line[this.i + 1];
        this.i += 2;
      } else if (c === '$') out += this.readExpansion();
      else if (c === '`') this.fail('command substitution with backticks is not allowed (switch files are data, never executed)');
      else if (SHELL_SPECIAL.has(c)) this.fail(`unexpected \`${c}\`: shell syntax is not allowed in switch files (quote the value)`);
      else {
        out += c;
        this.i++;
      }
    }
    return out;
  }

  private readSingleQuoted(): string {
    const open = this.i;
    const close = this.line.indexOf("'", open + 1);
    if (close < 0) this.fail('unterminated single quote', open);
    this.i = close + 1;
    return this.line.slice(open + 1, close);
  }

  private readDoubleQuoted(): string {
    const open = this.i;
    this.i++;
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated double quote', open);
      const c = this.ch() as string;
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const next = this.line[this.i + 1];
        if (next === undefined) this.fail('unterminated double quote', open);
        if (next === '"' || next === '\\' || next === '$' || next === '`') {
          out += next;
        } else {
          out += '\\' + next;
        }
        this.i += 2;
      } else if (c === '$') {
        out += this.readExpansion();
      } else if (c === '`') {
        this.fail('command substitution with backticks is not allowed (switch files are data, never executed)');
      } else {
        out += c;
        this.i++;
      }
    }
  }

  /** At a `$`: `$name`, `${name}`, or a literal `$` when nothing name-like follows. */
  private readExpansion(): string {
    const dollar = this.i;
    const next = this.line[dollar + 1];
    if (next === '(') {
      this.fail('command substitution `$(...)` is not allowed (switch files are data, never executed)');
    }
    if (next === '{') {
      const close = this.line.indexOf('}', dollar + 2);
      if (close < 0) this.fail('unterminated `${`');
      const inner = this.line.slice(dollar + 2, close);
      if (!NAME_RE.test(inner)) {
        this.fail(`unsupported expansion \`\${${inner}}\`: only \`\${name}\` is allowed`);
      }
      this.i = close + 1;
      return this.lookup(inner, dollar);
    }
    if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 1;
      while (end < this.line.length && NAME_CHAR.test(this.line[end] as string)) end++;
      const name = this.line.slice(dollar + 1, end);
      this.i = end;
      return this.lookup(name, dollar);
    }
    if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      this.fail(`unsupported shell parameter \`$${next}\` (write \`\\$\` for a literal dollar sign)`);
    }
    this.i++;
    return '$';
  }

  private lookup(name: string, at: number): string {
    const value = this.visible.get(name);
    if (value === undefined) {
      this.fail(`undefined switch \`${name}\` (a switch can only use switches defined before it)`, at);
    }
    return value;
  }
}

/**
 * Merges the default definitions with the host's: later definitions of a name replace
 * earlier ones in place (so the order is the default file's, then new host switches).
 * `secret` is filled by the name heuristic and the `extraSecrets` list.
 */
export function mergeSwitches(
  defaults: readonly SwitchDefinition[],
  host: readonly SwitchDefinition[],
  extraSecrets: ReadonlySet<string> = new Set(),
): Switch[] {
  const merged = new Map<string, Switch>();
  for (const def of [...defaults, ...host]) {
    const previous = merged.get(def.name);
    const sw: Switch = {
      name: def.name,
      value: def.value,
      origin: def.origin,
      secret: looksSecret(def.name) || (extraSecrets.has(def.name) && !def.name.startsWith('konf_')),
    };
    if (previous !== undefined) {
      const overridden = previous.origin.kind === 'default' && def.origin.kind === 'host' ? previous.origin : previous.overrides;
      if (overridden !== undefined) sw.overrides = overridden;
    }
    merged.set(def.name, sw);
  }
  return [...merged.values()];
}

/** Final value of each name among the definitions (later wins). */
export function finalValues(definitions: readonly SwitchDefinition[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const def of definitions) values.set(def.name, def.value);
  return values;
}
