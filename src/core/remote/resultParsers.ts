/** What the host's answers mean: a read's tar items, a write's and a recovery's status lines. */
import { HostError } from '../errors.js';
import { ancestor, type TargetPath } from './paths.js';
import { parseJournal } from './journal.js';
import { LOCK_DIR, REVERT_WAIT_SEC } from './scripts/index.js';
import type { TarItem } from './tar.js';
import { CheckFailedError, JournaledWriteError, NotTaken, WriteError, describeLock, parseLock } from './remoteErrors.js';
import type { CheckCollector } from './checks.js';
import type { JournalRecovery, RevertDecision } from './remoteOptions.js';
import { tail, type ScriptOutput } from './scriptRunner.js';
import type { LiveEntry, LiveMeta, WriteOp, WriteResult } from './types.js';

export const STEP_TEXT: Record<string, string> = {
  mkdir: 'creating its folder',
  isdir: 'a directory is in the way',
  write: 'writing the temp file',
  short: 'the upload was cut short',
  chown: 'setting owner/group',
  chmod: 'setting the mode',
  symlink: 'creating the symlink',
  rename: 'renaming it into place',
  remove: 'removing it',
  backup: 'keeping the old version',
  journal: 'writing the journal',
  arm: 'arming the revert (confirm-or-revert)',
};


/** One read path's live entry: refused by the read script (outside), else its tar item (or tar's error). */
export function liveEntryFor(t: TargetPath, cls: string | undefined, item: TarItem | undefined, tarError: string | undefined): LiveEntry {
  const path = t.logical;
  if (cls === 'outside') return { path, state: 'unreadable', error: `refused: its folder resolves outside konf_root (a symlinked parent); not read` };
  if (!item) {
    const msg = tarError ?? 'could not be read';
    // stat(2) failing: nothing there (or a file where a folder would be, or a symlink loop
    // above it), or a parent folder that cannot be searched.
    if (/^Cannot stat: (No such file or directory|Not a directory|Too many levels of symbolic links)$/.test(msg)) return { path, state: 'missing' };
    if (/^Cannot stat: Permission denied$/.test(msg)) return { path, state: 'unreadable', error: 'Permission denied (a parent folder cannot be searched)' };
    if (/No such file or directory/.test(msg)) return { path, state: 'missing' };
    return { path, state: 'unreadable', error: msg };
  }
  const h = item.header;
  const uid = h.uid;
  const gid = h.gid;
  const meta: LiveMeta = { mode: h.mode & 0o7777, uid, gid, owner: h.uname || String(uid), group: h.gname || String(gid) };
  switch (h.type) {
    case 'file':
    case 'contiguous-file':
      return {
        path,
        state: 'file',
        ...(item.content !== undefined ? { content: item.content } : {}),
        size: item.size,
        sha256: item.sha256,
        ...(item.spool !== undefined ? { spool: item.spool } : {}),
        ...meta,
      };
    case 'symlink':
      return { path, state: 'symlink', target: h.linkname, ...meta };
    case 'directory':
      return { path, state: 'dir', ...meta };
    default:
      return { path, state: 'other', ...meta };
  }
}

/** Reads a write script's outcome: its errors as WriteErrors, else what it did. */
export function writeOutcome(host: string, root: string, ops: WriteOp[], targets: TargetPath[], out: ScriptOutput, appliedPaths: string[], journaled: boolean): WriteResult {
  const hostRestored = out.status.includes('restored');
  const restoredNote = hostRestored ? '; the host put every file back from its journal' : out.status.includes('unrestored') ? '; the host could not put every file back: its journal is kept' : '';
  for (const s of out.status) {
    if (s.startsWith('notours')) {
      const held = s.slice('notours'.length).trim();
      throw new HostError(
        host,
        'locked',
        held ? `the host lock is no longer held by this operation: locked by ${describeLock(parseLock(held))}; nothing was written` : 'the host lock is no longer held by this operation (it was removed); nothing was written',
      );
    }
    const esc = /^escape (\d+)$/.exec(s);
    if (esc) {
      const t = targets[Number(esc[1])];
      throw new WriteError(host, 'root-escape', `refusing to write ${t?.logical}: its folder resolves outside konf_root ${root} (a symlinked parent); nothing was written`, t?.logical, appliedPaths, true);
    }
    const fail = /^fail (\d+) (\S+)$/.exec(s);
    if (fail) {
      const t = targets[Number(fail[1])];
      const step = STEP_TEXT[fail[2] as string] ?? (fail[2] as string);
      const committed = out.status.includes('commit');
      const what = committed ? (appliedPaths.length ? `; ${appliedPaths.length} of ${ops.length} changes were already applied` : '; nothing was changed') : '; nothing was changed';
      const message = `cannot write ${t?.logical} (${step})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}${journaled ? restoredNote || what : what}`;
      if (journaled) throw new JournaledWriteError(host, message, t?.logical, appliedPaths, hostRestored);
      throw new WriteError(host, 'remote-failed', message, t?.logical, appliedPaths, !committed);
    }
  }
  if (!out.status.includes('done')) {
    const how = out.code === null ? 'the connection closed' : `exit ${out.code}`;
    if (journaled) {
      throw new JournaledWriteError(
        host,
        `the write did not complete (${how})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}; ${appliedPaths.length} of ${ops.length} changes were applied${restoredNote}`,
        undefined,
        appliedPaths,
        hostRestored,
      );
    }
    throw new WriteError(
      host,
      'remote-failed',
      `the write did not complete (${how})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}; ${appliedPaths.length} of ${ops.length} changes were applied`,
      undefined,
      appliedPaths,
    );
  }
  const createdDirs: string[] = [];
  let staleTempsRemoved = 0;
  for (const s of out.status) {
    const d = /^dirs (\d+) (\d+)$/.exec(s);
    const parent = d ? targets[Number(d[1])]?.parent : undefined;
    if (d && parent) {
      for (let k = Number(d[2]) - 1; k >= 0; k--) {
        const dir = ancestor(parent, k);
        if (!createdDirs.includes(dir)) createdDirs.push(dir);
      }
    }
    const st = /^stale \d+ (\d+)$/.exec(s);
    if (st) staleTempsRemoved += Number(st[1]);
  }
  // In the order they were renamed into place (folder by folder), as onFile reported them.
  const order = new Map(appliedPaths.map((p, k) => [p, k]));
  const files = targets.map((t, i) => ({ path: t.logical, action: (ops[i] as WriteOp).action }));
  files.sort((a, b) => (order.get(a.path) ?? files.length) - (order.get(b.path) ?? files.length));
  return { files, createdDirs, staleTempsRemoved };
}

