/** Builds throw-away fleet repositories in the OS temp folder for tests. */
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** File content, or a symlink, or content with a mode. */
export type FixtureEntry = string | Buffer | { symlink: string } | { content: string | Buffer; mode: number };

export interface Fixture {
  root: string;
  write(rel: string, entry: FixtureEntry): Promise<void>;
  remove(): Promise<void>;
}

/** A repository holding at least `etc/serverconfig/`; `files` maps repo-relative paths to entries. */
export async function makeRepo(files: Record<string, FixtureEntry> = {}): Promise<Fixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'konf-fleet-'));
  await mkdir(path.join(root, 'etc/serverconfig'), { recursive: true });
  const write = async (rel: string, entry: FixtureEntry): Promise<void> => {
    const abs = path.join(root, rel);
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      await writeFile(abs, entry);
    } else if ('symlink' in entry) {
      await symlink(entry.symlink, abs);
    } else {
      await writeFile(abs, entry.content);
      await chmod(abs, entry.mode);
    }
  };
  for (const [rel, entry] of Object.entries(files)) await write(rel, entry);
  return { root, write, remove: () => rm(root, { recursive: true, force: true }) };
}
