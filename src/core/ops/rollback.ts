/**
 * rollback: restore a host to a snapshot (content and metadata). Paths absent in the
 * snapshot are removed only when konf created them. The host is snapshotted first
 * (pre-rollback), so a rollback can itself be undone; rollback hooks run.
 */
import { ConfigError } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { LiveEntry } from '../remote/types.js';
import { desiredFromSnapshot } from '../diff/desired.js';
import { diffHost } from '../diff/compare.js';
import { secretValues } from '../diff/secrets.js';
import type { HostDiff } from '../diff/types.js';
import type { Snapshot } from '../store/types.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { runTransaction, type Confirmed } from './transaction.js';
import { effectiveRecord, parseRecord, RECORD_PATH, type DeployedRecord } from './deployedRecord.js';
import { auditSinkFor } from './auditSink.js';
import { OpEmitter } from './emitter.js';
import { fetchShared, pushAfter, syncWarnings } from './storeSync.js';

/**
 * The snapshot to roll back to: the given id, else the newest pre-deploy snapshot. With a
 * shared store, the host's history is fetched first (whichever jump host took the
 * snapshot) unless the given id is here already; what could not be fetched is said
 * through `onWarning`.
 */
export async function resolveSnapshot(rt: OpsRuntime, host: string, id?: string, onWarning?: (text: string) => void): Promise<Snapshot> {
  const store = await rt.store();
  if (id) {
    try {
      return await store.load(host, id);
    } catch (err) {
      // Not in this jump host's store (yet): another jump host's snapshot, fetched below.
      if (!(err instanceof ConfigError) || !(await rt.storeRemote())) throw err;
    }
  }
  for (const warning of await fetchShared(rt)) onWarning?.(warning);
  if (id) return store.load(host, id);
  const latest = await store.latest(host, 'pre-deploy');
  if (!latest) throw new ConfigError(`${host}: no pre-deploy snapshot to roll back to (see: konf history ${host})`);
  return store.load(host, latest.id);
}

/** Snapshot entries that a rollback may write: absent paths are made absent only if konf created them. */
function rollbackTargets(snap: Snapshot, record: DeployedRecord): LiveEntry[] {
  return snap.entries.filter((e) => e.state !== 'unreadable' && e.state !== 'dir' && e.state !== 'other' && (e.state !== 'missing' || record[e.path]?.created === true));
}

/**
 * Live state vs the snapshot, from one read of the host: the snapshot's paths and the
 * host's deployed record (which says which absent paths konf created).
 */
export async function rollbackDiffLive(
  rt: OpsRuntime,
  remote: RemoteHost,
  plan: HostPlan,
  snap: Snapshot,
  reveal: boolean,
  signal?: AbortSignal,
): Promise<{ live: LiveEntry[]; diff: HostDiff; record?: DeployedRecord }> {
  const candidates = snap.entries.filter((e) => e.state !== 'unreadable' && e.state !== 'dir' && e.state !== 'other').map((e) => e.path);
  const read = await remote.readState([...candidates.filter((p) => p !== RECORD_PATH), RECORD_PATH], { signal });
  const onHost = parseRecord(read[read.length - 1]);
  const targets = rollbackTargets(snap, await effectiveRecord(rt.stateDir, plan.host, onHost));
  const byPath = new Map(read.slice(0, -1).map((e) => [e.path, e]));
  const live = targets.flatMap((t) => byPath.get(t.path) ?? []);
  const diff = diffHost(plan.host, desiredFromSnapshot(targets), live, { secrets: secretValues(plan), reveal });
  return { live, diff, ...(onHost ? { record: onHost } : {}) };
}

/**
 * What rolling back would change (live vs snapshot), without writing anything; `record` is
 * what drift is judged by (the host's deployed record, see deployedRecord.ts).
 */
export async function rollbackPreview(
  rt: OpsRuntime,
  host: string,
  snapshotId?: string,
  signal?: AbortSignal,
  onWarning?: (text: string) => void,
): Promise<{ snapshot: Snapshot; diff: HostDiff; record: DeployedRecord }> {
  const plan = await rt.plan(host);
  const snap = await resolveSnapshot(rt, host, snapshotId, onWarning);
  const remote = await rt.remote(host, signal);
  const { diff, record } = await rollbackDiffLive(rt, remote, plan, snap, rt.reveal, signal);
  return { snapshot: snap, diff, record: await effectiveRecord(rt.stateDir, host, record) };
}

export interface RollbackOptions {
  host: string;
  snapshotId: string;
  breakLock?: boolean;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** The writes the admin confirmed (the preview's write set): the host stops before writing if they differ. */
  confirmed?: Confirmed;
  /** How the "locked by" message says to break a lock (default `konf rollback HOST SNAPSHOT --break-lock`). */
  breakHint?: string;
}

export async function rollback(rt: OpsRuntime, options: RollbackOptions): Promise<OperationReport> {
  const plan = (await rt.freshPlans([options.host])).get(options.host)!;
  const warnings: string[] = [];
  const snap = await resolveSnapshot(rt, options.host, options.snapshotId, (w) => warnings.push(w));
  const audit = await auditSinkFor(rt);
  const mask = rt.masker([plan]);
  const report = await runOperation(
    {
      kind: 'rollback',
      hosts: [options.host],
      operator: rt.operator,
      concurrency: 1,
      signal: options.signal,
      sinks: [options.onEvent, audit],
      mask,
      prepare: syncWarnings(warnings),
    },
    async (_host, emitter) => {
      emitter.emit({ type: 'log', host: plan.host, phase: 'start', level: 'info', text: `rolling back to snapshot ${snap.info.id.slice(0, 10)} (${snap.info.reason}, ${snap.info.time})` });
      return runTransaction(
        rt,
        {
          kind: 'rollback',
          plan,
          diffLive: (remote, signal) => rollbackDiffLive(rt, remote, plan, snap, true, signal),
          snapshotReason: 'pre-rollback',
          preHook: 'pre-rollback',
          postHook: 'post-rollback',
          breakLock: options.breakLock ?? false,
          signal: options.signal,
          ...(options.confirmed ? { confirmed: options.confirmed } : {}),
          breakHint: options.breakHint ?? `konf rollback ${plan.host} ${snap.info.id.slice(0, 10)} --break-lock`,
        },
        emitter,
      );
    },
  );
  await audit?.flush();
  await pushAfter(rt, new OpEmitter(report.op, [options.onEvent], mask), options.signal);
  return report;
}
