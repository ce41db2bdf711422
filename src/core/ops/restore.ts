/**
 * Putting a host back: from an unfinished operation's journal before anything else
 * (recoverLeftover), and after a failure past the journal (restoreAfterFailure), each
 * verified against the snapshot by reading the host back.
 */
import { HostError, errorMessage } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import { readHooks } from '../fleet/hooks.js';
import type { LiveEntry } from '../remote/types.js';
import type { Armed, RemoteHost } from '../remote/remoteHost.js';
import { describeJournal, type HostJournal } from '../remote/journal.js';
import type { DesiredEntry } from '../diff/types.js';
import { diffHost } from '../diff/compare.js';
import { desiredFromSnapshot } from '../diff/desired.js';
import { writeOpsFor } from '../diff/writeOps.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import type { HostResult } from './runOperation.js';
import { runHooks } from './hooks.js';
import { entriesFor } from './hostState.js';
import { RECORD_PATH } from './deployedRecord.js';
import { awaitReconnect, clock } from './confirm.js';

/** The hooks of a phase as they are in the repository now (hooks are read when they run). */
export async function hooksNow(rt: OpsRuntime, plan: HostPlan): Promise<HostPlan> {
  const { hooks, skipped } = await readHooks(rt.fleet.root);
  return { ...plan, hooks, skippedHooks: skipped };
}

/** Paths of `touched` whose live state differs from their state in the snapshot entries. */
export async function unequalToSnapshot(remote: RemoteHost, host: string, entries: LiveEntry[], touched: string[]): Promise<string[]> {
  const wanted = entriesFor(entries, touched);
  const desired: DesiredEntry[] = desiredFromSnapshot(wanted);
  const checkable = new Set(desired.map((d) => d.path));
  const paths = touched.filter((p) => checkable.has(p));
  if (paths.length === 0) return [];
  const live = await remote.readState(paths);
  const diff = diffHost(host, desired, live, {});
  return diff.files.filter((f) => f.kind !== 'unchanged').map((f) => f.path);
}

/** Puts the given paths back to their state in the snapshot entries (a journaled write of its own). */
export async function restoreEntries(rt: OpsRuntime, host: string, remote: RemoteHost, op: string, entries: LiveEntry[], paths: string[], emitter: OpEmitter): Promise<void> {
  const live = await remote.readState(paths);
  const desired: DesiredEntry[] = desiredFromSnapshot(entriesFor(entries, paths));
  const ops = writeOpsFor(diffHost(host, desired, live, {}));
  if (ops.length === 0) return;
  emitter.emit({ type: 'log', host, phase: 'restore', level: 'warn', text: `writing ${ops.length} file(s) from the snapshot` });
  await remote.write(ops, { opId: op, journal: { kind: 'restore', snapshot: '', operator: rt.operator, jumpHost: rt.jumpHost, since: new Date().toISOString() } });
  await remote.closeJournal(op);
}

/**
 * Before anything else on the host: puts back what an unfinished operation (a killed
 * konf, a dropped jump host) left half done, from the host's journal; runs the
 * post-rollback hooks; closes the journal. Throws when the host could not be put back.
 */
export async function recoverLeftover(rt: OpsRuntime, remote: RemoteHost, plan: HostPlan, journal: HostJournal, op: string, emitter: OpEmitter, notes: string[]): Promise<void> {
  const host = plan.host;
  emitter.emit({ type: 'log', host, phase: 'recover', level: 'warn', text: `found the journal of an unfinished ${describeJournal(journal)}: putting the host back first` });
  const rec = await remote.recoverJournal({ expectOp: journal.op });
  if (!rec.complete) {
    const what = rec.failed.map((f) => `${f.path} (${f.step})`).join(', ');
    throw new HostError(host, 'remote-failed', `could not put back what the unfinished ${journal.kind} ${journal.op} left: ${what}; its journal stays on the host; nothing else was done`);
  }
  if (rec.writer === 'stopped') emitter.emit({ type: 'log', host, phase: 'recover', level: 'warn', text: 'its write was still running on the host and was stopped' });
  let verified = '';
  if (journal.snapshot) {
    try {
      const snap = await (await rt.store()).load(host, journal.snapshot);
      const differ = await unequalToSnapshot(remote, host, snap.entries, journal.entries.map((e) => e.path));
      verified = differ.length === 0 ? `, verified against snapshot ${journal.snapshot.slice(0, 10)}` : `; differs from snapshot ${journal.snapshot.slice(0, 10)}: ${differ.join(', ')} (the host's own old versions were put back)`;
    } catch {
      verified = ` (snapshot ${journal.snapshot.slice(0, 10)} is not in this snapshot store: not verified)`;
    }
  }
  // The deployed record is one more entry of the journal: put back with the files, not one of them.
  const restored = rec.restored.filter((p) => p !== RECORD_PATH);
  const what = restored.length === 0 && journal.state === 'restored' ? 'its files had been put back already' : `${restored.length} file(s) put back`;
  const text = `recovered the unfinished ${journal.kind} ${journal.op} of ${journal.operator}@${journal.jumpHost}: ${what}${verified}`;
  try {
    await runHooks(remote, await hooksNow(rt, plan), 'post-rollback', emitter, { changed: restored, op: journal.op, operator: rt.operator, snapshot: journal.snapshot });
  } catch (err) {
    const warn = `post-rollback hooks after the recovery failed: ${errorMessage(err)}`;
    emitter.emit({ type: 'log', host, phase: 'recover', level: 'error', text: warn });
    notes.push(warn);
  }
  await remote.closeJournal(journal.op);
  notes.push(text);
  emitter.emit({ type: 'log', host, phase: 'recover', level: 'warn', text });
}

