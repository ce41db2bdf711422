import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { finalValues, looksSecret, mergeSwitches, parseSwitchFile } from '../../../src/core/fleet/switches.js';

const FILE = 'etc/serverconfig/web1';
const parse = (text: string, known: Record<string, string> = {}) =>
  parseSwitchFile(text, { kind: 'host', file: FILE }, new Map(Object.entries(known)));
const values = (text: string, known: Record<string, string> = {}) => Object.fromEntries(finalValues(parse(text, known)));

/** Parses and returns the ConfigError it must throw. */
function parseError(text: string, known: Record<string, string> = {}): ConfigError {
  try {
    parse(text, known);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(text)}`);
}

describe('switch file syntax', () => {
  it('reads unquoted, double-quoted and single-quoted values, export, comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      'plain=value',
      '  indented=1',
      'dq="two words"',
      "sq='single $notexpanded \\n'",
      'export exported="yes"',
      'empty=',
      'emptyq=""',
      'trailing="x"   # comment after the value',
      'hash=a#b',
    ].join('\n');
    expect(values(text)).toEqual({
      plain: 'value',
      indented: '1',
      dq: 'two words',
      sq: 'single $notexpanded \\n',
      exported: 'yes',
      empty: '',
      emptyq: '',
      trailing: 'x',
      hash: 'a#b',
    });
  });

  it('records the line of each definition and its origin', () => {
    const defs = parse('\n# c\nfirst=1\n\nsecond=2\n');
    expect(defs.map((d) => [d.name, d.origin.line, d.origin.kind, d.origin.file])).toEqual([
      ['first', 3, 'host', FILE],
      ['second', 5, 'host', FILE],
    ]);
  });

  it('applies the double-quote escapes \\" \\\\ \\$ \\` and keeps other backslashes', () => {
    expect(values(String.raw`a="say \"hi\" \\ \$HOME \` \n"`)).toEqual({ a: 'say "hi" \\ $HOME ` \\n' });
  });

  it('unescapes one character in unquoted values and concatenates quoted parts', () => {
    expect(values(String.raw`a=one\ two` + '\n' + `b="x"'y'z`)).toEqual({ a: 'one two', b: 'xyz' });
  });

  it('expands $name and ${name} from earlier lines and from the known switches', () => {
    const text = ['domain="example.net"', 'fqdn="${konf_host}.${domain}"', 'mail=postmaster@$domain', 'path="${fqdn}/x"'].join('\n');
    expect(values(text, { konf_host: 'web1' })).toEqual({
      domain: 'example.net',
      fqdn: 'web1.example.net',
      mail: 'postmaster@example.net',
      path: 'web1.example.net/x',
    });
  });

  it('keeps a $ that starts no expansion', () => {
    expect(values('price="5$ or $"\nlone=$')).toEqual({ price: '5$ or $', lone: '$' });
  });

  it('ignores a byte order mark at the start of the file', () => {
    expect(values('\uFEFFdomain=example.net\n')).toEqual({ domain: 'example.net' });
  });

  it('accepts CRLF line endings', () => {
    expect(values('a=1\r\nb="2"\r\n')).toEqual({ a: '1', b: '2' });
  });

  it('lets a later line redefine a name (the later value wins)', () => {
    expect(values('a=1\na=2')).toEqual({ a: '2' });
  });
});

