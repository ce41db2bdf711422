/** History rows say what a snapshot's operation wrote: from the audit log's host result, not the snapshot's own "changed". */
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../src/core/ops/audit.js';
import { withOperations } from '../../../src/core/ops/snapshotOperations.js';
import type { SnapshotInfo } from '../../../src/core/store/types.js';

const snap = (op: string, reason: SnapshotInfo['reason'], changed: string[] = []): SnapshotInfo => ({ id: `id-${op}`, host: 'web1', time: '2026-05-01T10:00:00Z', files: 4, changed, reason, operator: 'alice', op });

function record(op: string, kind: AuditRecord['kind'], results: AuditRecord['results']): AuditRecord {
  return { v: 1, op, kind, status: 'completed', ok: true, operator: 'alice', jumpHost: 'jump1', pid: 1, dryRun: false, start: '', end: '', durationMs: 0, argv: [], hosts: Object.keys(results), results, snapshots: {}, errors: {}, summary: {}, text: '' };
}

describe('withOperations', () => {
  it('adds what the operation wrote on this host to its pre-deploy and pre-rollback snapshots', () => {
    const snapshots = [snap('op3', 'pre-rollback'), snap('op2', 'pre-deploy'), snap('op1', 'manual', ['/etc/a']), snap('op0', 'pre-deploy')];
    const records = [
      record('op2', 'deploy', { web1: { outcome: 'ok', changed: ['/etc/a', '/etc/b'], changedCount: 2 }, web2: { outcome: 'ok', changedCount: 9 } }),
      record('op3', 'rollback', { web1: { outcome: 'restored' } }),
      record('op1', 'snapshot', { web1: { outcome: 'ok', changedCount: 5 } }),
    ];
    const out = withOperations('web1', snapshots, records);
    expect(out[0]!.operation).toEqual({ kind: 'rollback', outcome: 'restored', changed: 0 });
    expect(out[1]!.operation).toEqual({ kind: 'deploy', outcome: 'ok', changed: 2 });
    // a manual snapshot is its own operation; an operation this jump host did not record stays unknown
    expect(out[2]!.operation).toBeUndefined();
    expect(out[3]!.operation).toBeUndefined();
  });
});
