/**
 * snapshot: capture the live managed (and watched) files of hosts into the store. A host
 * another konf is changing (its lock) is refused: the snapshot could record it half done.
 * What a killed konf left (its stale lock, its journal) is put back first, as a deploy does.
 */
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { snapshotPaths } from './hostState.js';
import { auditSinkFor } from './auditSink.js';
import { OpEmitter } from './emitter.js';
import { fetchBefore, pushAfter, sharedStoreReady } from './storeSync.js';
import { LOCK_DIR, LOCK_PATH } from '../remote/scripts/index.js';
import { JOURNAL_NAME } from '../remote/journal.js';
import { LockedError, describeLock, parseLock } from '../remote/remoteHost.js';
import { ageOf, isStaleLock } from './localProcess.js';
import { recoverLeftover, takeLock } from './transaction.js';

const JOURNAL_PATH = `${LOCK_DIR}/${JOURNAL_NAME}`;

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
      const notes: string[] = [];
      // The lock and the journal are read with the files (last: a deploy takes the lock before it writes).
      const read = await remote.readState([...paths, LOCK_PATH, JOURNAL_PATH], { signal: options.signal });
      let live = read.slice(0, paths.length);
      const lockEntry = read[paths.length];
      const lock = lockEntry?.state === 'file' && lockEntry.content !== undefined ? parseLock(lockEntry.content.toString('utf8')) : undefined;
      const journal = read[paths.length + 1]?.state === 'file';
      if (lock && !isStaleLock(lock, rt.jumpHost)) {
        throw new LockedError(host, `locked by ${describeLock(lock)} (${ageOf(lock.since)}): its ${lock.operation} is not finished, and a snapshot now could record it half done; nothing was recorded (snapshot again once it is done)`, lock);
      }
      if (lock || journal) {
        // What a killed konf left: put the host back first (as a deploy would), then read it under the lock.
        const held = await takeLock(rt, remote, { plan, kind: 'snapshot', signal: options.signal }, emitter.op, emitter, notes);
        try {
          if (held.journal) await recoverLeftover(rt, remote, plan, held.journal, emitter.op, emitter, notes);
          live = await remote.readState(paths, { signal: options.signal });
        } finally {
          await remote.releaseLock(emitter.op);
        }
      }
      await sharedStoreReady(emitter.op);
      const info = await store.save(host, live, {
        reason: 'manual',
        operator: rt.operator,
        op: emitter.op,
        ...(options.message ? { message: options.message } : {}),
      });
      const unreadable = live.filter((e) => e.state === 'unreadable');
      for (const u of unreadable) emitter.emit({ type: 'log', host, phase: 'snapshot', level: 'warn', file: u.path, text: `unreadable: ${u.path}: ${'error' in u ? u.error : ''}` });
      return { outcome: 'ok', text: `snapshot ${info.id.slice(0, 10)}: ${info.files} file(s), ${info.changed.length} changed since the last`, snapshot: info.id, ...(notes.length ? { notes } : {}) };
    },
  );
  await audit?.flush();
  await pushAfter(rt, new OpEmitter(report.op, [options.onEvent], mask), options.signal);
  return report;
}
