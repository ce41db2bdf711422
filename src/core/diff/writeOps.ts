/** What a diff means for the host: the writes that bring it to the desired state. */
import type { WriteOp } from '../remote/types.js';
import type { ChangeKind, FileChange, HostDiff } from './types.js';

const WRITE_KINDS: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['new', 'modified', 'binary', 'metadata', 'link-changed', 'type-changed']);

/**
 * The write operations for every pending change, in path order: the desired file or symlink
 * (with its metadata) for new/modified/binary/metadata/link-changed/type-changed, a removal
 * for removed; nothing for unchanged, excluded and unreadable paths.
 *
 * Metadata the desired entry leaves undefined is filled from the live entry when the host
 * already has an entry of the same type there, so an atomic replace (new inode) keeps the
 * live mode, owner and group explicitly. New files and type changes leave it undefined (the
 * transport applies its defaults: 0644, the connecting user).
 */
export function writeOpsFor(diff: HostDiff): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const f of diff.files) {
    const op = writeOpFor(f);
    if (op) ops.push(op);
  }
  return ops;
}

export function writeOpFor(f: FileChange): WriteOp | undefined {
  if (f.kind === 'removed') return { action: 'remove', path: f.path };
  if (!WRITE_KINDS.has(f.kind)) return undefined;
  const d = f.desired;
  const l = f.live;
  if (d === undefined || d.state === 'absent') return undefined;
  if (d.state === 'file') {
    const op: WriteOp = { action: 'file', path: f.path, content: d.content };
    const mode = d.mode ?? (l?.state === 'file' ? l.mode & 0o7777 : undefined);
    const owner = d.owner ?? (l?.state === 'file' ? l.owner : undefined);
    const group = d.group ?? (l?.state === 'file' ? l.group : undefined);
    if (mode !== undefined) op.mode = mode;
    if (owner !== undefined) op.owner = owner;
    if (group !== undefined) op.group = group;
    return op;
  }
  const op: WriteOp = { action: 'symlink', path: f.path, target: d.target };
  const owner = d.owner ?? (l?.state === 'symlink' ? l.owner : undefined);
  const group = d.group ?? (l?.state === 'symlink' ? l.group : undefined);
  if (owner !== undefined) op.owner = owner;
  if (group !== undefined) op.group = group;
  return op;
}
