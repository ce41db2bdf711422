/**
 * The desired tree, `etc/files/`, mirrors the target filesystem: `etc/files/etc/motd` is
 * `/etc/motd` on the host. The walk never follows symlinks inside the tree: a symlink is
 * itself an entry (deployed as a symlink), so no file is ever read from, or written
 * through, a symlinked folder. Folders are not entries; they are created as needed.
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { compareBytes, logicalPathProblem, RESERVED_HOST_DIR, reservedPathProblem, shadowsReservedDir, symlinkEscapesRoot } from './paths.js';
import { resolveInRepo } from './repoPath.js';
import { TEMPLATE_SUFFIX, templateTargetName } from './templates.js';

export const FILES_DIR = 'etc/files';

export type TreeEntry =
  | { kind: 'file'; path: string; source: string; template: boolean }
  | { kind: 'symlink'; path: string; source: string; target: string };

/** Walks in progress, by repository: callers at the same moment share one walk. */
const walking = new Map<string, Promise<TreeEntry[]>>();

/**
 * Lists the tree's entries, sorted by logical path. Throws ConfigError (naming the source)
 * for anything that cannot be deployed safely: special files, names with control
 * characters, two sources for one path, relative symlinks that climb out of the root.
 * Callers while a walk of the same repository is in progress get that walk's result (a
 * diff lists the tree to start reading hosts while the plans list it too); a later call
 * walks afresh.
 */
export function readTree(repoRoot: string): Promise<TreeEntry[]> {
  const key = path.resolve(repoRoot);
  let walk = walking.get(key);
  if (!walk) {
    walk = walkTree(repoRoot);
    walking.set(key, walk);
    const done = () => {
      if (walking.get(key) === walk) walking.delete(key);
    };
    walk.then(done, done);
  }
  return walk;
}

async function walkTree(repoRoot: string): Promise<TreeEntry[]> {
  const top = path.join(repoRoot, FILES_DIR);
  // The tree's own folder (and `etc`) must be the repository's: below it, nothing is followed.
  if ((await resolveInRepo(repoRoot, FILES_DIR)) === undefined) return [];
  try {
    if (!(await stat(top)).isDirectory()) throw new ConfigError('the desired tree must be a folder', FILES_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read the desired tree: ${(err as Error).message}`, FILES_DIR);
  }
  const entries: TreeEntry[] = [];
  const byPath = new Map<string, string>();
  const add = (entry: TreeEntry): void => {
    const other = byPath.get(entry.path);
    if (other !== undefined) {
      throw new ConfigError(`two sources for ${entry.path}: ${other} and ${entry.source}`, entry.source);
    }
    byPath.set(entry.path, entry.source);
    entries.push(entry);
  };

  const walk = async (relDir: string, logicalDir: string): Promise<void> => {
    let dirents: Dirent[];
    try {
      dirents = await readdir(path.join(repoRoot, relDir), { withFileTypes: true });
    } catch (err) {
      throw new ConfigError(`cannot read folder: ${(err as Error).message}`, relDir);
    }
    dirents.sort((a, b) => compareBytes(a.name, b.name));
    for (const dirent of dirents) {
      const name = dirent.name;
      const source = `${relDir}/${name}`;
      // The folder listing tells the type on common filesystems: no lstat per file.
      const known = dirent.isFile() || dirent.isDirectory() || dirent.isSymbolicLink();
      const info = known
        ? dirent
        : await lstat(path.join(repoRoot, source)).catch((err: Error) => {
            throw new ConfigError(`cannot read: ${err.message}`, source);
          });
      const isTemplate = info.isFile() && name.endsWith(TEMPLATE_SUFFIX);
      const targetName = isTemplate ? templateTargetName(name) : name;
      if (targetName === '') throw new ConfigError('a template needs a name before `.tmpl`', source);
      const logical = `${logicalDir === '/' ? '' : logicalDir}/${targetName}`;
      // Folders are not entries: what is refused is a file or link planned in konf's space.
      const problem = logicalPathProblem(logical) ?? (info.isDirectory() ? undefined : reservedPathProblem(logical));
      if (problem !== undefined) throw new ConfigError(`target path ${JSON.stringify(logical)} ${problem}`, source);
      if (!info.isDirectory() && shadowsReservedDir(logical)) {
        throw new ConfigError(`target path ${logical} is a folder on the way to konf's state folder ${RESERVED_HOST_DIR} on the host: it cannot be a file or symlink`, source);
      }

      if (info.isDirectory()) {
        await walk(source, logical);
      } else if (info.isSymbolicLink()) {
        const target = await readlink(path.join(repoRoot, source));
        if (name.endsWith(TEMPLATE_SUFFIX)) {
          throw new ConfigError('a symlink cannot be a template (it is deployed as a link, never rendered)', source);
        }
        // eslint-disable-next-line no-control-regex
        if (target === '' || /[\x00-\x1f\x7f]/.test(target)) {
          throw new ConfigError(`symlink target ${JSON.stringify(target)} is empty or contains a control character`, source);
        }
        if (symlinkEscapesRoot(logical, target)) {
          throw new ConfigError(`symlink ${logical} -> ${target} would resolve outside the target root (refused)`, source);
        }
        add({ kind: 'symlink', path: logical, source, target });
      } else if (info.isFile()) {
        add({ kind: 'file', path: logical, source, template: isTemplate });
      } else {
        throw new ConfigError('not a regular file, folder or symlink: cannot be deployed', source);
      }
    }
  };
  await walk(FILES_DIR, '/');
  return entries.sort((a, b) => compareBytes(a.path, b.path));
}
