/** Desired states: what a host should hold after a deploy (from a plan) or a rollback (from a snapshot). */
import { readFileSync } from 'node:fs';
import type { HostPlan } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';
import type { DesiredEntry } from './types.js';

/**
 * The plan's files as desired entries. Metadata the plan leaves undefined (no permissions
 * rule matched) stays undefined: the host keeps what it has. Excluded paths are not in
 * `plan.files`; pass `plan.excluded` to diffHost so they are listed with their rule.
 */
export function desiredFromPlan(plan: HostPlan): DesiredEntry[] {
  return plan.files.map((f): DesiredEntry => {
    const meta: { owner?: string; group?: string } = {};
    if (f.owner !== undefined) meta.owner = f.owner;
    if (f.group !== undefined) meta.group = f.group;
    if (f.kind === 'symlink') return { path: f.path, state: 'symlink', target: f.target, ...meta, planned: f };
    return {
      path: f.path,
      state: 'file',
      content: f.content,
      ...(f.mode !== undefined ? { mode: f.mode } : {}),
      ...meta,
      planned: f,
    };
  });
}

/**
 * A snapshot's entries as desired entries: files and symlinks with their full recorded
 * metadata, `missing` as absent (removed on rollback). Directories, special files and
 * entries that were unreadable when the snapshot was taken carry nothing konf can restore:
 * they are left out, so rollback does not touch those paths.
 */
export function desiredFromSnapshot(entries: LiveEntry[]): DesiredEntry[] {
  const out: DesiredEntry[] = [];
  for (const e of entries) {
    switch (e.state) {
      case 'file': {
        // A large file read for a snapshot waits in its spool file; read it back only now.
        const content = e.content ?? (e.spool !== undefined ? readFileSync(e.spool) : undefined);
        if (content === undefined) throw new Error(`the content of ${e.path} was not kept (a large file read without spooling): cannot restore it`);
        out.push({ path: e.path, state: 'file', content, mode: e.mode, owner: e.owner, group: e.group });
        break;
      }
      case 'symlink':
        out.push({ path: e.path, state: 'symlink', target: e.target, owner: e.owner, group: e.group });
        break;
      case 'missing':
        out.push({ path: e.path, state: 'absent' });
        break;
      case 'dir':
      case 'other':
      case 'unreadable':
        break;
    }
  }
  return out;
}
