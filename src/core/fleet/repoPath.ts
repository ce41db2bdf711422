/**
 * Everything konf reads from the fleet repository must resolve inside it: a switch file,
 * `etc/files` or a hook that is a symlink to somewhere else on the jump host would
 * otherwise be planned, uploaded and run on every host without anyone seeing it in the
 * repository. Symlinks that stay inside the repository are fine (a hook shared by two
 * phases); symlinks *inside* `etc/files` are never followed at all (they are deployed as
 * links, see tree.ts).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The real path of `rel` (relative to the repository root), or undefined when it does not
 * exist. ConfigError naming `rel` when it resolves outside the repository.
 */
export async function resolveInRepo(root: string, rel: string): Promise<string | undefined> {
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(path.join(root, rel));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, rel);
  }
  if (real !== realRoot && !real.startsWith(realRoot.endsWith(path.sep) ? realRoot : `${realRoot}${path.sep}`)) {
    throw new ConfigError(
      `resolves outside the fleet repository (to ${real}) through a symlink: refused (everything konf reads from the repository must be inside it)`,
      rel,
    );
  }
  return real;
}
