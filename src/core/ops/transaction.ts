/**
 * The write transaction deploy and rollback share, per host:
 * lock → re-read → snapshot → pre hooks → atomic writes → post hooks → unlock.
 * A failure after the first write restores the snapshot taken at the start.
 */
import { createHash } from 'node:crypto';
import { HostError, errorMessage } from '../errors.js';
import type { HookPhase, HostPlan } from '../fleet/types.js';
import type { LiveEntry, WriteOp } from '../remote/types.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { DesiredEntry, HostDiff } from '../diff/types.js';
import { diffHost } from '../diff/compare.js';
import { desiredFromSnapshot } from '../diff/desired.js';
import { writeOpsFor } from '../diff/writeOps.js';
import type { SnapshotReason } from '../store/types.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import type { HostResult } from './runOperation.js';
import { runHooks } from './hooks.js';
import { entriesFor, snapshotPaths } from './hostState.js';
import { readDeployed, writeDeployed } from './deployedRecord.js';

export interface TransactionSpec {
  kind: 'deploy' | 'rollback';
  plan: HostPlan;
  /** Computes the diff to apply from what is live now (called again under the lock). */
  diffLive: (remote: RemoteHost, signal?: AbortSignal) => Promise<{ live: LiveEntry[]; diff: HostDiff }>;
  snapshotReason: SnapshotReason;
  preHook: HookPhase;
  postHook: HookPhase;
  breakLock?: boolean;
  signal?: AbortSignal;
}

const PENDING_KINDS = new Set(['new', 'modified', 'binary', 'metadata', 'link-changed', 'type-changed', 'removed']);

export function changedPaths(diff: HostDiff): string[] {
  return diff.files.filter((f) => PENDING_KINDS.has(f.kind)).map((f) => f.path);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Records what konf wrote, so drift and konf-created files can be told later. */
async function recordWrites(rt: OpsRuntime, host: string, ops: WriteOp[], before: LiveEntry[]): Promise<void> {
  const record = await readDeployed(rt.stateDir, host);
  const wasMissing = new Set(before.filter((e) => e.state === 'missing').map((e) => e.path));
  for (const op of ops) {
    const prevCreated = record[op.path]?.created ?? false;
    if (op.action === 'remove') delete record[op.path];
    else if (op.action === 'file') record[op.path] = { sha256: sha256(op.content), created: prevCreated || wasMissing.has(op.path) };
    else record[op.path] = { target: op.target, created: prevCreated || wasMissing.has(op.path) };
  }
  await writeDeployed(rt.stateDir, host, record);
}

/** Puts the touched paths back to their state in the snapshot entries. */
export async function restoreEntries(rt: OpsRuntime, host: string, entries: LiveEntry[], touched: string[], emitter: OpEmitter): Promise<void> {
  rt.forget(host);
  const remote = await rt.remote(host);
  const live = await remote.readState(touched);
  const desired: DesiredEntry[] = desiredFromSnapshot(entriesFor(entries, touched));
  const restoreDiff = diffHost(host, desired, live, {});
  const ops = writeOpsFor(restoreDiff);
  emitter.emit({ type: 'log', host, phase: 'restore', level: 'warn', text: `restoring ${ops.length} file(s) from the snapshot` });
  await remote.write(ops);
  await recordWrites(rt, host, ops, live);
}

export async function runTransaction(rt: OpsRuntime, spec: TransactionSpec, emitter: OpEmitter): Promise<HostResult> {
  const { plan, signal } = spec;
  const host = plan.host;
  const op = emitter.op;
  emitter.emit({ type: 'log', host, phase: 'connect', level: 'debug', text: 'connecting' });
  let remote = await rt.remote(host, signal);

  emitter.emit({ type: 'log', host, phase: 'lock', level: 'debug', text: 'taking the host lock' });
  await remote.acquireLock({ operator: rt.operator, jumpHost: rt.jumpHost, pid: process.pid, operation: spec.kind, opId: op }, { breakLock: spec.breakLock ?? false });
  let wrote = false;
  let snapshotEntries: LiveEntry[] = [];
  let touched: string[] = [];
  let snapshotId: string | undefined;
  try {
    const { live, diff } = await spec.diffLive(remote, signal);
    const changed = changedPaths(diff);
    if (changed.length === 0) return { outcome: 'unchanged', text: 'nothing to change' };

    const store = await rt.store();
    snapshotEntries = entriesFor(live, [...new Set([...snapshotPaths(plan), ...changed])]);
    const info = await store.save(host, snapshotEntries, { reason: spec.snapshotReason, operator: rt.operator, op });
    snapshotId = info.id;
    emitter.emit({ type: 'log', host, phase: 'snapshot', level: 'info', text: `snapshot ${info.id.slice(0, 10)} (${spec.snapshotReason}, ${info.files} files)` });

    const hookInfo = { changed, op, operator: rt.operator, snapshot: info.id };
    await runHooks(remote, plan, spec.preHook, emitter, hookInfo, signal);

    const ops = writeOpsFor(diff);
    touched = ops.map((o) => o.path);
    emitter.emit({ type: 'progress', host, phase: 'write', done: 0, total: ops.length, level: 'info', text: `writing ${ops.length} file(s)` });
    wrote = true;
    await remote.write(ops, { signal, opId: op });
    for (const [i, o] of ops.entries()) {
      emitter.emit({ type: 'file', host, phase: 'write', file: o.path, action: o.action === 'remove' ? 'removed' : 'written', level: 'info', text: `${o.action === 'remove' ? 'removed' : 'wrote'} ${o.path}` });
      if (i === ops.length - 1) emitter.emit({ type: 'progress', host, phase: 'write', done: ops.length, total: ops.length, level: 'info', text: 'written' });
    }
    await recordWrites(rt, host, ops, live);
    await runHooks(remote, plan, spec.postHook, emitter, hookInfo, signal);
    return { outcome: 'ok', text: `${spec.kind === 'deploy' ? 'deployed' : 'rolled back'} ${changed.length} file(s)`, snapshot: info.id, changed };
  } catch (err) {
    if (!wrote) throw err;
    const why = errorMessage(err);
    emitter.emit({ type: 'log', host, phase: 'restore', level: 'error', text: `${why}; restoring the ${spec.snapshotReason} snapshot` });
    try {
      await restoreEntries(rt, host, snapshotEntries, touched, emitter);
      remote = await rt.remote(host);
      return { outcome: 'restored', text: `failed and restored: ${why}`, error: err instanceof HostError ? err.kind : 'error', ...(snapshotId ? { snapshot: snapshotId } : {}) };
    } catch (restoreErr) {
      return {
        outcome: 'restore-failed',
        text: `failed: ${why}; restore failed too: ${errorMessage(restoreErr)} (snapshot ${snapshotId ?? '?'})`,
        error: 'restore-failed',
        ...(snapshotId ? { snapshot: snapshotId } : {}),
      };
    }
  } finally {
    try {
      await remote.releaseLock(op);
    } catch {
      try {
        rt.forget(host);
        await (await rt.remote(host)).releaseLock(op);
      } catch (unlockErr) {
        emitter.emit({ type: 'log', host, phase: 'unlock', level: 'error', text: `could not release the lock: ${errorMessage(unlockErr)} (break it with --break-lock)` });
      }
    }
  }
}
