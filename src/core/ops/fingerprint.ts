/**
 * What an admin confirmed, in a form that can be compared later: a plan fingerprint (the
 * desired files, their metadata and the excluded paths of one host) and the write set
 * (one `path action digest` line per write). A deploy or rollback compares them under the
 * host lock right before its first write and stops when they differ, so what konf showed
 * is exactly what it writes.
 */
import { createHash } from 'node:crypto';
import type { HostPlan } from '../fleet/types.js';
import type { WriteOp } from '../remote/types.js';

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function planFingerprint(plan: HostPlan): string {
  const h = createHash('sha256');
  h.update(`root ${plan.settings.root}\nbecome ${plan.settings.become}\n`);
  for (const f of plan.files) {
    const meta = `${f.mode ?? '-'} ${f.owner ?? '-'} ${f.group ?? '-'}`;
    h.update(f.kind === 'symlink' ? `L ${f.path} ${f.target} ${meta}\n` : `F ${f.path} ${sha(f.content)} ${meta}\n`);
  }
  for (const x of plan.excluded) h.update(`X ${x.path}\n`);
  // The checks a deploy must pass are part of what was confirmed.
  for (const r of plan.validate ?? []) h.update(`V ${r.glob} ${r.command}\n`);
  return h.digest('hex');
}

/** One line per write, tab-separated: `/etc/x file <sha256> 644 root root`, `/etc/l symlink <sha of target> …`, `/etc/y remove`. */
export function writeSet(ops: readonly WriteOp[]): string[] {
  return ops.map((o) => {
    if (o.action === 'remove') return `${o.path}\tremove`;
    const meta = `${o.action === 'file' ? (o.mode?.toString(8) ?? '-') : '-'}\t${o.owner ?? '-'}\t${o.group ?? '-'}`;
    return o.action === 'file' ? `${o.path}\tfile\t${sha(o.content)}\t${meta}` : `${o.path}\tsymlink\t${sha(o.target)}\t${meta}`;
  });
}

/** The paths whose confirmed and actual writes differ (in either direction). */
export function writeSetDifference(confirmed: readonly string[], actual: readonly string[]): string[] {
  const a = new Set(confirmed);
  const b = new Set(actual);
  const paths = new Set<string>();
  for (const line of confirmed) if (!b.has(line)) paths.add(line.split('\t')[0] as string);
  for (const line of actual) if (!a.has(line)) paths.add(line.split('\t')[0] as string);
  return [...paths].sort();
}
