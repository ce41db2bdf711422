/**
 * The write transaction deploy and rollback share, per host:
 *
 *   lock (a stale one of this jump host taken over; an unfinished journal recovered first)
 *   → re-read → snapshot → pre hooks → [what was confirmed still holds?] → journaled
 *   atomic writes → post hooks → close the journal and unlock.
 *
 * A failure (or an interruption) after the journal is written puts every file back from
 * the host's journal, reads the host back and compares it with the snapshot before the
 * host is reported "restored"; what could not be put back is named, and when the host
 * cannot be reached its journal does it on the next run ("recoverable"). The lock is
 * hostLock.ts's, putting a host back restore.ts's.
 */
import { createHash } from 'node:crypto';
import { HostError, errorMessage } from '../errors.js';
import type { HookPhase, HostPlan } from '../fleet/types.js';
import type { LiveEntry, WriteOp, WriteResult } from '../remote/types.js';
import { CheckFailedError, NotTaken, WriteError, JournaledWriteError, type Armed, type RemoteHost } from '../remote/remoteHost.js';
import type { HostDiff } from '../diff/types.js';
import { writeOpsFor } from '../diff/writeOps.js';
import type { SnapshotReason } from '../store/types.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import { interruptReason, type HostResult } from './runOperation.js';
import { runHooks } from './hooks.js';
import { entriesFor, snapshotPaths } from './hostState.js';
import { effectiveRecord, recordAfter, recordWriteOp, retireLegacyRecord, serializeRecord, type DeployedRecord } from './deployedRecord.js';
import { planFingerprint, writeSet, writeSetDifference } from './fingerprint.js';
import { sharedStoreReady } from './storeSync.js';
import { checksFor, emitCheck, fileCheckRefusal, refusalMessage } from './validation.js';
import { armSpec, confirmAccess, emitArmed, type ConfirmResult } from './confirm.js';
import { lockRequest, takeLock, unlock, type Held } from './hostLock.js';
import { hooksNow, recoverLeftover, restoreAfterFailure } from './restore.js';

export { takeLock, type LockSpec } from './hostLock.js';
export { recoverLeftover, restoreEntries, unequalToSnapshot } from './restore.js';

/** What the admin confirmed for one host: the plan and the exact writes shown. */
export interface Confirmed {
  /** planFingerprint of the plan the confirmation was made from. */
  plan?: string;
  /** writeSet of what the confirmation listed. */
  writes?: string[];
}

export interface TransactionSpec {
  kind: 'deploy' | 'rollback' | 'rebuild';
  plan: HostPlan;
  /**
   * Computes the diff to apply from what is live now (called again under the lock), with
   * the deployed record the host holds (read in the same round trip; undefined: none).
   */
  diffLive: (remote: RemoteHost, signal?: AbortSignal) => Promise<{ live: LiveEntry[]; diff: HostDiff; record?: DeployedRecord }>;
  snapshotReason: SnapshotReason;
  preHook: HookPhase;
  postHook: HookPhase;
  breakLock?: boolean;
  signal?: AbortSignal;
  /** What was confirmed: checked right before the first write. */
  confirmed?: Confirmed;
  /** The repository stamp taken before `plan` was rendered (deploy): a changed repository is re-planned and compared. */
  stamp?: string;
  /** How to break a lock, for the "locked by" message (default `konf deploy HOST --break-lock`). */
  breakHint?: string;
  /** Run the etc/validate checks of the plan with the writes (deploy). */
  validate?: boolean;
  /** Confirm-or-revert: seconds the host gives konf to prove access over a new connection (0 or undefined: off). */
  confirmWithin?: number;
  /**
   * The host as the caller just read it (no lock, no journal seen), with the diff (secrets
   * revealed): without hooks around the write the whole transaction is one round trip.
   */
  preRead?: PreRead;
}

/** Access was not proven in time (confirm-or-revert): the host reverts, konf verifies it. */
class NotConfirmed extends Error {
  constructor(readonly result: Exclude<ConfirmResult, { kind: 'confirmed' }>, seconds: number) {
    super(result.kind === 'lost' ? `access was lost after the change (no new SSH connection got in: ${result.error})` : `access was not confirmed within ${seconds} s (the host took the decision first)`);
  }
}

const PAST = { deploy: 'deployed', rollback: 'rolled back', rebuild: 'rebuilt' } as const;

