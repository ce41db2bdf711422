/** The FleetSession the console drives, implemented over the core operations. */
import { ConfigError, HostError, errorMessage } from '../errors.js';
import type { HostDiff } from '../diff/types.js';
import { writeOpsFor } from '../diff/writeOps.js';
import { affectedHosts, watchRepo } from '../fleet/watch.js';
import type { LockInfo } from '../remote/types.js';
import type { FleetSession, HostCheck, HostStatus, HostSummary, OperationOptions, OperationResult, PreviewDiff, RepoChange, ValidateResult } from './session.js';
import type { HostOutcome } from './events.js';
import type { OperationReport } from './runOperation.js';
import type { OpsRuntime } from './runtime.js';
import { readAndDiff } from './hostState.js';
import { effectiveRecord } from './deployedRecord.js';
import { markDrift, withDrift } from './drift.js';
import { planFingerprint, writeSet } from './fingerprint.js';
import { isStaleLock } from './localProcess.js';
import { deploy } from './deploy.js';
import { snapshot } from './snapshot.js';
import { rollback, rollbackPreview } from './rollback.js';
import { breakLock } from './breakLock.js';
import { fetchShared } from './storeSync.js';
import { diffFleet } from './diffFleet.js';
import { parseWaves, planWaves } from './waves.js';
import { readAudit } from './audit.js';
import { withOperations } from './snapshotOperations.js';
import { previewAdopt } from './adoptPreview.js';
import { adopt } from './adopt.js';
import { rebuild, rebuildPreview } from './rebuild.js';
import { readHostDetails } from './hostDetails.js';
import { SnapshotTimes } from './snapshotTimes.js';

function toResult(report: OperationReport): OperationResult {
  const outcomes: Record<string, HostOutcome> = {};
  for (const [h, r] of report.results) outcomes[h] = r.outcome;
  return { op: report.op, ok: report.ok, outcomes };
}

/** The badge of a checked host: locked, or in sync / N pending / N drifted (drift from the diff's drift marks). */
export function hostStatusOf(diff: HostDiff, lock: LockInfo | undefined, journal: boolean, jumpHost: string): HostStatus {
  if (lock) {
    return {
      kind: 'locked',
      by: `${lock.operator}@${lock.jumpHost}`,
      since: lock.since,
      holder: { operator: lock.operator, jumpHost: lock.jumpHost, pid: lock.pid, operation: lock.operation, opId: lock.opId },
      ...(isStaleLock(lock, jumpHost) ? { stale: true } : {}),
      ...(journal ? { journal: true } : {}),
    };
  }
  if (journal) return { kind: 'failed', error: 'an interrupted operation left its journal on the host: the next deploy or rollback puts the host back first' };
  if (diff.pending === 0) return { kind: 'in-sync' };
  return (diff.drifted ?? 0) > 0 ? { kind: 'drifted', count: diff.pending } : { kind: 'pending', count: diff.pending };
}

/** The badge of a host whose connect or read failed: unreachable (refused, timed out, auth, host key) or failed. */
function unreachableOrFailed(err: unknown): HostStatus {
  const error = errorMessage(err);
  const unreachable = err instanceof HostError && ['unreachable', 'timeout', 'auth-failed', 'host-key-mismatch', 'host-key-unknown', 'host-key-revoked'].includes(err.kind);
  return unreachable ? { kind: 'unreachable', error } : { kind: 'failed', error };
}

/** Hosts whose plans the background summary renders at a time (then it lets waiting checks connect). */
const SUMMARY_CHUNK = 20;
/** The longest a summary chunk waits for connects in progress to settle. */
const SUMMARY_WAIT_MS = 1000;

/** Counts the checks connecting now; `idle()` resolves once none is (or after `maxMs`). */
class ChecksGate {
  private running = 0;
  private waiters: (() => void)[] = [];

