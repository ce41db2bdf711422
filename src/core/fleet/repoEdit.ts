/**
 * Changes konf makes to the fleet repository itself (`konf adopt`): each one a file with
 * its content before (as read when the change was previewed) and after. They are shown
 * as diffs first; writing them checks that every file still holds what was shown, writes
 * each one atomically (temp file in the same folder, rename), and puts the earlier ones
 * back if a later one fails, so the repository is never left half edited.
 */
import { lstat, mkdir, readFile, readlink, rename, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { resolveInRepo } from './repoPath.js';

/** The name prefix of konf's temporary files beside an edited repository file (renamed over it). */
export const EDIT_TEMP_PREFIX = '.konf-edit-';

/** What a repository path holds: a file, a symlink (etc/files may hold links), or nothing. */
export type RepoContent = { kind: 'file'; content: Buffer } | { kind: 'symlink'; target: string } | { kind: 'absent' };

export interface RepoEdit {
  /** Path relative to the repository root, e.g. `etc/files/etc/motd`. */
  file: string;
  before: RepoContent;
  after: RepoContent;
  /** Why (one line for the preview), e.g. `the live /etc/motd of web1`. */
  why: string;
}

export function sameContent(a: RepoContent, b: RepoContent): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'file' && b.kind === 'file') return a.content.equals(b.content);
  if (a.kind === 'symlink' && b.kind === 'symlink') return a.target === b.target;
  return true;
}

/** What `file` (relative to the repository) holds now; its folder must resolve inside the repository. */
export async function readRepoContent(root: string, file: string): Promise<RepoContent> {
  await checkInRepo(root, file);
  const abs = path.join(root, file);
  let info;
  try {
    info = await lstat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    throw new ConfigError(`cannot read: ${(err as Error).message}`, file);
  }
  if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(abs) };
  if (info.isFile()) return { kind: 'file', content: await readFile(abs) };
  throw new ConfigError('is not a regular file or symlink: konf will not change it', file);
}

/** The nearest existing folder of `file` must resolve inside the repository, and no part of the way may be a file. */
async function checkInRepo(root: string, file: string): Promise<void> {
  const parts = file.split('/');
  for (let i = 1; i < parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    let info;
    try {
      info = await lstat(path.join(root, rel));
    } catch {
      return; // from here on nothing exists: it is created inside the folder checked last
    }
    if (info.isSymbolicLink()) await resolveInRepo(root, rel);
    else if (!info.isDirectory()) throw new ConfigError(`${rel} is not a folder, so ${file} cannot be written`, rel);
  }
}

/** Text of a repository content for a diff (undefined: absent, or not text). */
export function contentText(c: RepoContent): string | undefined {
  return c.kind === 'file' ? c.content.toString('utf8') : c.kind === 'symlink' ? `symlink -> ${c.target}\n` : undefined;
}

async function put(root: string, file: string, c: RepoContent): Promise<void> {
  const abs = path.join(root, file);
  if (c.kind === 'absent') {
    await rm(abs, { force: true });
    return;
  }
  await mkdir(path.dirname(abs), { recursive: true });
  const tmp = path.join(path.dirname(abs), `${EDIT_TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    if (c.kind === 'symlink') await symlink(c.target, tmp);
    else {
      let mode = 0o644;
      try {
        const old = await lstat(abs);
        if (old.isFile()) mode = old.mode & 0o7777;
      } catch {
        // new file
      }
      await writeFile(tmp, c.content, { mode });
      await chmod(tmp, mode);
    }
    await rename(tmp, abs);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes the edits. First every file is checked to still hold its `before` (else nothing
 * is written: someone changed it since the preview); then each is written atomically; a
 * failure puts the files written so far back and throws.
 */
export async function applyRepoEdits(root: string, edits: readonly RepoEdit[]): Promise<void> {
  for (const e of edits) {
    const now = await readRepoContent(root, e.file);
    if (!sameContent(now, e.before)) {
      throw new ConfigError('changed since the preview was made: nothing was written (run it again to see the change as it is now)', e.file);
    }
  }
  const done: RepoEdit[] = [];
  for (const e of edits) {
    try {
      await put(root, e.file, e.after);
      done.push(e);
    } catch (err) {
      for (const d of done.reverse()) await put(root, d.file, d.before).catch(() => undefined);
      throw new ConfigError(`could not write: ${(err as Error).message}${done.length ? '; the files written before it were put back' : ''}`, e.file);
    }
  }
}

/** Puts edited files back to their `before` (used when what was written does not plan as shown). */
export async function revertRepoEdits(root: string, edits: readonly RepoEdit[]): Promise<void> {
  for (const e of [...edits].reverse()) await put(root, e.file, e.before);
}
