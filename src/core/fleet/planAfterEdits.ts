/**
 * Plans as the repository would make them after some edits (`konf adopt`'s preview):
 * the real planner (buildPlan) on the repository's inputs with the edited files read
 * from memory. Edits may touch files of `etc/files`, `etc/permissions` and exclude files,
 * which is all adopt writes.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { parseExcludes } from './excludes.js';
import { readHooks } from './hooks.js';
import { EXCLUDE_DIR } from './inventory.js';
import { logicalPathProblem, reservedPathProblem, shadowsReservedDir, symlinkEscapesRoot, compareBytes, RESERVED_HOST_DIR } from './paths.js';
import { PERMISSIONS_FILE, parsePermissions } from './permissions.js';
import { buildPlan, readSourceFile } from './plan.js';
import { resolveInRepo } from './repoPath.js';
import type { RepoContent, RepoEdit } from './repoEdit.js';
import { TEMPLATE_SUFFIX } from './templates.js';
import { FILES_DIR, readTree, type TreeEntry } from './tree.js';
import type { Fleet, HostPlan, PermissionRule } from './types.js';

/** `etc/files/etc/motd` → `/etc/motd` (undefined for a file outside etc/files). */
export function logicalPathOfSource(source: string): string | undefined {
  if (!source.startsWith(`${FILES_DIR}/`)) return undefined;
  return source.slice(FILES_DIR.length);
}

/** The source file in etc/files that plans `logical` as a plain file or symlink. */
export function sourceOfLogicalPath(logical: string): string {
  return `${FILES_DIR}${logical}`;
}

/** Why a plain file or symlink cannot be planned at `logical` from etc/files, or undefined. */
export function treePathProblem(logical: string, content: RepoContent): string | undefined {
  const problem = logicalPathProblem(logical) ?? reservedPathProblem(logical);
  if (problem !== undefined) return `${logical} ${problem}`;
  if (shadowsReservedDir(logical)) return `${logical} is a folder on the way to konf's state folder ${RESERVED_HOST_DIR}: it cannot be a file or symlink`;
  if (logical.endsWith(TEMPLATE_SUFFIX)) return `${logical} ends in ${TEMPLATE_SUFFIX}: in etc/files it would be rendered as a template, not copied`;
  if (content.kind === 'symlink') {
    // eslint-disable-next-line no-control-regex
    if (content.target === '' || /[\x00-\x1f\x7f]/.test(content.target)) return `symlink target ${JSON.stringify(content.target)} is empty or contains a control character`;
    if (symlinkEscapesRoot(logical, content.target)) return `symlink ${logical} -> ${content.target} would resolve outside the target root`;
  }
  return undefined;
}

async function readText(root: string, rel: string): Promise<string | undefined> {
  const real = await resolveInRepo(root, rel);
  if (real === undefined) return undefined;
  try {
    return await readFile(real, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, rel);
  }
}

/** The desired tree with the edits to etc/files applied. */
function editedTree(tree: readonly TreeEntry[], edits: ReadonlyMap<string, RepoContent>): TreeEntry[] {
  const byPath = new Map(tree.map((e) => [e.path, e]));
  for (const [source, content] of edits) {
    const logical = logicalPathOfSource(source);
    if (logical === undefined) continue;
    const existing = byPath.get(logical);
    if (existing && existing.source !== source) throw new ConfigError(`two sources for ${logical}: ${existing.source} and ${source}`, source);
    if (existing && existing.kind === 'file' && existing.template) throw new ConfigError('a template is not edited by konf', source);
    if (content.kind === 'absent') {
      byPath.delete(logical);
      continue;
    }
    const problem = treePathProblem(logical, content);
    if (problem !== undefined) throw new ConfigError(problem, source);
    byPath.set(logical, content.kind === 'symlink' ? { kind: 'symlink', path: logical, source, target: content.target } : { kind: 'file', path: logical, source, template: false });
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

/**
 * Plans of `hosts` (in order) as the repository would make them with `edits` written; a
 * host whose plan fails gets its error in its place. A problem the edits themselves make
 * (an unparsable permissions file, a path etc/files cannot hold) throws.
 */
export async function plansAfterEdits(fleet: Fleet, hosts: readonly string[], edits: readonly RepoEdit[]): Promise<(HostPlan | Error)[]> {
  const root = fleet.root;
  const byFile = new Map(edits.map((e) => [e.file, e.after]));
  for (const file of byFile.keys()) {
    if (file !== PERMISSIONS_FILE && !file.startsWith(`${FILES_DIR}/`) && !file.startsWith(`${EXCLUDE_DIR}/`)) throw new Error(`plansAfterEdits: cannot plan an edit of ${file}`);
  }
  const textOf = (c: RepoContent | undefined): string | undefined => (c === undefined ? undefined : c.kind === 'file' ? c.content.toString('utf8') : '');
  const permissionsText = byFile.has(PERMISSIONS_FILE) ? textOf(byFile.get(PERMISSIONS_FILE)) : await readText(root, PERMISSIONS_FILE);
  const permissionRules: PermissionRule[] = permissionsText === undefined ? [] : parsePermissions(permissionsText, PERMISSIONS_FILE);
  const [tree, hooks] = await Promise.all([readTree(root), readHooks(root)]);
  const shared = {
    permissionRules,
    tree: editedTree(tree, byFile),
    hooks,
    readSource: async (source: string): Promise<Buffer> => {
      const edited = byFile.get(source);
      if (edited?.kind === 'file') return edited.content;
      return readSourceFile(root, source);
    },
  };
  const settled = await Promise.allSettled(
    hosts.map(async (host) => {
      const { switches, settings } = await fleet.switches(host);
      const excludeFile = `${EXCLUDE_DIR}/${host}`;
      const excludeRules = byFile.has(excludeFile) ? parseExcludes(textOf(byFile.get(excludeFile)) ?? '', excludeFile) : await fleet.excludes(host);
      return buildPlan({ repoRoot: root, host, switches, settings, excludeRules, ...shared });
    }),
  );
  return settled.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof Error ? r.reason : new Error(String(r.reason))));
}
