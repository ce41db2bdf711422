/**
 * Points a fleet repository at a test fleet: writes the fleet's ssh_config as the repo's
 * `etc/ssh_config` and sets each host's `konf_root` to that host's own target root.
 * Used on copies of a repository (tests, demo), never on the user's own.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestFleet } from './testFleet.js';

/** Copies a fleet repository's `etc/` and `hooks/` into dir. */
export async function copyFleetRepo(source: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await cp(path.join(source, 'etc'), path.join(dir, 'etc'), { recursive: true, verbatimSymlinks: true });
  if (existsSync(path.join(source, 'hooks'))) await cp(path.join(source, 'hooks'), path.join(dir, 'hooks'), { recursive: true, verbatimSymlinks: true });
}

export async function bindRepoToFleet(repo: string, fleet: TestFleet): Promise<void> {
  await writeFile(path.join(repo, 'etc', 'ssh_config'), await readFile(fleet.sshConfig, 'utf8'));
  for (const h of fleet.hosts) {
    const file = path.join(repo, 'etc', 'serverconfig', h.name);
    const old = existsSync(file) ? await readFile(file, 'utf8') : '';
    const kept = old
      .split('\n')
      .filter((l) => !/^\s*(export\s+)?konf_root=/.test(l))
      .join('\n')
      .replace(/\n*$/, '\n');
    await writeFile(file, `${kept === '\n' ? '' : kept}konf_root="${h.root}"\n`);
  }
}
