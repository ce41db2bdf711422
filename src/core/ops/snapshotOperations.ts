/**
 * A host's snapshot history with what each snapshot's operation did to the host. A
 * pre-deploy snapshot records the host *before* its deploy, and its `changed` list is how
 * the host differed from the snapshot before it; what the deploy then wrote is only in the
 * audit log (the host's result: its `changed` paths). Snapshots taken by operations of
 * another jump host, or of one still running, keep no `operation`.
 */
import type { SnapshotInfo } from '../store/types.js';
import type { AuditRecord } from './audit.js';

export function withOperations(host: string, snapshots: readonly SnapshotInfo[], records: readonly AuditRecord[]): SnapshotInfo[] {
  const byOp = new Map<string, AuditRecord>();
  for (const record of records) byOp.set(record.op, record);
  return snapshots.map((s) => {
    const record = byOp.get(s.op);
    const result = record?.results[host];
    if (!record || !result || (s.reason !== 'pre-deploy' && s.reason !== 'pre-rollback')) return s;
    return { ...s, operation: { kind: record.kind, outcome: result.outcome, changed: result.changedCount ?? result.changed?.length ?? 0 } };
  });
}
