/**
 * rebuild: brings a fresh or broken machine back to a stored state. Every path a snapshot
 * recorded (planned files, excluded ones, watched `konf_watch` files) is written with its
 * content and metadata, and the host's plan on top (its content wins; metadata the plan
 * leaves open comes from the snapshot). Nothing is removed. `--from OTHER` takes another
 * host's snapshot (the dead host's name) for a replacement host, whose own switches make
 * the plan.
 *
 * It is the deploy's transaction (lock, snapshot first as `pre-rebuild`, journaled
 * atomic writes, verified restore on failure) with the rollback hooks: `pre-rollback`
 * before the first write, `post-rollback` after the last, KONF_CHANGED listing every
 * path written.
 */
import { ConfigError } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import { logicalPathProblem, reservedPathProblem } from '../fleet/paths.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { LiveEntry } from '../remote/types.js';
import { desiredFromPlan } from '../diff/desired.js';
import { diffHost } from '../diff/compare.js';
import { secretValues } from '../diff/secrets.js';
import type { DesiredEntry, HostDiff } from '../diff/types.js';
import type { Snapshot } from '../store/types.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { fetchShared, pushAfter, syncWarnings } from './storeSync.js';
import { OpEmitter } from './emitter.js';
import { runTransaction, type Confirmed } from './transaction.js';
import { snapshotPaths } from './hostState.js';
import { auditSinkFor } from './auditSink.js';
import { readWithRecord } from './drift.js';
import type { DeployedRecord } from './deployedRecord.js';

/** Whether a snapshot holds anything to rebuild from (a file or symlink that was there). */
export function recordsFiles(snap: Snapshot): boolean {
  return snap.entries.some((e) => e.state === 'file' || e.state === 'symlink');
}

/**
 * The snapshot of `source` to rebuild from: the given id, else the newest one that
 * recorded at least one file (a snapshot of the wiped host itself records only absent
 * paths and is passed over).
 */
export async function resolveRebuildSnapshot(rt: OpsRuntime, source: string, id?: string, onWarning?: (text: string) => void): Promise<Snapshot> {
  const store = await rt.store();
  // The host's ref as every jump host left it (shared store: a bounded fetch; offline: a warning).
  for (const warning of await fetchShared(rt)) onWarning?.(warning);
  if (id !== undefined) return store.load(source, id);
  const history = await store.history(source);
  if (history.length === 0) throw new ConfigError(`no snapshots of ${source} in the snapshot store ${store.gitDir} (see: konf history ${source})`);
  for (const info of history) {
    const snap = await store.load(source, info.id);
    if (recordsFiles(snap)) return snap;
  }
  throw new ConfigError(`none of the ${history.length} snapshot(s) of ${source} records a file: nothing to rebuild from (see: konf history ${source})`);
}

/** Everything the host should hold after the rebuild: the snapshot's files and symlinks, the plan on top. */
export function rebuildDesired(plan: HostPlan, snap: Snapshot): DesiredEntry[] {
  const byPath = new Map<string, DesiredEntry>();
  for (const e of snap.entries) {
    if (e.state !== 'file' && e.state !== 'symlink') continue;
    const problem = logicalPathProblem(e.path) ?? reservedPathProblem(e.path);
    if (problem !== undefined) throw new ConfigError(`snapshot ${snap.info.id.slice(0, 10)} of ${snap.info.host} records ${JSON.stringify(e.path)}, which ${problem}: refused`);
    if (e.state === 'file' && e.content === undefined) throw new ConfigError(`snapshot ${snap.info.id.slice(0, 10)} of ${snap.info.host}: ${e.path} was not loaded with its content: refused`);
    byPath.set(e.path, e.state === 'file' ? { path: e.path, state: 'file', content: e.content as Buffer, mode: e.mode, owner: e.owner, group: e.group } : { path: e.path, state: 'symlink', target: e.target, owner: e.owner, group: e.group });
  }
  for (const d of desiredFromPlan(plan)) {
    const prior = byPath.get(d.path);
    if (d.state === 'file') {
      const from = prior?.state === 'file' ? prior : undefined;
      byPath.set(d.path, { ...d, ...(d.mode === undefined && from?.mode !== undefined ? { mode: from.mode } : {}), ...(d.owner === undefined && from?.owner ? { owner: from.owner } : {}), ...(d.group === undefined && from?.group ? { group: from.group } : {}) });
    } else if (d.state === 'symlink') {
      const from = prior?.state === 'symlink' ? prior : undefined;
      byPath.set(d.path, { ...d, ...(d.owner === undefined && from?.owner ? { owner: from.owner } : {}), ...(d.group === undefined && from?.group ? { group: from.group } : {}) });
    }
  }
  return [...byPath.values()];
}