/**
 * After a failure past the journal: on a fresh connection, puts every file back from the
 * journal (waiting for the old write to stop on the host), reads the host back and
 * compares it with the snapshot (writing the snapshot's content for whatever still
 * differs), then runs the post-rollback hooks. Reports exactly what could not be restored.
 */
export async function restoreAfterFailure(
  rt: OpsRuntime,
  plan: HostPlan,
  op: string,
  snapshotEntries: LiveEntry[],
  touched: string[],
  snapshotId: string | undefined,
  why: string,
  spec: { signal?: AbortSignal },
  emitter: OpEmitter,
  how: { hooks?: boolean; armed?: Armed; reverted?: 'lost' | 'late' } = {},
): Promise<{ result: HostResult; release: 'close' | 'keep'; remote?: RemoteHost }> {
  const host = plan.host;
  const snap = snapshotId ? { snapshot: snapshotId } : {};
  const short = snapshotId ? ` ${snapshotId.slice(0, 10)}` : '';
  let remote: RemoteHost;
  try {
    if (how.reverted === 'lost' && how.armed) {
      // No new connection got in: the host reverts itself at its deadline; then konf gets in again.
      remote = await awaitReconnect(rt, host, how.armed, emitter, spec.signal);
    } else {
      rt.forget(host);
      try {
        remote = await rt.remote(host);
      } catch (connectErr) {
        if (!how.armed || spec.signal?.aborted) throw connectErr;
        emitter.emit({ type: 'log', host, phase: 'restore', level: 'warn', text: `cannot reconnect (${errorMessage(connectErr)}): the host reverts itself at ${clock(how.armed.deadline)}` });
        remote = await awaitReconnect(rt, host, how.armed, emitter, spec.signal);
      }
    }
    const rec = await remote.recoverJournal({ expectOp: op });
    const byHost = rec.revert?.decision === 'reverted';
    if (rec.revert) {
      // The host's own account of its revert (its bookkeeping lines left out).
      for (const line of rec.revert.log.map((l) => l.replace(/^\d+ /, '')).filter((l) => !/^(armed until|undo |ufail |restored$|unrestored$|waited |stopping )/.test(l))) {
        emitter.emit({ type: 'log', host, phase: 'revert', level: 'info', text: `host: ${line}` });
      }
      if (rec.revert.decision === 'disarmed') emitter.emit({ type: 'log', host, phase: 'confirm', level: 'info', text: 'the revert armed on the host is disarmed: konf puts the host back itself' });
      if (rec.revert.decision === 'crashed') emitter.emit({ type: 'log', host, phase: 'revert', level: 'warn', text: 'the revert on the host stopped before it finished: konf puts the host back itself' });
    }
    if (!rec.complete) {
      const what = rec.failed.map((f) => `${f.path} (${f.step})`).join(', ');
      return {
        remote,
        release: 'keep',
        result: { outcome: 'restore-failed', text: `failed: ${why}; could not put back ${what}: the host's journal stays and the next konf deploy or rollback of ${host} tries again (snapshot${short})`, error: 'restore-failed', ...snap },
      };
    }
    if (rec.writer === 'stopped') emitter.emit({ type: 'log', host, phase: 'restore', level: 'warn', text: 'the interrupted write was still running on the host and was stopped' });
    let differ = await unequalToSnapshot(remote, host, snapshotEntries, touched);
    if (differ.length > 0) {
      emitter.emit({ type: 'log', host, phase: 'restore', level: 'warn', text: `after the journal: ${differ.join(', ')} still differ from the snapshot` });
      await remote.closeJournal(op);
      await restoreEntries(rt, host, remote, op, snapshotEntries, differ, emitter);
      differ = await unequalToSnapshot(remote, host, snapshotEntries, touched);
      if (differ.length > 0) {
        return {
          remote,
          release: 'close',
          result: { outcome: 'restore-failed', text: `failed: ${why}; restored except ${differ.join(', ')}, which still differ from snapshot${short} (restore them with konf rollback ${host}${short})`, error: 'restore-failed', ...snap },
        };
      }
    }
    emitter.emit({ type: 'log', host, phase: byHost ? 'revert' : 'restore', level: 'info', text: `${byHost ? 'the host put back' : 'restored'} ${touched.length} file(s), verified against snapshot${short}` });
    if (how.hooks !== false && !byHost) {
      try {
        await runHooks(remote, await hooksNow(rt, plan), 'post-rollback', emitter, { changed: touched, op, operator: rt.operator, ...snap });
      } catch (hookErr) {
        emitter.emit({ type: 'log', host, phase: 'restore', level: 'error', text: `post-rollback hooks failed: ${errorMessage(hookErr)}` });
      }
    }
    if (how.reverted) {
      const who = byHost ? 'the host put every file back on its own at its deadline and ran its post-rollback hooks' : 'konf put every file back';
      return { remote, release: 'close', result: { outcome: 'reverted', text: `reverted: ${why}; ${who}; verified against snapshot${short}`, error: 'reverted', ...snap } };
    }
    return { remote, release: 'close', result: { outcome: 'restored', text: `failed and restored (verified): ${why}`, error: spec.signal?.aborted ? 'cancelled' : 'error', ...snap } };
  } catch (restoreErr) {
    const itself = how.armed ? ` the host reverts itself at ${clock(how.armed.deadline)} (armed before the first rename), and` : '';
    return {
      release: 'keep',
      result: {
        outcome: 'recoverable',
        text: `failed: ${why}; could not restore it now (${errorMessage(restoreErr)}):${itself} the journal on the host puts it back on the next konf deploy or rollback of ${host} (snapshot${short})`,
        error: 'recoverable',
        ...snap,
      },
    };
  }
}
