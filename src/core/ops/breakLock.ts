/**
 * break-lock: removes the lock another konf run left on a host (the console's "break the
 * lock" action; the CLI's writing commands do the same with --break-lock), saying whose
 * it was. An unfinished operation's journal found there is recovered before the lock is
 * released, so the host is never left half written behind a broken lock.
 */
import { describeLock } from '../remote/remoteHost.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { auditSinkFor } from './auditSink.js';
import { recoverLeftover } from './transaction.js';

export interface BreakLockOptions {
  host: string;
  /** Break only this operation's lock (the one the admin saw and confirmed); any lock when unset. */
  opId?: string;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export async function breakLock(rt: OpsRuntime, options: BreakLockOptions): Promise<OperationReport> {
  const plan = (await rt.freshPlans([options.host])).get(options.host)!;
  const audit = await auditSinkFor(rt);
  const report = await runOperation(
    { kind: 'break-lock', hosts: [options.host], operator: rt.operator, concurrency: 1, signal: options.signal, sinks: [options.onEvent, audit], mask: rt.masker([plan]) },
    async (host, emitter) => {
      const remote = await rt.remote(host, options.signal);
      const op = emitter.op;
      const req = { operator: rt.operator, jumpHost: rt.jumpHost, pid: process.pid, operation: 'break-lock', opId: op, ...(rt.pidStart ? { pidStart: rt.pidStart } : {}) };
      const taken = await remote.acquireLock(req, options.opId !== undefined ? { breakIf: options.opId } : { breakLock: true });
      const notes: string[] = [];
      if (taken.broken) {
        const text = `broke the lock of ${describeLock(taken.broken)}`;
        notes.push(text);
        emitter.emit({ type: 'log', host, phase: 'lock', level: 'warn', text });
      }
      try {
        if (taken.journal) await recoverLeftover(rt, remote, plan, taken.journal, op, emitter, notes);
      } finally {
        await remote.releaseLock(op);
      }
      const text = taken.broken ? notes.join('; ') : 'there was no lock to break';
      return { outcome: taken.broken || taken.journal ? 'ok' : 'unchanged', text, ...(notes.length ? { notes } : {}) };
    },
  );
  await audit.flush();
  return report;
}
