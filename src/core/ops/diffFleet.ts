/** diff: live state vs plan for many hosts, read in parallel (one read per host). */
import { HostError, errorMessage } from '../errors.js';
import type { HostDiff } from '../diff/types.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation } from './runOperation.js';
import { readAndDiff } from './hostState.js';

export interface HostFailure {
  host: string;
  kind: string;
  message: string;
}

export interface FleetDiff {
  op: string;
  diffs: HostDiff[];
  failures: HostFailure[];
}

export async function diffFleet(rt: OpsRuntime, hosts: string[], options: { signal?: AbortSignal; onEvent?: EventSink } = {}): Promise<FleetDiff> {
  const plans = await rt.planAll(hosts);
  const diffs = new Map<string, HostDiff>();
  const failures: HostFailure[] = [];
  const report = await runOperation(
    { kind: 'diff', hosts, operator: rt.operator, concurrency: rt.concurrency, signal: options.signal, sinks: [options.onEvent], mask: rt.masker(plans.values()) },
    async (host) => {
      const plan = plans.get(host);
      if (!plan) throw new Error(`no plan for ${host}`);
      try {
        const remote = await rt.remote(host, options.signal);
        const { diff } = await readAndDiff(remote, plan, rt.reveal, options.signal);
        diffs.set(host, diff);
        return diff.pending === 0 ? { outcome: 'unchanged', text: 'in sync' } : { outcome: 'pending', text: `${diff.pending} file(s) pending` };
      } catch (err) {
        failures.push({ host, kind: err instanceof HostError ? err.kind : 'error', message: errorMessage(err) });
        throw err;
      }
    },
  );
  return { op: report.op, diffs: hosts.flatMap((h) => diffs.get(h) ?? []), failures };
}
