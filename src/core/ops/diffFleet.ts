/** diff: live state vs plan for many hosts, read in parallel (one read per host). */
import { HostError, errorMessage } from '../errors.js';
import type { HostDiff } from '../diff/types.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation } from './runOperation.js';
import { readAndDiff } from './hostState.js';
import { effectiveRecord } from './deployedRecord.js';
import { withDrift } from './drift.js';
import type { HostPlan } from '../fleet/types.js';
import type { LockInfo } from '../remote/types.js';
import { writeOpsFor } from '../diff/writeOps.js';
import { newOperationId } from './events.js';
import { validateStaged, type StagedCheck } from './validation.js';

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

export async function diffFleet(rt: OpsRuntime, hosts: string[], options: { signal?: AbortSignal; onEvent?: EventSink; validate?: boolean } = {}): Promise<FleetDiff> {
  const planning = rt.freshPlans(hosts);
  // The first hosts connect while the plans render: their handshakes overlap the planning.
  // Nothing runs on a host before every plan is ready; a broken template still stops the
  // run (exit 2) before any command, these connections then just close.
  const early = new Map<string, Promise<unknown>>();
  for (const host of hosts.slice(0, rt.concurrency)) {
    const attempt = rt.pool.get(host, options.signal);
    attempt.catch(() => undefined); // reported when the host's turn comes
    early.set(host, attempt);
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
        // An early attempt that failed is this host's failure (not retried at once).
        await early.get(host);
        const remote = await rt.remote(host, options.signal);
        const read = await readAndDiff(remote, plan, rt.reveal, options.signal, 'hash');
        const diff = withDrift(read.diff, await effectiveRecord(rt.stateDir, host, read.record));
        diffs.set(host, diff);
        hostState.set(host, { ...(read.lock ? { lock: read.lock } : {}), journal: read.journal });
        if (options.validate && diff.pending > 0) {
          // The file checks on staged copies of exactly what a deploy would write; nothing is renamed.
          const staged = await validateStaged(remote, plan, writeOpsFor(diff), { op, operator: rt.operator }, options.signal ? { signal: options.signal } : {});
          if (staged.length > 0) checks.set(host, staged);
        }
        return diff.pending === 0 ? { outcome: 'unchanged', text: 'in sync' } : { outcome: 'pending', text: `${diff.pending} file(s) pending` };
      } catch (err) {
        failures.push({ host, kind: err instanceof HostError ? err.kind : 'error', message: errorMessage(err) });
        throw err;
      }
    },
  );
  return { op: report.op, diffs: hosts.flatMap((h) => diffs.get(h) ?? []), failures, plans, hostState, checks };
}