describe('switch file errors name the file, line and column', () => {
  const cases: { name: string; text: string; message: RegExp; line: number; column: number; known?: Record<string, string> }[] = [
    { name: 'command substitution $(...)', text: 'ok=1\nbad="x$(id -u)"', message: /command substitution `\$\(\.\.\.\)` is not allowed/, line: 2, column: 7 },
    { name: 'unquoted command substitution', text: 'bad=$(reboot)', message: /command substitution `\$\(\.\.\.\)`/, line: 1, column: 5 },
    { name: 'backticks, unquoted', text: '\n\nbad=`id`', message: /backticks is not allowed/, line: 3, column: 5 },
    { name: 'backticks inside double quotes', text: 'bad="a `id`"', message: /backticks is not allowed/, line: 1, column: 8 },
    { name: 'unterminated double quote', text: 'a=1\nbad="never closed', message: /unterminated double quote/, line: 2, column: 5 },
    { name: 'unterminated double quote ending in a backslash', text: 'bad="x\\', message: /unterminated double quote/, line: 1, column: 5 },
    { name: 'unterminated single quote', text: "bad='open", message: /unterminated single quote/, line: 1, column: 5 },
    { name: 'stray text after a quoted value', text: 'bad="x" y', message: /unexpected text after the value of `bad`/, line: 1, column: 9 },
    { name: 'stray text after an unquoted value', text: 'a=1\n  bad=two words', message: /unexpected text after the value of `bad` \(quote values that contain blanks\)/, line: 2, column: 11 },
    { name: 'a name starting with a digit', text: '1abc=x', message: /invalid switch name `1abc`/, line: 1, column: 1 },
    { name: 'a name with a dash', text: 'export my-name=x', message: /invalid switch name `my-name`/, line: 1, column: 8 },
    { name: 'blanks around =', text: 'name = x', message: /no blanks allowed between `name` and `=`/, line: 1, column: 5 },
    { name: 'a line without =', text: '\njustaword', message: /expected `=` after switch name `justaword`/, line: 2, column: 10 },
    { name: 'a line starting with =', text: '=x', message: /expected a switch name/, line: 1, column: 1 },
    { name: 'export without an assignment', text: 'export   ', message: /`export` without a switch assignment/, line: 1, column: 10 },
    { name: 'undefined ${x}', text: 'a="${missing}/x"', message: /undefined switch `missing`/, line: 1, column: 4 },
    { name: 'undefined $x', text: 'a=1\nb=$a$nothere', message: /undefined switch `nothere`/, line: 2, column: 5 },
    { name: 'a switch used before its definition', text: 'b="$a"\na=1', message: /undefined switch `a`/, line: 1, column: 4 },
    { name: 'parameter expansion operators', text: 'a="${x:-default}"', message: /unsupported expansion `\$\{x:-default\}`/, line: 1, column: 4 },
    { name: 'unterminated ${', text: 'a="${x"', message: /unterminated `\$\{`/, line: 1, column: 4 },
    { name: 'positional parameters', text: 'a="$1"', message: /unsupported shell parameter `\$1`/, line: 1, column: 4 },
    { name: 'shell operators', text: 'a=1;reboot', message: /unexpected `;`: shell syntax is not allowed/, line: 1, column: 4 },
    { name: 'a pipe', text: 'a=x|y', message: /unexpected `\|`/, line: 1, column: 4 },
    { name: 'a line continuation', text: 'a=one\\', message: /line continuation/, line: 1, column: 6 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = parseError(c.text, c.known);
      expect(err.message).toMatch(c.message);
      expect(err.file).toBe(FILE);
      expect(err.line).toBe(c.line);
      expect(err.column).toBe(c.column);
      expect(err.format()).toContain(`${FILE}:${c.line}:${c.column}: `);
    });
  }
});

describe('merging default and host switches', () => {
  const defaults = parseSwitchFile('a=1\nb=2\ndb_password=x', { kind: 'default', file: 'etc/serverconfig/default' });
  const host = parseSwitchFile('\nb=20\nc=3\nrelay="u:p"', { kind: 'host', file: 'etc/serverconfig/web1' }, finalValues(defaults));

  it('keeps the default order, overrides in place, appends host-only switches', () => {
    const merged = mergeSwitches(defaults, host);
    expect(merged.map((s) => `${s.name}=${s.value}`)).toEqual(['a=1', 'b=20', 'db_password=x', 'c=3', 'relay=u:p']);
  });

  it('keeps each switch origin and, for an override, the default it replaced', () => {
    const merged = mergeSwitches(defaults, host);
    const b = merged.find((s) => s.name === 'b');
    expect(b?.origin).toEqual({ kind: 'host', file: 'etc/serverconfig/web1', line: 2 });
    expect(b?.overrides).toEqual({ kind: 'default', file: 'etc/serverconfig/default', line: 2 });
    const a = merged.find((s) => s.name === 'a');
    expect(a?.origin).toEqual({ kind: 'default', file: 'etc/serverconfig/default', line: 1 });
    expect(a?.overrides).toBeUndefined();
  });

  it('marks secrets by name and by the extra list', () => {
    const merged = mergeSwitches(defaults, host, new Set(['relay']));
    expect(merged.filter((s) => s.secret).map((s) => s.name)).toEqual(['db_password', 'relay']);
  });
});

describe('secret names', () => {
  it.each(['mysql_password', 'API_KEY', 'app_Secret', 'monitoring_token', 'sshkey'])('%s looks secret', (name) => {
    expect(looksSecret(name)).toBe(true);
  });
  it.each(['domain', 'nginx_workers', 'konf_secret', 'passwd_policy'])('%s does not', (name) => {
    expect(looksSecret(name)).toBe(false);
  });
});
