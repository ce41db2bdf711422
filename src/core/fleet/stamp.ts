/**
 * A cheap stamp of the fleet repository as it is on disk: every entry under `etc/` and
 * `hooks/` with its size, modification time, inode and mode (no content is read). Two
 * equal stamps mean nothing was edited in between; a different stamp means something may
 * have been (a plan fingerprint then says whether a host's plan really changed).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

const TOP = ['etc', 'hooks'];

export async function repoStamp(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path.join(root, rel));
    } catch {
      hash.update(`${rel}\0-\n`);
      return;
    }
    hash.update(`${rel}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ino}\n`);
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = (await readdir(path.join(root, rel))).sort();
    } catch {
      return;
    }
    for (const name of names) await walk(`${rel}/${name}`);
  };
  for (const top of TOP) await walk(top);
  return hash.digest('hex');
}
