/**
 * After `konf adopt` put a host's live versions into the repository, they are konf's own
 * there: the host's deployed record (deployedRecord.ts) says so, so a later repository
 * change of those paths is "pending", not "both". The record is updated the way a deploy
 * writes it: under the host lock, as a journaled batch (its one entry is the record,
 * renamed into place atomically; a konf killed meanwhile leaves a journal the next deploy
 * or rollback puts back first). Only the adopted paths change in it; whether konf
 * created a path is kept.
 */
import { HostError } from '../errors.js';
import type { LiveEntry } from '../remote/types.js';
import { LockedError, describeLock } from '../remote/remoteHost.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import { RECORD_PATH, effectiveRecord, parseRecord, recordWriteOp, retireLegacyRecord, serializeRecord, type DeployedRecord } from './deployedRecord.js';
import { recoverLeftover } from './transaction.js';

/** The record with `entries` taken as what konf wrote (files and symlinks; other states are left out). */
export function recordAdopting(previous: DeployedRecord, entries: readonly LiveEntry[]): DeployedRecord {
  const record: DeployedRecord = { ...previous };
  for (const e of entries) {
    const created = previous[e.path]?.created ?? false;
    if (e.state === 'file') record[e.path] = { sha256: e.sha256, mode: e.mode & 0o7777, created };
    else if (e.state === 'symlink') record[e.path] = { target: e.target, created };
  }
  return record;
}

/**
 * Writes the host's record with `entries` as konf's own versions. Throws (LockedError,
 * HostError) when the host cannot be locked or written; the record then stays as it was.
 */
export async function recordAdopted(rt: OpsRuntime, host: string, entries: readonly LiveEntry[], emitter: OpEmitter, signal?: AbortSignal): Promise<void> {
  const op = emitter.op;
  const remote = await rt.remote(host, signal);
  const req = { operator: rt.operator, jumpHost: rt.jumpHost, pid: process.pid, operation: 'adopt', opId: op, ...(rt.pidStart ? { pidStart: rt.pidStart } : {}) };
  let taken;
  try {
    taken = await remote.acquireLock(req, { signal });
  } catch (err) {
    if (err instanceof LockedError) throw new LockedError(host, `locked by ${describeLock(err.holder)}`, err.holder);
    throw err;
  }
  let closeJournal = true;
  try {
    const notes: string[] = [];
    if (taken.journal) await recoverLeftover(rt, remote, await rt.plan(host), taken.journal, op, emitter, notes);
    const [entry] = await remote.readState([RECORD_PATH], { signal });
    const onHost = parseRecord(entry);
    const record = recordAdopting(await effectiveRecord(rt.stateDir, host, onHost), entries);
    if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled before the record was written');
    closeJournal = false;
    await remote.write([recordWriteOp(serializeRecord(host, record, { op, operator: rt.operator, jumpHost: rt.jumpHost }))], {
      signal,
      opId: op,
      journal: { kind: 'adopt', snapshot: '', operator: rt.operator, jumpHost: rt.jumpHost, since: new Date().toISOString() },
    });
    closeJournal = true;
    if (onHost === undefined) await retireLegacyRecord(rt.stateDir, host).catch(() => undefined);
  } finally {
    // A write that failed part way keeps its journal: the next deploy or rollback puts the old record back.
    await remote.releaseLock(op, closeJournal ? { closeJournal: op } : {}).catch(() => undefined);
  }
}
