/**
 * `etc/konf.conf`: optional settings the team shares through the fleet repository. Parsed
 * as data, never executed, like the switch files:
 *
 *     # the snapshot store's shared git remote (see the README, "Working as a team")
 *     store_remote = git@git.example.net:ops/konf-store.git
 *     store_timeout = 10
 *
 * One `name = value` a line (spaces around `=` optional); blank lines and lines starting
 * with `#` are ignored; a value may be quoted ("…" or '…', no escapes) and must be when it
 * holds spaces. Unknown names, a name given twice and bad values are errors naming file
 * and line (exit 2), before any host is contacted.
 *
 * | name            | meaning |
 * | store_remote    | git URL or path of the shared snapshot store (also `KONF_STORE_REMOTE`) |
 * | store_timeout   | seconds a fetch or push of the store may take (default 10) |
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { resolveInRepo } from './repoPath.js';

export const KONF_CONF_FILE = 'etc/konf.conf';
export const DEFAULT_STORE_TIMEOUT_S = 10;

export interface KonfConf {
  /** The snapshot store's git remote, with where it was set (`etc/konf.conf:3`). */
  storeRemote?: { url: string; origin: string };
  /** Seconds a fetch or push may take. */
  storeTimeoutS: number;
}

const KNOWN = ['store_remote', 'store_timeout'] as const;
type Known = (typeof KNOWN)[number];

/** Problem with a remote URL or path, or undefined when it is usable. */
export function storeRemoteProblem(url: string): string | undefined {
  if (url === '') return 'is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(url)) return 'holds control characters';
  if (url.startsWith('-')) return 'starts with "-" (git would read it as an option)';
  if (/^ext::/i.test(url)) return 'uses the ext:: transport, which runs commands: refused';
  return undefined;
}

export function parseKonfConf(text: string, file: string = KONF_CONF_FILE): KonfConf {
  const conf: KonfConf = { storeTimeoutS: DEFAULT_STORE_TIMEOUT_S };
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) throw new ConfigError(`expected \`name = value\` (or a # comment), got: ${trimmed.slice(0, 60)}`, file, line);
    const name = m[1] as string;
    if (!(KNOWN as readonly string[]).includes(name)) throw new ConfigError(`unknown setting \`${name}\` (known: ${KNOWN.join(', ')})`, file, line);
    const first = seen.get(name);
    if (first !== undefined) throw new ConfigError(`\`${name}\` is set twice (first on line ${first})`, file, line);
    seen.set(name, line);
    const value = unquote(m[2] as string, file, line);
    apply(conf, name as Known, value, file, line);
  });
  return conf;
}

function unquote(value: string, file: string, line: number): string {
  const q = value[0];
  if (q === '"' || q === "'") {
    const end = value.indexOf(q, 1);
    if (end < 0) throw new ConfigError(`unterminated ${q === '"' ? 'double' : 'single'} quote`, file, line);
    if (value.slice(end + 1).trim() !== '') throw new ConfigError(`unexpected text after the quoted value: ${value.slice(end + 1).trim().slice(0, 40)}`, file, line);
    return value.slice(1, end);
  }
  if (/\s/.test(value)) throw new ConfigError('a value holding spaces must be quoted', file, line);
  return value;
}

function apply(conf: KonfConf, name: Known, value: string, file: string, line: number): void {
  switch (name) {
    case 'store_remote': {
      const problem = storeRemoteProblem(value);
      if (problem) throw new ConfigError(`store_remote ${problem} (remove the line to work without a shared store)`, file, line);
      conf.storeRemote = { url: value, origin: `${file}:${line}` };
      return;
    }
    case 'store_timeout': {
      const seconds = Number(value);
      if (!/^\d+(\.\d+)?$/.test(value) || !(seconds > 0) || seconds > 600) throw new ConfigError(`store_timeout takes seconds between 0 and 600, not ${JSON.stringify(value)}`, file, line);
      conf.storeTimeoutS = seconds;
      return;
    }
  }
}

/**
 * The repository's settings, with `KONF_STORE_REMOTE` (when set) in place of
 * store_remote; an empty KONF_STORE_REMOTE means no remote.
 */
export async function readKonfConf(root: string, env: NodeJS.ProcessEnv = process.env): Promise<KonfConf> {
  const real = await resolveInRepo(root, KONF_CONF_FILE);
  let conf: KonfConf = { storeTimeoutS: DEFAULT_STORE_TIMEOUT_S };
  if (real !== undefined) {
    let text: string;
    try {
      text = await readFile(real, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read: ${(err as Error).message}`, KONF_CONF_FILE);
    }
    conf = parseKonfConf(text);
  }
  const fromEnv = env.KONF_STORE_REMOTE;
  if (fromEnv !== undefined) {
    const { storeRemote: _ignored, ...rest } = conf;
    if (fromEnv === '') return rest;
    const problem = storeRemoteProblem(fromEnv);
    if (problem) throw new ConfigError(`KONF_STORE_REMOTE ${problem}`);
    return { ...rest, storeRemote: { url: fromEnv, origin: 'KONF_STORE_REMOTE' } };
  }
  return conf;
}
