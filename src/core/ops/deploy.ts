/**
 * deploy: per host, lock → snapshot (pre-deploy) → pre-deploy hooks → atomic writes →
 * post-deploy hooks → unlock; any failure after the first write restores the snapshot.
 * Hosts already in sync are skipped after one read.
 */
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { readAndDiff } from './hostState.js';
import { changedPaths, runTransaction } from './transaction.js';
import { auditSinkFor } from './auditSink.js';

export interface DeployOptions {
  hosts: string[];
  dryRun?: boolean;
  failFast?: boolean;
  breakLock?: boolean;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export async function deploy(rt: OpsRuntime, options: DeployOptions): Promise<OperationReport> {
  const plans = await rt.planAll(options.hosts);
  const audit = options.dryRun ? undefined : await auditSinkFor(rt);
  const report = await runOperation(
    {
      kind: 'deploy',
      hosts: options.hosts,
      operator: rt.operator,
      concurrency: rt.concurrency,
      dryRun: options.dryRun ?? false,
      failFast: options.failFast ?? false,
      signal: options.signal,
      sinks: [options.onEvent, audit],
      mask: rt.masker(plans.values()),
    },
    async (host, emitter) => {
      const plan = plans.get(host);
      if (!plan) throw new Error(`no plan for ${host}`);
      const remote = await rt.remote(host, options.signal);
      emitter.emit({ type: 'log', host, phase: 'read', level: 'debug', text: 'reading live state' });
      const first = await readAndDiff(remote, plan, rt.reveal, options.signal);
      const pending = changedPaths(first.diff);
      if (pending.length === 0) return { outcome: 'unchanged', text: 'in sync' };
      if (options.dryRun) {
        for (const f of first.diff.files.filter((x) => pending.includes(x.path))) {
          emitter.emit({ type: 'file', host, phase: 'write', file: f.path, action: f.kind, level: 'info', text: `would ${f.kind === 'removed' ? 'remove' : 'write'} ${f.path} (${f.kind})` });
        }
        return { outcome: 'pending', text: `would change ${pending.length} file(s)`, changed: pending };
      }
      return runTransaction(
        rt,
        {
          kind: 'deploy',
          plan,
          diffLive: (r, signal) => readAndDiff(r, plan, true, signal),
          snapshotReason: 'pre-deploy',
          preHook: 'pre-deploy',
          postHook: 'post-deploy',
          breakLock: options.breakLock ?? false,
          signal: options.signal,
        },
        emitter,
      );
    },
  );
  await audit?.flush();
  return report;
}