/** What rebuilding writes, from the host as it is now, with the deployed record it holds (read in the same round trip). */
export async function rebuildDiffLive(remote: RemoteHost, plan: HostPlan, snap: Snapshot, reveal: boolean, signal?: AbortSignal): Promise<{ live: LiveEntry[]; diff: HostDiff; record?: DeployedRecord }> {
  const desired = rebuildDesired(plan, snap);
  const paths = [...new Set([...desired.map((d) => d.path), ...snapshotPaths(plan)])].sort();
  const { live, record } = await readWithRecord(remote, paths, signal);
  return { live, diff: diffHost(plan.host, desired, live, { secrets: secretValues(plan), reveal }), ...(record ? { record } : {}) };
}

export interface RebuildTarget {
  host: string;
  /** Whose snapshot (default: the host's own). */
  from?: string;
  snapshotId?: string;
}

function checkTarget(rt: OpsRuntime, target: RebuildTarget): string {
  rt.fleet.assertHost(target.host);
  return target.from ?? target.host;
}

/** What rebuilding would write (live vs snapshot + plan), without writing anything. */
export async function rebuildPreview(rt: OpsRuntime, target: RebuildTarget, signal?: AbortSignal): Promise<{ snapshot: Snapshot; plan: HostPlan; diff: HostDiff; record?: DeployedRecord }> {
  const source = checkTarget(rt, target);
  const plan = (await rt.freshPlans([target.host])).get(target.host)!;
  const snapshot = await resolveRebuildSnapshot(rt, source, target.snapshotId);
  rebuildDesired(plan, snapshot); // refuses a snapshot with unsafe paths before any host is contacted
  const remote = await rt.remote(target.host, signal);
  const { diff, record } = await rebuildDiffLive(remote, plan, snapshot, rt.reveal, signal);
  return { snapshot, plan, diff, ...(record ? { record } : {}) };
}

export interface RebuildOptions extends RebuildTarget {
  breakLock?: boolean;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** The plan and writes the admin confirmed (the preview's): the host stops before writing if they differ. */
  confirmed?: Confirmed;
  breakHint?: string;
}

export async function rebuild(rt: OpsRuntime, options: RebuildOptions): Promise<OperationReport> {
  const source = checkTarget(rt, options);
  const stamp = await rt.repoStamp();
  const plan = (await rt.freshPlans([options.host])).get(options.host)!;
  const warnings: string[] = [];
  const snap = await resolveRebuildSnapshot(rt, source, options.snapshotId, (w) => warnings.push(w));
  rebuildDesired(plan, snap);
  const audit = await auditSinkFor(rt);
  const mask = rt.masker([plan]);
  const report = await runOperation(
    {
      kind: 'rebuild',
      hosts: [options.host],
      operator: rt.operator,
      concurrency: 1,
      signal: options.signal,
      sinks: [options.onEvent, audit],
      mask,
      prepare: syncWarnings(warnings),
    },
    async (host, emitter) => {
      const of = source === host ? '' : ` of ${source}`;
      emitter.emit({ type: 'log', host, phase: 'start', level: 'info', text: `rebuilding from snapshot ${snap.info.id.slice(0, 10)}${of} (${snap.info.reason}, ${snap.info.time}), the plan on top` });
      return runTransaction(
        rt,
        {
          kind: 'rebuild',
          plan,
          diffLive: (remote, signal) => rebuildDiffLive(remote, plan, snap, true, signal),
          snapshotReason: 'pre-rebuild',
          preHook: 'pre-rollback',
          postHook: 'post-rollback',
          breakLock: options.breakLock ?? false,
          signal: options.signal,
          stamp,
          // etc/validate's checks, as a deploy runs them: a rebuilt host gets no file its checks refuse.
          validate: true,
          ...(options.confirmed ? { confirmed: options.confirmed } : {}),
          breakHint: options.breakHint ?? `konf rebuild ${host}${options.from ? ` --from ${options.from}` : ''} ${snap.info.id.slice(0, 10)} --break-lock`,
        },
        emitter,
      );
    },
  );
  await audit.flush();
  // Its pre-rebuild snapshot and audit record go to the shared store, as a rollback's do.
  await pushAfter(rt, new OpEmitter(report.op, [options.onEvent], mask), options.signal);
  return report;
}
