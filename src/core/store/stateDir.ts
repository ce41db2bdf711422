/** The state folder (default `<repo>/var/`): snapshot store, audit log. Private to its owner. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export function defaultStateDir(repo: string): string {
  return path.join(repo, 'var');
}

/** Creates `dir` (and parents) if needed and makes it mode 0700; throws if that is impossible. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.stat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if ((st.mode & 0o777) !== 0o700) {
    try {
      await fs.chmod(dir, 0o700);
    } catch (err) {
      throw new Error(`${dir} must be private (mode 0700) but cannot be changed: ${(err as Error).message}`, { cause: err });
    }
  }
}
