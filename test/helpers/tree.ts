/** Reads a local folder (a test host's target root) into a comparable description. */
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export interface TreeEntry {
  type: 'file' | 'symlink' | 'dir';
  mode: string;
  uid: number;
  gid: number;
  sha256?: string;
  target?: string;
}

/** Every path under root (relative, with leading /) except those under `ignore` prefixes. */
export async function readTree(root: string, ignore: string[] = ['/var/lib/konf']): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = path.join(dir, name);
      const rel = `/${path.relative(root, abs)}`;
      if (ignore.some((p) => rel === p || rel.startsWith(`${p}/`))) continue;
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isSymbolicLink()) out[rel] = { type: 'symlink', mode, uid: st.uid, gid: st.gid, target: await readlink(abs) };
      else if (st.isDirectory()) {
        out[rel] = { type: 'dir', mode, uid: st.uid, gid: st.gid };
        await walk(abs);
      } else out[rel] = { type: 'file', mode, uid: st.uid, gid: st.gid, sha256: createHash('sha256').update(await readFile(abs)).digest('hex') };
    }
  };
  await walk(root);
  return out;
}

/** Files only (no directories): what konf promises to restore. */
export function filesOf(tree: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return Object.fromEntries(Object.entries(tree).filter(([, e]) => e.type !== 'dir'));
}
