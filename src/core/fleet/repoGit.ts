/**
 * `konf adopt --commit`: one git commit in the fleet repository holding exactly the files
 * konf changed, with a message naming host, paths and operator. git runs through konf's
 * one git runner (store/git.ts `runGitIn`: allow-listed environment, C locale, no prompt);
 * the admin's own git setup applies (identity, hooks); when git knows no identity, the
 * operator is used. Other staged or unstaged work in the repository is left as it is.
 */
import { ConfigError } from '../errors.js';
import { gitTextIn, runGitIn } from '../store/git.js';

/**
 * Checks a commit of `files` can be made: the repository is a git work tree and none of
 * the files has uncommitted changes (they would be swept into konf's commit). ConfigError
 * (exit 2, nothing written) otherwise.
 */
export async function checkCommittable(root: string, files: readonly string[]): Promise<void> {
  let inside = false;
  try {
    inside = (await gitTextIn(root, ['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    inside = false;
  }
  if (!inside) throw new ConfigError(`--commit: the fleet repository ${root} is not a git work tree (run git init there, or leave out --commit)`);
  if (files.length === 0) return;
  const status = await gitTextIn(root, ['status', '--porcelain', '--untracked-files=all', '--', ...files]);
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
  const known = (await runGitIn(root, ['var', 'GIT_COMMITTER_IDENT'])).code === 0 && (await runGitIn(root, ['var', 'GIT_AUTHOR_IDENT'])).code === 0;
  const config: string[] = [];
  if (!known) {
    const name = operator.replace(/[<>\n]/g, '').trim() || 'konf';
    const email = `${name.replace(/[^A-Za-z0-9._+-]/g, '_')}@konf`;
    config.push(`user.name=${name}`, `user.email=${email}`);
  }
  await gitTextIn(root, ['add', '--all', '--', ...files]);
  // The message goes through stdin: any length, and nothing in it is read as an option.
  await gitTextIn(root, ['commit', '--quiet', '--only', '--file=-', '--', ...files], { input: message, config });
  return (await gitTextIn(root, ['rev-parse', 'HEAD'])).trim();
}
