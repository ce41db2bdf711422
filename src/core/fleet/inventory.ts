/**
 * The inventory: every file in `etc/serverconfig/` other than `default` (and the
 * `exclude/` folder) names one managed host. Hidden files (editor swap files, `.gitkeep`)
 * are not hosts and are ignored; anything else that is not a valid host name is an error.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UnknownHostError } from '../errors.js';
import { compareBytes } from './paths.js';

export const SERVERCONFIG_DIR = 'etc/serverconfig';
export const DEFAULT_SWITCH_FILE = `${SERVERCONFIG_DIR}/default`;
export const EXCLUDE_DIR = `${SERVERCONFIG_DIR}/exclude`;

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit (a DNS name or ssh alias). */
const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `name` cannot be a host name, or undefined when it can. */
export function hostNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('/')) return 'contains `/`';
  if (name.startsWith('.')) return 'starts with `.`';
  if (name === 'default' || name === 'exclude') return 'is reserved';
  if (name.length > 253) return 'is longer than 253 characters';
  if (!HOST_RE.test(name)) return 'may only hold letters, digits, `.`, `_` and `-`, starting with a letter or digit';
  return undefined;
}

/** Reads the host list (sorted, byte order) from `<repo>/etc/serverconfig/`. */
export async function readInventory(repoRoot: string): Promise<string[]> {
  const dir = path.join(repoRoot, SERVERCONFIG_DIR);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new ConfigError(`cannot read the inventory folder: ${(err as Error).message}`, SERVERCONFIG_DIR);
  }
  const hosts: string[] = [];
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.')) continue;
    const rel = `${SERVERCONFIG_DIR}/${name}`;
    if (name === 'exclude') {
      if (!entry.isDirectory()) throw new ConfigError('`exclude` must be a folder of per-host exclude files', rel);
      continue;
    }
    if (name === 'default') {
      if (!entry.isFile()) throw new ConfigError('`default` must be a regular file', rel);
      continue;
    }
    if (!entry.isFile()) {
      throw new ConfigError('not a regular file: every file in etc/serverconfig names one host (only `exclude/` may be a folder)', rel);
    }
    const problem = hostNameProblem(name);
    if (problem !== undefined) throw new ConfigError(`\`${name}\` is not a valid host name: it ${problem}`, rel);
    hosts.push(name);
  }
  return hosts.sort(compareBytes);
}

/** Throws a ConfigError listing the known hosts when `host` is not one of them. */
export function assertKnownHost(host: string, hosts: readonly string[]): void {
  if (hosts.includes(host)) return;
  throw new UnknownHostError(host, hosts);
}
