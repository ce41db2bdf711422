/** The host lock of a transaction (or a snapshot): take it (a stale one of this jump host taken over), release it. */
import { errorMessage } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import type { LockInfo, LockRequest } from '../remote/types.js';
import { LockedError, describeLock, type RemoteHost } from '../remote/remoteHost.js';
import type { HostJournal } from '../remote/journal.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import { ageOf, isStaleLock } from './localProcess.js';

export interface Held {
  remote: RemoteHost;
  journal?: HostJournal;
}

/** The lock this operation takes on a host. */
export function lockRequest(rt: OpsRuntime, spec: LockSpec, op: string): LockRequest {
  return { operator: rt.operator, jumpHost: rt.jumpHost, pid: process.pid, operation: spec.kind, opId: op, ...(rt.pidStart ? { pidStart: rt.pidStart } : {}) };
}

/**
 * Takes the host lock. A lock of this jump host whose process is gone is taken over; any
 * other lock is refused with who holds it, since when, and how to break it.
 */
/** What taking a host lock needs to know (a transaction's spec, or a snapshot's). */
export interface LockSpec {
  plan: HostPlan;
  kind: string;
  breakLock?: boolean;
  signal?: AbortSignal;
  breakHint?: string;
}

export async function takeLock(rt: OpsRuntime, remote: RemoteHost, spec: LockSpec, op: string, emitter: OpEmitter, notes: string[]): Promise<Held> {
  const host = spec.plan.host;
  const req = lockRequest(rt, spec, op);
  let taken: { broken?: LockInfo; journal?: HostJournal };
  try {
    taken = await remote.acquireLock(req, { breakLock: spec.breakLock ?? false, signal: spec.signal });
  } catch (err) {
    if (!(err instanceof LockedError)) throw err;
    const holder = err.holder;
    if (!isStaleLock(holder, rt.jumpHost)) {
      const hint = spec.breakHint ?? `konf ${spec.kind} ${host} --break-lock`;
      throw new LockedError(host, `locked by ${describeLock(holder)} (${ageOf(holder.since)}); if that konf is gone, break the lock with: ${hint}`, holder);
    }
    taken = await remote.acquireLock(req, { breakIf: holder.opId, signal: spec.signal });
    const text = `took over a stale lock: ${describeLock(holder)} — that process no longer runs on this jump host`;
    notes.push(text);
    emitter.emit({ type: 'log', host, phase: 'lock', level: 'warn', text });
    return { remote, ...(taken.journal ? { journal: taken.journal } : {}) };
  }
  if (taken.broken) {
    const text = `broke the lock of ${describeLock(taken.broken)} (--break-lock)`;
    notes.push(text);
    emitter.emit({ type: 'log', host, phase: 'lock', level: 'warn', text });
  }
  return { remote, ...(taken.journal ? { journal: taken.journal } : {}) };
}

/** Releases the lock (closing the journal, or keeping it for the next run); a second try over a new connection. */
export async function unlock(rt: OpsRuntime, host: string, remote: RemoteHost, op: string, release: 'close' | 'keep', emitter: OpEmitter, notes: string[]): Promise<void> {
  const opts = release === 'close' ? { closeJournal: op } : {};
  try {
    await remote.releaseLock(op, opts);
  } catch {
    try {
      rt.forget(host);
      await (await rt.remote(host)).releaseLock(op, opts);
    } catch (unlockErr) {
      const text = `could not release the lock: ${errorMessage(unlockErr)} (the next konf run on this jump host takes it over; elsewhere: --break-lock)`;
      emitter.emit({ type: 'log', host, phase: 'unlock', level: 'error', text });
      notes.push(text);
    }
  }
}
