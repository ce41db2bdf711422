/** diff: live state vs plan for many hosts, read in parallel (one read per host). */
import { HostError, errorMessage } from '../errors.js';
import type { HostDiff } from '../diff/types.js';
import { readTree } from '../fleet/tree.js';
import { RemoteHost } from '../remote/remoteHost.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation } from './runOperation.js';
import { diffPlan, managedPaths, readAndDiff, readHost, type HostRead } from './hostState.js';
import { effectiveRecord } from './deployedRecord.js';
import { withDrift } from './drift.js';
import type { HostPlan } from '../fleet/types.js';
import type { LockInfo } from '../remote/types.js';
import { writeOpsFor } from '../diff/writeOps.js';
import { newOperationId } from './events.js';
import { validateStaged, type StagedCheck } from './validation.js';
import { count } from '../util/count.js';

export interface HostFailure {
  host: string;
  kind: string;
  message: string;
}

export interface FleetDiff {
  op: string;
  /** Each host's diff, every pending file marked pending / drifted / both. */
  diffs: HostDiff[];
  failures: HostFailure[];
  /** The plans the diffs were made from (rendered from the repository as it was on disk). */
  plans: Map<string, HostPlan>;
  /** Locks and unfinished journals found on the hosts. */
  hostState: Map<string, { lock?: LockInfo; journal: boolean }>;
  /** With `validate`: the file checks of etc/validate run on staged copies of each host's pending writes. */
  checks: Map<string, StagedCheck[]>;
}

/**
 * Live state vs plan for many hosts. The first hosts (as many as run at once) do not wait
 * for the plans: as soon as the desired tree is listed and their switches are read, they
 * connect and read every path the tree could put there (a superset of what the plan
 * manages), while the file contents are read and the templates rendered. Reading is all a
 * diff does on a host; a broken template still stops the run with exit 2, before any host
 * is diffed or reported.
 */
export async function diffFleet(rt: OpsRuntime, hosts: string[], options: { signal?: AbortSignal; onEvent?: EventSink; validate?: boolean } = {}): Promise<FleetDiff> {
  const tree = readTree(rt.fleet.root);
  tree.catch(() => undefined); // planning reports the same problem
  const planning = rt.freshPlans(hosts);
  planning.catch(() => undefined); // awaited below
  const early = new Map<string, Promise<HostRead>>();
  for (const host of hosts.slice(0, rt.concurrency)) {
    const connecting = rt.pool.get(host, options.signal);
    connecting.catch(() => undefined);
    const read = (async () => {
      const [{ settings }, entries, conn] = await Promise.all([rt.fleet.switches(host), tree, connecting]);
      const remote = new RemoteHost(conn, { host, root: settings.root, become: settings.become });
      const paths = [...new Set([...entries.map((e) => e.path), ...settings.watch])].sort();
      return readHost(remote, paths, options.signal, 'hash');
    })();
    read.catch(() => undefined); // reported when the host's turn comes
    early.set(host, read);
  }
  const plans = await planning;
  const op = newOperationId();
  const checks = new Map<string, StagedCheck[]>();
  const diffs = new Map<string, HostDiff>();
  const hostState = new Map<string, { lock?: LockInfo; journal: boolean }>();
  const failures: HostFailure[] = [];
  const report = await runOperation(
    { kind: 'diff', op, hosts, operator: rt.operator, concurrency: rt.concurrency, signal: options.signal, sinks: [options.onEvent], mask: rt.masker(plans.values()) },
    async (host) => {
      const plan = plans.get(host);
      if (!plan) throw new Error(`no plan for ${host}`);
      try {
        let read: Omit<HostRead, 'live'> | undefined;
        let diff: HostDiff | undefined;
        // An early read that failed is this host's failure (not retried at once).
        const earlyRead = await early.get(host);
        if (earlyRead) {
          const have = new Set(earlyRead.live.map((e) => e.path));
          // The repository changed between the listing and the plan: read again.
          if (managedPaths(plan).every((p) => have.has(p))) {
            read = earlyRead;
            diff = diffPlan(plan, earlyRead.live, rt.reveal);
          }
        }
        if (!read || !diff) {
          const remote = await rt.remote(host, options.signal);
          const fresh = await readAndDiff(remote, plan, rt.reveal, options.signal, 'hash');
          read = fresh;
          diff = fresh.diff;
        }
        diff = withDrift(diff, await effectiveRecord(rt.stateDir, host, read.record));
        diffs.set(host, diff);
        hostState.set(host, { ...(read.lock ? { lock: read.lock } : {}), journal: read.journal });
        if (options.validate && diff.pending > 0) {
          // The file checks on staged copies of exactly what a deploy would write; nothing is renamed.
          const staged = await validateStaged(await rt.remote(host, options.signal), plan, writeOpsFor(diff), { op, operator: rt.operator }, options.signal ? { signal: options.signal } : {});
          if (staged.length > 0) checks.set(host, staged);
        }
        return diff.pending === 0 ? { outcome: 'unchanged', text: 'in sync' } : { outcome: 'pending', text: `${count(diff.pending, 'file')} pending` };
      } catch (err) {
        failures.push({ host, kind: err instanceof HostError ? err.kind : 'error', message: errorMessage(err) });
        throw err;
      }
    },
  );
  return { op: report.op, diffs: hosts.flatMap((h) => diffs.get(h) ?? []), failures, plans, hostState, checks };
}
