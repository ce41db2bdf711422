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
  // The entries of a folder are looked at all at once (one wait per level, not per entry:
  // a deploy checks the stamp right before each host's write); the text hashed is in walk order.
  const walk = async (rel: string): Promise<string> => {
    let st;
    try {
      st = await lstat(path.join(root, rel));
    } catch {
      return `${rel}\0-\n`;
    }
    const line = `${rel}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ino}\n`;
    if (!st.isDirectory()) return line;
    let names: string[];
    try {
      names = (await readdir(path.join(root, rel))).sort();
    } catch {
      return line;
    }
    return line + (await Promise.all(names.map((name) => walk(`${rel}/${name}`)))).join('');
  };
  const hash = createHash('sha256');
  for (const top of TOP) hash.update(await walk(top));
  return hash.digest('hex');
}
