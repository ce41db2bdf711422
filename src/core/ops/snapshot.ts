/** snapshot: capture the live managed (and watched) files of hosts into the store. */
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { snapshotPaths } from './hostState.js';
import { auditSinkFor } from './auditSink.js';
import { OpEmitter } from './emitter.js';
import { fetchBefore, pushAfter, sharedStoreReady } from './storeSync.js';

export interface SnapshotOptions {
  hosts: string[];
  message?: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export async function snapshot(rt: OpsRuntime, options: SnapshotOptions): Promise<OperationReport> {
  const plans = await rt.planAll(options.hosts);
  const store = await rt.store();
  const audit = await auditSinkFor(rt);
  const mask = rt.masker(plans.values());
  const report = await runOperation(
    {
      kind: 'snapshot',
      hosts: options.hosts,
      operator: rt.operator,
      concurrency: rt.concurrency,
      signal: options.signal,
      sinks: [options.onEvent, audit],
      mask,
      prepare: fetchBefore(rt),
    },
    async (host, emitter) => {
      const plan = plans.get(host);
      if (!plan) throw new Error(`no plan for ${host}`);
      const remote = await rt.remote(host, options.signal);
      const paths = snapshotPaths(plan);
      emitter.emit({ type: 'log', host, phase: 'read', level: 'debug', text: `reading ${paths.length} path(s)` });
      const live = await remote.readState(paths, { signal: options.signal });
      await sharedStoreReady(emitter.op);
      const info = await store.save(host, live, {
        reason: 'manual',
        operator: rt.operator,
        op: emitter.op,
        ...(options.message ? { message: options.message } : {}),
      });
      const unreadable = live.filter((e) => e.state === 'unreadable');
      for (const u of unreadable) emitter.emit({ type: 'log', host, phase: 'snapshot', level: 'warn', file: u.path, text: `unreadable: ${u.path}: ${'error' in u ? u.error : ''}` });
      return { outcome: 'ok', text: `snapshot ${info.id.slice(0, 10)}: ${info.files} file(s), ${info.changed.length} changed since the last`, snapshot: info.id };
    },
  );
  await audit?.flush();
  await pushAfter(rt, new OpEmitter(report.op, [options.onEvent], mask), options.signal);
  return report;
}