const PENDING_KINDS = new Set(['new', 'modified', 'binary', 'metadata', 'link-changed', 'type-changed', 'removed']);

export function changedPaths(diff: HostDiff): string[] {
  return diff.files.filter((f) => PENDING_KINDS.has(f.kind)).map((f) => f.path);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A HostError that carries the notes gathered so far (a lock taken over, a journal recovered). */
function withNotes<E extends Error>(err: E, notes: string[]): E {
  if (notes.length && err instanceof HostError) (err as HostError & { notes?: string[] }).notes = [...notes];
  return err;
}

/** What the caller read from the host just before (deploy's first read), with the diff to apply. */
export interface PreRead {
  live: LiveEntry[];
  diff: HostDiff;
  /** The host's deployed record as read, parsed and as the raw entry (verified unchanged with the files). */
  record?: DeployedRecord;
  recordEntry?: LiveEntry;
}

/** Checks the repository did not change under a deploy since its plan was made (and confirmed). */
async function checkRepository(rt: OpsRuntime, spec: TransactionSpec): Promise<void> {
  const host = spec.plan.host;
  const confirmedPlan = spec.confirmed?.plan;
  if (confirmedPlan !== undefined && confirmedPlan !== planFingerprint(spec.plan)) {
    throw new HostError(host, 'changed', 'the repository changed after you confirmed; nothing was written (review and confirm again)');
  }
  if (spec.stamp === undefined || (await rt.repoStamp()) === spec.stamp) return;
  let now: HostPlan;
  try {
    now = await rt.fleet.plan(host);
  } catch (err) {
    throw new HostError(host, 'changed', `the repository changed ${confirmedPlan !== undefined ? 'after you confirmed' : `while this ${spec.kind} ran`} and no longer plans: ${errorMessage(err)}; nothing was written`);
  }
  if (planFingerprint(now) !== planFingerprint(spec.plan)) {
    throw new HostError(
      host,
      'changed',
      confirmedPlan !== undefined ? 'the repository changed after you confirmed; nothing was written (review and confirm again)' : `the repository changed while this ${spec.kind} ran; nothing was written (run it again)`,
    );
  }
}

/** A one-trip transaction that did nothing on the host: the long way follows. */
const NOT_TAKEN = Symbol('not taken');

export async function runTransaction(rt: OpsRuntime, spec: TransactionSpec, emitter: OpEmitter): Promise<HostResult> {
  // One round trip when the host was just read and nothing runs around the write: lock,
  // "still what was read?", write and unlock in one script (see RemoteHost.write oneTrip).
  if (spec.preRead && !spec.breakLock && !spec.confirmWithin) {
    const hooks = await hooksNow(rt, spec.plan);
    if (hooks.hooks[spec.preHook].length === 0 && hooks.hooks[spec.postHook].length === 0) {
      const result = await transact(rt, spec, emitter, { hooks, preRead: spec.preRead });
      if (result !== NOT_TAKEN) return result;
      emitter.emit({ type: 'log', host: spec.plan.host, phase: 'lock', level: 'debug', text: 'the host was locked, busy or changed since it was read: taking the lock first' });
    }
  }
  return (await transact(rt, spec, emitter)) as HostResult;
}

async function transact(rt: OpsRuntime, spec: TransactionSpec, emitter: OpEmitter, oneTrip?: { hooks: HostPlan; preRead: PreRead }): Promise<HostResult | typeof NOT_TAKEN> {
  const { plan, signal } = spec;
  const host = plan.host;
  const op = emitter.op;
  const notes: string[] = [];
  emitter.emit({ type: 'log', host, phase: 'connect', level: 'debug', text: 'connecting' });
  let remote = await rt.remote(host, signal);

  emitter.emit({ type: 'log', host, phase: 'lock', level: 'debug', text: oneTrip ? 'taking the host lock with the write' : 'taking the host lock' });
  const held: Held = oneTrip ? { remote } : await takeLock(rt, remote, spec, op, emitter, notes);
  /** The lock may be ours (a one-trip write takes it in its own script). */
  let locked = !oneTrip;
  // The shared store's histories are in (or given up) before a snapshot is recorded or read.
  await sharedStoreReady(op);
  /** Set once this operation's journal may exist on the host (the write was started). */
  let wrote = false;
  /** How the lock is released: closing our journal (finished or restored), or keeping it (recoverable). */
  let release: 'close' | 'keep' = 'keep';
  let released = false;
  let snapshotEntries: LiveEntry[] = [];
  let touched: string[] = [];
  let writtenOps: WriteOp[] = [];
  /** Set once a revert is armed on the host (confirm-or-revert). */
  let armed: Armed | undefined;
  let snapshotId: string | undefined;
  const withResult = (r: HostResult): HostResult => (notes.length ? { ...r, notes: [...notes] } : r);
  try {
    // Before anything else: an unfinished operation's journal (a killed konf) is put back.
    if (held.journal) await recoverLeftover(rt, remote, plan, held.journal, op, emitter, notes);
    const recovered = held.journal !== undefined;
    if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled before anything was written');

    const { live, diff, record: onHost } = oneTrip ? oneTrip.preRead : await spec.diffLive(remote, signal);
    const changed = changedPaths(diff);
    if (changed.length === 0) {
      release = 'close';
      return withResult({ outcome: 'unchanged', text: 'nothing to change' });
    }
    const ops = writeOpsFor(diff);
    // What konf writes is recorded on the host by the same journaled batch (deployedRecord.ts).
    const record = recordAfter(await effectiveRecord(rt.stateDir, host, onHost), ops, live, sha256);

    const store = await rt.store();
    snapshotEntries = entriesFor(live, [...new Set([...snapshotPaths(plan), ...changed])]);
    const info = await store.save(host, snapshotEntries, { reason: spec.snapshotReason, operator: rt.operator, op });
    snapshotId = info.id;
    emitter.emit({ type: 'log', host, phase: 'snapshot', level: 'info', text: `snapshot ${info.id.slice(0, 10)} (${spec.snapshotReason}, ${info.files} files)` });

    const hookInfo = { changed, op, operator: rt.operator, snapshot: info.id };
    await runHooks(remote, oneTrip ? oneTrip.hooks : await hooksNow(rt, plan), spec.preHook, emitter, hookInfo, signal);

    // Right before the first write: is it still exactly what was shown and confirmed?
    if (spec.kind !== 'rollback') await checkRepository(rt, spec);
    if (spec.confirmed?.writes) {
      const differ = writeSetDifference(spec.confirmed.writes, writeSet(ops));
      if (differ.length > 0 && recovered) {
        // The confirmation was made on the half-written host; putting it back changed what is written (as it said it would).
        emitter.emit({ type: 'log', host, phase: 'write', level: 'warn', text: `the host was put back first, so these writes differ from the preview: ${differ.join(', ')}` });
      } else if (differ.length > 0) {
        throw new HostError(host, 'changed', `${spec.kind !== 'rollback' ? 'the host or the repository' : 'the host'} changed after you confirmed: ${differ.join(', ')} would be written differently; nothing was written (review and confirm again)`);
      }
    }
    if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled before anything was written');

    touched = ops.map((o) => o.path);
    const checks = spec.validate ? checksFor(plan, ops, hookInfo) : undefined;
    const arm = spec.confirmWithin ? await armSpec(rt, plan, spec.confirmWithin, hookInfo) : undefined;
    writtenOps = ops;
    emitter.emit({ type: 'progress', host, phase: 'write', done: 0, total: ops.length, level: 'info', text: `writing ${ops.length} file(s)` });
    wrote = true;
    locked = true;
    const recordOp = recordWriteOp(serializeRecord(host, record, { op, operator: rt.operator, jumpHost: rt.jumpHost }));
    let written: WriteResult;
    try {
      written = await remote.write([...ops, recordOp], {
      signal,
      opId: op,
      journal: { kind: spec.kind, snapshot: info.id, operator: rt.operator, jumpHost: rt.jumpHost, since: new Date().toISOString() },
      ...(checks ? { checks, onCheck: (r) => emitCheck(emitter, plan, ops, r) } : {}),
      ...(arm
        ? {
            arm,
            onArmed: (a) => {
              armed = a;
              emitArmed(emitter, host, a);
            },
          }
          : {}),
        // The host record is checked too: another jump host's deploy of the same files changes only it.
        ...(oneTrip ? { oneTrip: { lock: lockRequest(rt, spec, op), unchangedSince: [...snapshotEntries, ...(oneTrip.preRead.recordEntry ? [oneTrip.preRead.recordEntry] : [])] } } : {}),
      });
    } catch (err) {
      if (!(err instanceof NotTaken)) throw err;
      // Nothing was done on the host and the lock is not held: the long way follows. The
      // snapshot taken for this write goes too: History shows no pre-deploy of nothing.
      wrote = false;
      locked = false;
      const dropped = await store.discard(host, info.id).catch(() => false);
      emitter.emit({ type: 'log', host, phase: 'snapshot', level: 'debug', text: dropped ? `snapshot ${info.id.slice(0, 10)} taken back: the write it was for did not happen` : `snapshot ${info.id.slice(0, 10)} kept (another snapshot followed it)` });
      return NOT_TAKEN;
    }
    for (const [i, o] of ops.entries()) {
      emitter.emit({ type: 'file', host, phase: 'write', file: o.path, action: o.action === 'remove' ? 'removed' : 'written', level: 'info', text: `${o.action === 'remove' ? 'removed' : 'wrote'} ${o.path}` });
      if (i === ops.length - 1) emitter.emit({ type: 'progress', host, phase: 'write', done: ops.length, total: ops.length, level: 'info', text: 'written' });
    }
    await runHooks(remote, oneTrip ? oneTrip.hooks : await hooksNow(rt, plan), spec.postHook, emitter, hookInfo, signal);
    let confirmedNote = '';
    if (armed) {
      // Confirm-or-revert: a new connection proves access, disarms, closes the journal and unlocks.
      const c = await confirmAccess(rt, host, op, armed, emitter, signal);
      if (c.kind !== 'confirmed') throw new NotConfirmed(c, armed.seconds);
      released = true;
      const took = `${(c.ms / 1000).toFixed(1)} s${c.attempts > 1 ? `, attempt ${c.attempts}` : ''}`;
      emitter.emit({ type: 'log', host, phase: 'confirm', level: 'info', text: `access confirmed over a new SSH connection (${took}): the revert is disarmed` });
      if (!c.released) notes.push('the lock was not ours any more when access was confirmed');
      confirmedNote = '; access confirmed over a new connection';
    } else if (written.released) {
      // The one-trip write closed its journal and released the lock itself.
      released = true;
    } else {
      // Finished: the old versions kept on the host go with the journal, then the lock.
      await remote.releaseLock(op, { closeJournal: op });
      released = true;
    }
    // The host holds the record now: a record this jump host kept for it is migrated.
    if (onHost === undefined) await retireLegacyRecord(rt.stateDir, host).catch(() => undefined);
    return withResult({ outcome: 'ok', text: `${PAST[spec.kind]} ${changed.length} file(s)${confirmedNote}`, snapshot: info.id, changed });
  } catch (err) {
    if (err instanceof CheckFailedError && err.stage === 'file') {
      // A file check refused a staged copy: nothing was renamed, the host is as it was.
      release = 'close';
      throw withNotes(fileCheckRefusal(plan, writtenOps, err), notes);
    }
    if (!wrote || (err instanceof WriteError && !(err instanceof JournaledWriteError) && err.nothingChanged)) {
      release = 'close';
      throw withNotes(err instanceof Error ? err : new Error(String(err)), notes);
    }
    const refused = err instanceof CheckFailedError;
    const why = interruptReason(signal)
      ? `interrupted (${interruptReason(signal)})`
      : refused
        ? refusalMessage(plan, writtenOps, err.results.filter((r) => !r.ok), 'every file was swapped back from the journal before any post-deploy hook')
        : errorMessage(err);
    const lost = err instanceof NotConfirmed ? err.result : undefined;
    emitter.emit({ type: 'log', host, phase: lost ? 'revert' : 'restore', level: 'error', text: lost ? `${why}: the host reverts itself; konf verifies it is back at the ${spec.snapshotReason} snapshot` : `${why}; restoring the ${spec.snapshotReason} snapshot` });
    const result = await restoreAfterFailure(rt, plan, op, snapshotEntries, touched, snapshotId, why, spec, emitter, {
      // After a set check nothing was live yet: no post-rollback hook is needed.
      hooks: !refused,
      ...(armed ? { armed } : {}),
      ...(lost ? { reverted: lost.kind === 'lost' ? 'lost' : 'late' } : {}),
    });
    remote = result.remote ?? remote;
    release = result.release;
    return withResult(result.result);
  } finally {
    if (locked && !released) await unlock(rt, host, remote, op, release, emitter, notes);
  }
}

/** The deployed record before a transaction (for tests and tools). */
export type { DeployedRecord };
