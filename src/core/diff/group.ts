/** Fleet view: hosts whose pending change to a path is identical, so a reviewer reads it once. */
import { createHash } from 'node:crypto';
import { formatMode, isPending } from './changeKinds.js';
import type { ChangeGroup, DesiredEntry, FileChange, HostDiff } from './types.js';
import type { LiveEntry } from '../remote/types.js';

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function liveKey(l: LiveEntry | undefined): string {
  if (!l) return 'none';
  switch (l.state) {
    case 'file':
      return `file:${l.sha256}`;
    case 'symlink':
      return `symlink:${l.target}`;
    default:
      return l.state;
  }
}

function desiredKey(d: DesiredEntry | undefined): string {
  if (!d) return 'none';
  switch (d.state) {
    case 'file':
      return `file:${sha(d.content)}:${d.mode === undefined ? '' : formatMode(d.mode)}:${d.owner ?? ''}:${d.group ?? ''}`;
    case 'symlink':
      return `symlink:${d.target}:${d.owner ?? ''}:${d.group ?? ''}`;
    case 'absent':
      return 'absent';
  }
}

/**
 * What makes two hosts' changes to a path "the same change": the kind, the metadata changes,
 * and the content before and after (by hash, never by the masked text, so two different
 * secrets masked alike are not merged). A metadata-only change ignores the content; a new
 * file has no "before"; a removal has no "after".
 */
export function changeKey(f: FileChange): string {
  const meta = f.meta.map((m) => `${m.field}=${m.from}>${m.to}`).join(',');
  let sides: string;
  switch (f.kind) {
    case 'metadata':
      sides = '';
      break;
    case 'new':
      sides = desiredKey(f.desired);
      break;
    case 'removed':
      sides = liveKey(f.live);
      break;
    default:
      sides = `${liveKey(f.live)}|${desiredKey(f.desired)}`;
  }
  return `${f.path}\0${f.kind}\0${meta}\0${sides}`;
}

/**
 * Groups the pending changes of several hosts: one group per distinct change to a path,
 * with every host that has exactly that change (unique changes are groups of one).
 * Unchanged, excluded and unreadable paths are not changes and form no groups. Groups are
 * ordered by path, then by size (largest first), then by first host; hosts keep the order
 * of `diffs`. `change` is the first host's FileChange.
 */
export function groupIdentical(diffs: HostDiff[]): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup & { order: number }>();
  let order = 0;
  for (const d of diffs) {
    for (const f of d.files) {
      if (!isPending(f.kind)) continue;
      const key = changeKey(f);
      const g = groups.get(key);
      if (g) {
        if (!g.hosts.includes(d.host)) g.hosts.push(d.host);
      } else {
        groups.set(key, { path: f.path, kind: f.kind, hosts: [d.host], change: f, order: order++ });
      }
    }
  }
  return [...groups.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : b.hosts.length - a.hosts.length || a.order - b.order))
    .map(({ order: _order, ...g }) => g);
}

/** `12 hosts: identical change to /etc/nginx/nginx.conf (modified)` or `web1: modified /etc/motd`. */
export function describeGroup(g: ChangeGroup): string {
  if (g.hosts.length === 1) return `${g.hosts[0] ?? '?'}: ${g.kind} ${g.path}`;
  return `${g.hosts.length} hosts: identical change to ${g.path} (${g.kind})`;
}