/** A recovery script's outcome (see recoverScript). */
export function recoveryOutcome(host: string, root: string, out: ScriptOutput): JournalRecovery {
  if (out.status.includes('none') || out.status.includes('other')) return { restored: [], failed: [], complete: true };
  const text = out.status.find((s) => s.startsWith('journal '));
  if (text === undefined) throw new HostError(host, 'remote-failed', `recovering the journal failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
  const journal = parseJournal(host, Buffer.from(text.slice(8), 'base64').toString('utf8'), root);
  const byIndex = new Map(journal.entries.map((e) => [e.index, e]));
  const restored: string[] = [];
  const failed: { path: string; step: string }[] = [];
  let writer: JournalRecovery['writer'];
  for (const s of out.status) {
    const undo = /^undo (\d+) (back|gone|same|none)$/.exec(s);
    const entry = undo ? byIndex.get(Number(undo[1])) : undefined;
    if (undo && entry && (undo[2] === 'back' || undo[2] === 'gone')) restored.push(entry.path);
    const fail = /^ufail (\d+) (\S+)$/.exec(s);
    const failedEntry = fail ? byIndex.get(Number(fail[1])) : undefined;
    if (fail && failedEntry) failed.push({ path: failedEntry.path, step: fail[2] as string });
    if (s.startsWith('waited ')) writer = 'waited';
    if (s.startsWith('stopping ')) writer = 'stopped';
  }
  const decision = out.status.map((s) => /^revert (disarmed|reverted|reverting|crashed)$/.exec(s)).find((m) => m)?.[1] as RevertDecision | undefined;
  const rlog = out.status.find((s) => s.startsWith('rlog '));
  const revert = decision ? { decision, log: rlog ? Buffer.from(rlog.slice(5), 'base64').toString('utf8').split('\n').filter((l) => l !== '') : [] } : undefined;
  if (decision === 'reverting') {
    throw new HostError(host, 'remote-failed', `the host is still putting itself back (its confirm-or-revert revert has run for ${REVERT_WAIT_SEC} s): its journal stays; run konf again once it is done`);
  }
  const complete = out.status.includes('restored');
  if (!complete && failed.length === 0) {
    throw new HostError(host, 'remote-failed', `recovering the journal did not finish (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
  }
  return { journal, restored, failed, complete, ...(writer ? { writer } : {}), ...(revert ? { revert } : {}) };
}

/**
 * A write script that refused before its commit: a one-trip write not taken (NotTaken,
 * nothing done), an unrecovered journal on the host, or etc/validate's checks (CheckFailedError).
 */
export function writeRefusal(host: string, root: string, out: ScriptOutput, oneTrip: boolean, journalRequested: boolean, checks: CheckCollector): void {
  if (oneTrip && !out.status.includes('acquired')) {
    if (out.status.some((s) => s.startsWith('held'))) throw new NotTaken(host, 'held');
    if (out.status.includes('busy')) throw new NotTaken(host, 'busy');
    if (out.status.includes('escape')) throw new HostError(host, 'root-escape', `refusing the lock folder ${LOCK_DIR}: it resolves outside konf_root ${root}`);
    const fail = out.status.find((s) => s.startsWith('fail ') && !/^fail \d/.test(s));
    if (fail) throw new HostError(host, 'remote-failed', `lock: ${fail.slice(5)} failed: ${tail(out.errLines) || 'no message'}`);
  }
  if (oneTrip && out.status.includes('changed')) throw new NotTaken(host, 'changed');
  if (journalRequested && out.status.includes('journal') && !out.status.includes('commit')) {
    throw new HostError(host, 'remote-failed', `an unfinished operation's journal is on the host (${LOCK_DIR}/journal): it must be recovered first; nothing was written`);
  }
  if (out.status.includes('refused')) {
    const stage = out.status.includes('commit') ? 'set' : 'file';
    const restored = stage === 'set' && out.status.includes('restored');
    const where = stage === 'file' ? 'nothing was renamed' : restored ? 'every file was swapped back from the journal' : 'the host could not swap every file back: its journal is kept';
    throw new CheckFailedError(host, `refused by ${checks.failed.length} check(s) of etc/validate; ${where}`, stage, checks.results, restored);
  }
}
