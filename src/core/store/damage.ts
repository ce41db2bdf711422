/**
 * A damaged snapshot store (a lost or corrupt git object, a snapshot without its manifest)
 * is an environment fault, not a bug in konf: it is reported as a HostError of kind
 * `store-damaged` (exit 3) naming the snapshot, the path and what is wrong — missing or
 * corrupt — with the command that checks the whole store. Nothing on the host is touched:
 * the snapshot is read before anything is written.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { HostError } from '../errors.js';
import { runGit } from './git.js';

export class StoreDamagedError extends HostError {
  constructor(
    host: string,
    readonly gitDir: string,
    what: string,
  ) {
    super(host, 'store-damaged', `snapshot store damaged: ${what}; check it with: git --git-dir ${gitDir} fsck`);
  }
}

export type ObjectState = { kind: 'not-found' } | { kind: 'present' | 'missing' | 'corrupt'; oid: string };

/** What git's words mean: an object it found but could not read is corrupt. */
export const CORRUPT_WORDS = /unable to unpack|inflate|is corrupt|hash mismatch|corrupt loose object|bad packed object|header for \S+ too long/i;
/** Words of git failing on a damaged object database (as opposed to, say, a missing git). */
const DAMAGE_WORDS = /unable to unpack|inflate|is corrupt|hash mismatch|bad object|could not read|revision walk|missing (blob|tree|commit)|invalid object|not a (tree|commit) object|unable to read|bad tree object/i;

/** Whether a git error message says the object database is damaged. */
export function isDamage(message: string): boolean {
  return DAMAGE_WORDS.test(message);
}

/**
 * The state of the object a name (`<commit>:<path>`, or an object id) refers to: not
 * found (no such path in the snapshot's tree / no such name), present, missing (the tree
 * names it but the object is gone) or corrupt (there, but unreadable).
 */
export async function objectState(gitDir: string, name: string): Promise<ObjectState> {
  const resolved = await runGit(gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', name]);
  if (resolved.code !== 0) return { kind: 'not-found' };
  const oid = resolved.stdout.toString('utf8').trim();
  const type = await runGit(gitDir, ['cat-file', '-t', oid]);
  if (type.code === 0) return { kind: 'present', oid };
  if (CORRUPT_WORDS.test(type.stderr)) return { kind: 'corrupt', oid };
  // git's words vary with the damage; whether the database holds the object does not.
  if (await exists(path.join(gitDir, 'objects', oid.slice(0, 2), oid.slice(2)))) return { kind: 'corrupt', oid };
  const listed = await runGit(gitDir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']);
  return { kind: listed.code === 0 && listed.stdout.toString('utf8').split('\n').includes(oid) ? 'corrupt' : 'missing', oid };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** `missing (object 1234abcd5678)` / `corrupt (object …)`. */
export function describeObject(state: Exclude<ObjectState, { kind: 'not-found' | 'present' }>): string {
  return `${state.kind} (object ${state.oid.slice(0, 12)})`;
}