  enter(): () => void {
    this.running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  idle(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.running === 0) {
        setImmediate(resolve);
        return;
      }
      const timer = setTimeout(() => resolve(), maxMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface FleetSessionOptions {
  /**
   * Return at once with the host names only (`loading` summaries) and render the plans when
   * `summaries()` is first called: the console draws its host list first.
   */
  lazy?: boolean;
}

export async function openFleetSession(rt: OpsRuntime, options: FleetSessionOptions = {}): Promise<FleetSession> {
  let summaries: HostSummary[] = rt.fleet.hosts.map((name) => ({ name, switches: 0, excludes: 0, values: {}, loading: true }));
  /** Hosts whose last connect failed: their plans are not kept (memory stays flat with a fleet that is down). */
  const unreachable = new Set<string>();
  /** Checks running now: rendering summaries waits for them (a check's connect comes first). */
  const checksRunning = new ChecksGate();
  const summarizeNow = async (): Promise<HostSummary[]> => {
    const list: HostSummary[] = [];
    const hosts = rt.fleet.hosts;
    for (let i = 0; i < hosts.length; i += SUMMARY_CHUNK) {
      if (i > 0) await checksRunning.idle(SUMMARY_WAIT_MS);
      const chunk = hosts.slice(i, i + SUMMARY_CHUNK);
      rt.preparePlans(chunk);
      for (const host of chunk) {
        try {
          const plan = await rt.plan(host);
          const values: Record<string, string> = {};
          for (const s of plan.switches) values[s.name] = s.secret ? '' : s.value;
          list.push({ name: host, switches: plan.switches.length, excludes: plan.excludeRules.length, files: plan.files.length, values, root: plan.settings.root, become: plan.settings.become });
        } catch (err) {
          list.push({ name: host, switches: 0, excludes: 0, values: {}, error: errorMessage(err) });
        }
      }
      rt.invalidate(chunk.filter((h) => unreachable.has(h)));
    }
    summaries = list;
    return list;
  };
  /** Newest snapshot times, one read of the store for a burst of checks (forgotten after operations of this session). */
  const snapshotTimes = new SnapshotTimes(async () => (await rt.store()).lastSnapshotTimes());
  /** Runs an operation; the snapshots it wrote are read afresh by the next check. */
  const writing = async <T>(run: () => Promise<T>): Promise<T> => {
    snapshotTimes.forget();
    try {
      return await run();
    } finally {
      snapshotTimes.forget();
    }
  };
  let summarizing: Promise<HostSummary[]> | undefined;
  const summarize = () => (summarizing ??= summarizeNow());
  if (!options.lazy) await summarize();

  /** Reads the repository again: the inventory, and the plans of the hosts the edit concerns. */
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (paths: string[] = []): Promise<RepoChange> => {
    const next = reloading.then(async () => {
      const before = rt.fleet.hosts;
      let hosts: string[] | 'all' = paths.length === 0 ? 'all' : affectedHosts(paths, before);
      try {
        await rt.reload();
      } catch (err) {
        // The inventory itself is broken (e.g. etc/serverconfig gone): every host shows the error.
        const error = errorMessage(err);
        summaries = before.map((name) => ({ name, switches: 0, excludes: 0, values: {}, error }));
        summarizing = Promise.resolve(summaries);
        return { paths, hosts: 'all' as const, summaries };
      }
      if (rt.fleet.hosts.join('\n') !== before.join('\n') && hosts !== 'all') hosts = [...new Set([...hosts, ...rt.fleet.hosts.filter((h) => !before.includes(h))])];
      summarizing = summarizeNow();
      return { paths, hosts, summaries: await summarizing };
    });
    reloading = next.catch(() => undefined);
    return next;
  };

  return {
    repo: rt.fleet.root,
    hosts: () => summaries,
    summaries: summarize,
    plan: (host) => rt.plan(host),
    async check(host, signal): Promise<HostCheck> {
      let lastSnapshot: string | undefined;
      try {
        lastSnapshot = await snapshotTimes.of(host);
      } catch {
        // a store problem must not hide the host's status
      }
      const base = lastSnapshot ? { lastSnapshot } : {};
      // Connect first, plan once connected: a host that refuses or cannot be reached costs
      // one failed connect, no rendering, and no plan kept in memory.
      let conn;
      const leave = checksRunning.enter();
      try {
        conn = await rt.connection(host, signal);
      } catch (err) {
        unreachable.add(host);
        rt.invalidate([host]);
        if (err instanceof ConfigError) return { host, status: { kind: 'config-error', error: err.format() }, ...base };
        return { host, status: unreachableOrFailed(err), ...base };
      } finally {
        leave();
      }
      unreachable.delete(host);
      let plan;
      try {
        plan = await rt.plan(host);
      } catch (err) {
        return { host, status: { kind: 'config-error', error: errorMessage(err) }, ...base };
      }
      try {
        const remote = rt.remoteOver(conn, plan);
        const read = await readAndDiff(remote, plan, rt.reveal, signal, 'hash');
        const diff = withDrift(read.diff, await effectiveRecord(rt.stateDir, host, read.record));
        const status = hostStatusOf(diff, read.lock, read.journal, rt.jumpHost);
        return { host, status, diff, ...base, confirm: { plan: planFingerprint(plan), writes: writeSet(writeOpsFor(diff)) } };
      } catch (err) {
        if (err instanceof ConfigError) return { host, status: { kind: 'config-error', error: err.format() }, ...base };
        return { host, status: unreachableOrFailed(err), ...base };
      }
    },
    deploy(hosts, options: OperationOptions = {}) {
      return writing(async () => toResult(
        await deploy(rt, {
          hosts,
          dryRun: options.dryRun ?? false,
          signal: options.signal,
          onEvent: options.onEvent,
          ...(options.confirmed ? { confirmed: options.confirmed } : {}),
          ...(options.waves ? { waves: { waves: planWaves(rt.fleet.hosts.filter((h) => hosts.includes(h)), parseWaves(options.waves)), maxFailures: { count: 0 }, rollbackOnStop: false } } : {}),
          ...(options.only ? { only: options.only } : {}),
          breakHint: (h) => `U in the console (or konf deploy ${h} --break-lock)`,
        }),
      ));
    },
    snapshot(hosts, options = {}) {
      return writing(async () => toResult(await snapshot(rt, { hosts, signal: options.signal, onEvent: options.onEvent, ...(options.message ? { message: options.message } : {}) })));
    },
    async history(host, options = {}) {
      // A fetch from the shared store may bring other jump hosts' snapshots.
      for (const warning of await writing(() => fetchShared(rt))) options.onWarning?.(warning);
      const store = await rt.store();
      const snapshots = await store.history(host);
      // What each snapshot's operation wrote, from this jump host's audit log (best effort: none when unreadable).
      const records = await readAudit(rt.stateDir, { host }).catch(() => []);
      return withOperations(host, snapshots, records);
    },
    async rollbackPreview(host, snapshotId, signal): Promise<PreviewDiff> {
      const { diff, record } = await rollbackPreview(rt, host, snapshotId, signal);
      const marked = withDrift(diff, record);
      return { ...marked, confirm: { writes: writeSet(writeOpsFor(diff)) } };
    },
    async rollback(host, snapshotId, options = {}) {
      const confirmed = options.confirmed?.[host];
      return writing(async () => toResult(
        await rollback(rt, {
          host,
          snapshotId,
          signal: options.signal,
          onEvent: options.onEvent,
          ...(confirmed ? { confirmed } : {}),
          breakHint: `U in the console (or konf rollback ${host} ${snapshotId.slice(0, 10)} --break-lock)`,
        }),
      ));
    },
    async validate(host, signal): Promise<ValidateResult> {
      const result = await diffFleet(rt, [host], { validate: true, ...(signal ? { signal } : {}) });
      const failure = result.failures[0];
      if (failure) throw new Error(failure.message);
      const checks = (result.checks.get(host) ?? []).map((k) => ({
        file: k.file,
        ...(k.rule ? { rule: `${k.rule.file}:${k.rule.line} ${k.rule.command}` } : {}),
        ok: k.ok,
        status: k.status,
        output: k.output,
      }));
      return { host, pending: result.diffs.find((d) => d.host === host)?.pending ?? 0, checks };
    },
    adoptPreview: (host, path, to, signal) => previewAdopt(rt, { host, paths: [{ path, to }], ...(signal ? { signal } : {}) }),
    async adopt(preview, options = {}) {
      return writing(async () => toResult((await adopt(rt, preview, { signal: options.signal, onEvent: options.onEvent })).report));
    },
    async rebuildPreview(host, snapshotId, signal): Promise<PreviewDiff> {
      const preview = await rebuildPreview(rt, { host, snapshotId }, signal);
      const marked = await markDrift(rt, host, preview.diff, preview.record);
      return { ...marked, confirm: { plan: planFingerprint(preview.plan), writes: writeSet(writeOpsFor(preview.diff)) } };
    },
    async rebuild(host, snapshotId, options = {}) {
      const confirmed = options.confirmed?.[host];
      return writing(async () => toResult(
        await rebuild(rt, {
          host,
          snapshotId,
          signal: options.signal,
          onEvent: options.onEvent,
          ...(confirmed ? { confirmed } : {}),
          breakHint: `U in the console (or konf rebuild ${host} ${snapshotId.slice(0, 10)} --break-lock)`,
        }),
      ));
    },
    async breakLock(host, opId, options = {}) {
      return toResult(await breakLock(rt, { host, ...(opId !== undefined ? { opId } : {}), signal: options.signal, onEvent: options.onEvent }));
    },
    async inventory(hosts, options = {}) {
      const { details, warnings } = await readHostDetails(rt, hosts);
      for (const warning of warnings) options.onWarning?.(warning);
      return details;
    },
    reload,
    watch(listener) {
      const watcher = watchRepo(rt.fleet.root, (paths) => {
        reload(paths).then(listener, () => undefined);
      });
      return () => watcher.close();
    },
    close: () => rt.close(),
  };
}
