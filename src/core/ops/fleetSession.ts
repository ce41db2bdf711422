/** The FleetSession the console drives, implemented over the core operations. */
import { createHash } from 'node:crypto';
import { ConfigError, HostError, errorMessage } from '../errors.js';
import type { HostDiff } from '../diff/types.js';
import type { FleetSession, HostCheck, HostStatus, HostSummary, OperationOptions, OperationResult } from './session.js';
import type { HostOutcome } from './events.js';
import type { OperationReport } from './runOperation.js';
import type { OpsRuntime } from './runtime.js';
import { readAndDiff } from './hostState.js';
import { changedPaths } from './transaction.js';
import { readDeployed, type DeployedRecord } from './deployedRecord.js';
import { deploy } from './deploy.js';
import { snapshot } from './snapshot.js';
import { rollback, rollbackPreview } from './rollback.js';
import type { LiveEntry } from '../remote/types.js';

function toResult(report: OperationReport): OperationResult {
  const outcomes: Record<string, HostOutcome> = {};
  for (const [h, r] of report.results) outcomes[h] = r.outcome;
  return { op: report.op, ok: report.ok, outcomes };
}

/** A pending change is drift when the host no longer holds what konf last wrote there. */
export function classifyPending(diff: HostDiff, live: LiveEntry[], record: DeployedRecord): HostStatus {
  const changed = changedPaths(diff);
  if (changed.length === 0) return { kind: 'in-sync' };
  const byPath = new Map(live.map((e) => [e.path, e]));
  let drifted = 0;
  for (const p of changed) {
    const rec = record[p];
    const cur = byPath.get(p);
    if (!rec || !cur) continue;
    const curSha = cur.state === 'file' ? createHash('sha256').update(cur.content).digest('hex') : undefined;
    const curTarget = cur.state === 'symlink' ? cur.target : undefined;
    if ((rec.sha256 !== undefined && rec.sha256 !== curSha) || (rec.target !== undefined && rec.target !== curTarget)) drifted++;
  }
  return drifted > 0 ? { kind: 'drifted', count: changed.length } : { kind: 'pending', count: changed.length };
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
  let summarizing: Promise<HostSummary[]> | undefined;
  const summarize = () =>
    (summarizing ??= (async () => {
      const list: HostSummary[] = [];
      rt.preparePlans(rt.fleet.hosts);
      for (const host of rt.fleet.hosts) {
        try {
          const plan = await rt.plan(host);
          const values: Record<string, string> = {};
          for (const s of plan.switches) values[s.name] = s.secret ? '' : s.value;
          list.push({ name: host, switches: plan.switches.length, excludes: plan.excludeRules.length, files: plan.files.length, values, root: plan.settings.root, become: plan.settings.become });
        } catch (err) {
          list.push({ name: host, switches: 0, excludes: 0, values: {}, error: errorMessage(err) });
        }
      }
      summaries = list;
      return list;
    })());
  if (!options.lazy) await summarize();

  return {
    repo: rt.fleet.root,
    hosts: () => summaries,
    summaries: summarize,
    plan: (host) => rt.plan(host),
    async check(host, signal): Promise<HostCheck> {
      let lastSnapshot: string | undefined;
      try {
        const store = await rt.store();
        lastSnapshot = (await store.latest(host))?.time;
      } catch {
        // a store problem must not hide the host's status
      }
      const base = lastSnapshot ? { lastSnapshot } : {};
      let plan;
      try {
        plan = await rt.plan(host);
      } catch (err) {
        return { host, status: { kind: 'config-error', error: errorMessage(err) }, ...base };
      }
      try {
        const remote = await rt.remote(host, signal);
        const lock = await remote.readLock();
        const { live, diff } = await readAndDiff(remote, plan, rt.reveal, signal);
        const record = await readDeployed(rt.stateDir, host);
        const status: HostStatus = lock ? { kind: 'locked', by: `${lock.operator}@${lock.jumpHost}`, since: lock.since } : classifyPending(diff, live, record);
        return { host, status, diff, ...base };
      } catch (err) {
        if (err instanceof ConfigError) return { host, status: { kind: 'config-error', error: err.format() }, ...base };
        const error = errorMessage(err);
        const unreachable = err instanceof HostError && ['unreachable', 'timeout', 'auth-failed', 'host-key-mismatch', 'host-key-unknown', 'host-key-revoked'].includes(err.kind);
        return { host, status: unreachable ? { kind: 'unreachable', error } : { kind: 'failed', error }, ...base };
      }
    },
    async deploy(hosts, options: OperationOptions = {}) {
      return toResult(await deploy(rt, { hosts, dryRun: options.dryRun ?? false, signal: options.signal, onEvent: options.onEvent }));
    },
    async snapshot(hosts, options = {}) {
      return toResult(await snapshot(rt, { hosts, signal: options.signal, onEvent: options.onEvent, ...(options.message ? { message: options.message } : {}) }));
    },
    async history(host) {
      const store = await rt.store();
      return store.history(host);
    },
    async rollbackPreview(host, snapshotId, signal) {
      return (await rollbackPreview(rt, host, snapshotId, signal)).diff;
    },
    async rollback(host, snapshotId, options = {}) {
      return toResult(await rollback(rt, { host, snapshotId, signal: options.signal, onEvent: options.onEvent }));
    },
    close: () => rt.close(),
  };
}
