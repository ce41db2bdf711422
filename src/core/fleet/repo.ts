/**
 * Finding the fleet repository: `--repo DIR`, else `KONF_REPO`, else the nearest folder
 * from the working directory upwards that holds `etc/serverconfig`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { SERVERCONFIG_DIR } from './inventory.js';

export interface FindRepoOptions {
  /** `--repo DIR` (relative to cwd). */
  explicit?: string;
  /** The KONF_REPO environment variable. */
  env?: string;
  cwd: string;
}

async function isRepo(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, SERVERCONFIG_DIR))).isDirectory();
  } catch {
    return false;
  }
}

/** Absolute path of the repository root; ConfigError when there is none. */
export async function findRepo(options: FindRepoOptions): Promise<string> {
  for (const [given, how] of [
    [options.explicit, '--repo'],
    [options.env, 'KONF_REPO'],
  ] as const) {
    if (given === undefined || given === '') continue;
    const dir = path.resolve(options.cwd, given);
    if (!(await isRepo(dir))) throw new ConfigError(`${how} ${dir} is not a konf fleet repository (no ${SERVERCONFIG_DIR}/ folder)`);
    return dir;
  }
  let dir = path.resolve(options.cwd);
  for (;;) {
    if (await isRepo(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ConfigError(
    `no fleet repository found: no ${SERVERCONFIG_DIR}/ in ${path.resolve(options.cwd)} or any parent folder (use --repo DIR or set KONF_REPO)`,
  );
}
