/**
 * A fleet repository's layout, checked up front by every command: the inventory folder,
 * the host list, exclude files naming known hosts, and the repository's ssh_config. Only
 * this is read before the console's first frame (loadFleet, with the template engine and
 * the planning behind it, loads afterwards), so it imports nothing but the inventory.
 */
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { EXCLUDE_DIR, readInventory, SERVERCONFIG_DIR } from './inventory.js';
import { resolveInRepo } from './repoPath.js';

export const SSH_CONFIG_FILE = 'etc/ssh_config';

export interface FleetLayout {
  /** The repository root (absolute). */
  root: string;
  /** Host names, sorted (byte order). */
  hosts: string[];
  /** The repository's ssh_config (real path), when it has one. */
  sshConfigPath: string | undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Exclude files must belong to known hosts: a misspelt one would protect nothing. */
async function checkExcludeFolder(root: string, hosts: readonly string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(root, EXCLUDE_DIR), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, EXCLUDE_DIR);
  }
  const known = new Set(hosts);
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${EXCLUDE_DIR}/${entry.name}`;
    if (!entry.isFile()) throw new ConfigError('not a regular file: exclude files are named after their host', rel);
    if (!known.has(entry.name)) {
      throw new ConfigError(`exclude file for unknown host \`${entry.name}\`; known hosts: ${hosts.join(', ')}`, rel);
    }
  }
}

/** Checks the layout of the fleet repository at `repoDir` (the folder holding `etc/serverconfig`) and reads its host list. */
export async function readLayout(repoDir: string): Promise<FleetLayout> {
  const root = path.resolve(repoDir);
  try {
    if (!(await stat(path.join(root, SERVERCONFIG_DIR))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new ConfigError(`not a konf fleet repository (no ${SERVERCONFIG_DIR}/ folder)`, root);
  }
  await resolveInRepo(root, SERVERCONFIG_DIR);
  const hosts = await readInventory(root);
  await checkExcludeFolder(root, hosts);
  const sshConfigPath = (await exists(path.join(root, SSH_CONFIG_FILE))) ? await resolveInRepo(root, SSH_CONFIG_FILE) : undefined;
  return { root, hosts, sshConfigPath };
}
