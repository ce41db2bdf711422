/**
 * `konf adopt --commit`: one git commit (simple-git) in the fleet repository holding
 * exactly the files konf changed, with a message naming host, paths and operator. The
 * admin's own git setup applies (identity, hooks); when git knows no identity, the
 * operator is used. Other staged or unstaged work in the repository is left as it is.
 */
import { simpleGit, type SimpleGit } from 'simple-git';
import { ConfigError } from '../errors.js';

function gitAt(root: string, env?: Record<string, string>): SimpleGit {
  const git = simpleGit({ baseDir: root });
  if (env) {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) merged[k] = v;
    git.env({ ...merged, ...env });
  }
  return git;
}

/**
 * Checks a commit of `files` can be made: the repository is a git work tree and none of
 * the files has uncommitted changes (they would be swept into konf's commit). ConfigError
 * (exit 2, nothing written) otherwise.
 */
export async function checkCommittable(root: string, files: readonly string[]): Promise<void> {
  const git = gitAt(root);
  let inside = false;
  try {
    inside = (await git.raw(['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    inside = false;
  }
  if (!inside) throw new ConfigError(`--commit: the fleet repository ${root} is not a git work tree (run git init there, or leave out --commit)`);
  if (files.length === 0) return;
  const status = await git.raw(['status', '--porcelain', '--untracked-files=all', '--', ...files]);
  const dirty = status
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3));
  if (dirty.length > 0) {
    throw new ConfigError(`--commit: ${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes that konf's commit would include: commit or stash them first, or leave out --commit`);
  }
}

/** Commits exactly `files` (as they are on disk now); returns the new commit's id. */
export async function commitFiles(root: string, files: readonly string[], message: string, operator: string): Promise<string> {
  let env: Record<string, string> | undefined;
  try {
    await gitAt(root).raw(['var', 'GIT_COMMITTER_IDENT']);
    await gitAt(root).raw(['var', 'GIT_AUTHOR_IDENT']);
  } catch {
    const name = operator.replace(/[<>\n]/g, '').trim() || 'konf';
    const email = `${name.replace(/[^A-Za-z0-9._+-]/g, '_')}@konf`;
    env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
  }
  const git = gitAt(root, env);
  await git.raw(['add', '--all', '--', ...files]);
  await git.raw(['commit', '--quiet', '--only', '-m', message, '--', ...files]);
  return (await git.revparse(['HEAD'])).trim();
}
