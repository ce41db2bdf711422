/**
 * Everything konf does on one host, over any ExecChannel: read the live state of a list
 * of paths, write a batch of files atomically, run hook scripts, take and release the
 * host lock. Each call is ONE remote command (one round trip), whatever the number of
 * files; the scripts are in scripts.ts.
 */
import { randomBytes } from 'node:crypto';
import { HostError } from '../errors.js';
import { LineSplitter, MarkerFilter, newMarker } from './framing.js';
import { ancestor, normaliseRoot, onHost, targetPath, type TargetPath } from './paths.js';
import {
  LOCK_DIR,
  LOCK_PATH,
  REVERT_WAIT_SEC,
  TEMP_PREFIX,
  acquireLockScript,
  commandFor,
  killScript,
  readLockScript,
  readScript,
  recoverScript,
  releaseLockScript,
  runScript,
  verifyLines,
  writeScript,
  type PreparedOp,
  type ReadState,
  type VerifyLines,
} from './scripts.js';
import { parseJournal, type HostJournal, type JournalHeader } from './journal.js';
import { CheckCollector, type CheckResult, type RemoteChecks } from './checks.js';
import { SAFE_OP, armPayload, revertProgram, type ArmSpec } from './revert.js';
import { TarReader, type TarItem } from './tar.js';
import { LARGE_FILE_BYTES } from './types.js';
import type { ExecChannel, ExecResult, LiveEntry, LiveMeta, LockInfo, LockRequest, RunOptions, RunResult, WriteOp, WriteResult, WrittenFile } from './types.js';

export interface RemoteHostOptions {
  /** Host name used in errors (default: the channel's). */
  host?: string;
  /** konf_root: absolute folder on the host that logical paths are joined to. */
  root: string;
  /** '' = run as the SSH user; 'sudo' = everything through `sudo -n`. */
  become: '' | 'sudo';
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ReadOptions extends CallOptions {
  /**
   * Files over LARGE_FILE_BYTES: 'spool' (default) keeps their bytes in a spool file on the
   * controller (a snapshot needs them); 'hash' only hashes them (a diff compares hashes).
   */
  large?: 'spool' | 'hash';
}

export interface WriteOptions extends CallOptions {
  /** When set, the batch only runs if the host lock is held by this operation id. */
  opId?: string;
  /**
   * Write a host-side journal (needs opId): old versions are kept beside their targets
   * until the journal is closed (releaseLock closeJournal) or recovered (recoverJournal).
   */
  journal?: Omit<JournalHeader, 'op'>;
  /** Called as each op takes effect (renamed into place / removed). */
  onFile?: (file: WrittenFile) => void;
  /** etc/validate checks to run on the host (journaled writes): file checks before the commit, set checks after the swap. */
  checks?: RemoteChecks;
  /** Called as each check finishes. */
  onCheck?: (result: CheckResult) => void;
  /** Confirm-or-revert (journaled writes): arm a revert on the host before the first rename. */
  arm?: ArmSpec;
  /** Called once the revert is armed: how (a systemd unit or a detached process) and when it fires (this machine's clock). */
  onArmed?: (armed: Armed) => void;
  /**
   * One round trip for a whole deploy (see writeScript): take the lock in the script
   * (as this request), check the host still holds `unchangedSince` (what konf read before,
   * logical paths), write, then close the journal and release the lock. A lock held by
   * someone, an unfinished journal or a changed host throws NotTaken before anything is
   * written: the caller goes the long way (lock, read, write, unlock).
   */
  oneTrip?: { lock: LockRequest; unchangedSince: LiveEntry[] };
}

/** A one-trip write that did nothing: the host was locked, had a journal, or changed since it was read. */
export class NotTaken extends Error {
  constructor(
    readonly host: string,
    readonly why: 'held' | 'busy' | 'changed' | 'unverifiable',
  ) {
    super(`${host}: the one-trip write was not taken (${why})`);
  }
}

/** A revert armed on the host. */
export interface Armed {
  seconds: number;
  how: 'systemd' | 'process';
  /** When the host reverts, on this machine's clock (the host counts on its own monotonic clock). */
  deadline: Date;
}

/** What konf_disarm decided (see revert.ts). */
export type RevertDecision = 'disarmed' | 'reverted' | 'reverting' | 'crashed' | 'unarmed';

export interface HookRunOptions extends RunOptions {
  /** Shown in errors (`hook 10-reload timed out…`). */
  name?: string;
}

/** A write batch that failed; `applied` lists the logical paths already changed (commit phase). */
export class WriteError extends HostError {
  constructor(
    host: string,
    kind: 'remote-failed' | 'root-escape' | 'check-failed',
    message: string,
    readonly path: string | undefined,
    readonly applied: string[],
    /** The script stopped before its commit phase: the host is exactly as before. */
    readonly nothingChanged = false,
  ) {
    super(host, kind, message);
  }
}

/**
 * A batch whose journal was written (some renames may have happened) and that did not
 * complete: `hostRestored` says whether the host put every file back by itself.
 */
export class JournaledWriteError extends WriteError {
  constructor(
    host: string,
    message: string,
    path: string | undefined,
    applied: string[],
    readonly hostRestored: boolean,
  ) {
    super(host, 'remote-failed', message, path, applied);
  }
}

/**
 * An etc/validate check refused the write. stage `file`: a file check failed on a staged
 * temp, nothing was renamed (nothingChanged). stage `set`: a set check failed after the
 * swap and the host put every file back from its journal (hostRestored says whether all).
 */
export class CheckFailedError extends WriteError {
  constructor(
    host: string,
    message: string,
    readonly stage: 'file' | 'set',
    readonly results: CheckResult[],
    readonly hostRestored: boolean,
  ) {
    super(host, 'check-failed', message, undefined, [], stage === 'file');
  }
}

/** The host lock is held by someone else; `holder` says who. */
export class LockedError extends HostError {
  constructor(
    host: string,
    message: string,
    readonly holder: LockInfo,
  ) {
    super(host, 'locked', message);
  }
}

/** `alice@jump1 (pid 4242, deploy) since 2026-01-02T03:04:05.000Z` */
export function describeLock(info: LockInfo): string {
  return `${info.operator}@${info.jumpHost} (pid ${info.pid}, ${info.operation}) since ${info.since}`;
}

/** What recoverJournal found and did. */
export interface JournalRecovery {
  /** The journal that was on the host (undefined: there was none). */
  journal?: HostJournal;
  /** Logical paths put back (backup renamed over the target, or a created file removed). */
  restored: string[];
  /** Logical paths that could not be put back, with the step that failed. */
  failed: { path: string; step: string }[];
  /** Every entry is back (the journal is marked restored). */
  complete: boolean;
  /** The journal's writer was still running on the host and was waited for or stopped. */
  writer?: 'waited' | 'stopped';
  /** A revert the operation had armed (confirm-or-revert): what became of it, and its log. */
  revert?: { decision: RevertDecision; log: string[] };
}

/** Lock file content → LockInfo; unknown fields become '?' so a damaged lock still shows. */
export function parseLock(text: string): LockInfo {
  let v: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') v = parsed as Record<string, unknown>;
  } catch {
    // a damaged lock file: shown with placeholders
  }
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '?');
  const info: LockInfo = { operator: s('operator'), jumpHost: s('jumpHost'), pid: typeof v.pid === 'number' ? v.pid : 0, operation: s('operation'), opId: s('opId'), since: s('since') };
  if (typeof v.pidStart === 'string') info.pidStart = v.pidStart;
  return info;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STEP_TEXT: Record<string, string> = {
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

interface ScriptRun {
  marker: string;
  script: string;
  payload?: Buffer[];
  /** raw: stdout after the marker is data (collected, or given to onData); lines: stdout is lines (status or onStdoutLine). */
  stdout: 'raw' | 'lines';
  /** With stdout 'raw': each chunk of data as it comes (not collected); a returned promise pauses the output. */
  onData?: (chunk: Buffer) => Promise<void> | undefined;
  onStatus?: (status: string) => void;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** What the call does, for messages: `reading files`. */
  what: string;
}

interface ScriptOutput {
  code: number | null;
  signal?: string;
  data: Buffer;
  /** `<marker> …` lines of both streams, marker stripped. */
  status: string[];
  /** stderr lines after the marker that are not status lines. */
  errLines: string[];
}

export class RemoteHost {
  readonly host: string;
  readonly root: string;
  readonly become: '' | 'sudo';

  constructor(
    private readonly channel: ExecChannel,
    options: RemoteHostOptions,
  ) {
    this.host = options.host ?? channel.host;
    this.root = normaliseRoot(this.host, options.root);
    this.become = options.become;
  }

  // -------------------------------------------------------------------------------------
  // Reading

  /**
   * The live state of each path, in input order, exactly one entry per input path (path
   * normalised). One remote command: a GNU tar stream of all existing paths.
   */
  async readState(paths: string[], opts: ReadOptions = {}): Promise<LiveEntry[]> {
    const targets = paths.map((p) => targetPath(this.host, p));
    const unique = [...new Map(targets.map((t) => [t.logical, t])).values()];
    if (unique.length === 0) return [];
    const marker = newMarker();
    // The archive is parsed as it streams in: large files are hashed (or spooled), never held.
    const reader = new TarReader({ largeBytes: LARGE_FILE_BYTES, large: opts.large ?? 'spool' });
    // tar's message for each path it could not read (`tar: ./etc/x: Cannot open: Permission
    // denied`), every one of them: runScript keeps only the last 200 stderr lines.
    const prefixes = new Map(unique.map((t) => [`tar: ${t.rel === '.' ? '.' : `./${t.rel}`}: `, t.logical]));
    const tarErrors = new Map<string, string>();
    const out = await this.runScript({
      marker,
      script: readScript(marker, this.root, unique.map((t) => t.rel)),
      stdout: 'raw',
      onData: (chunk) => reader.push(chunk),
      onStderrLine: (line) => {
        if (!line.startsWith('tar: ./') && !line.startsWith('tar: .:')) return;
        // The path itself may hold ': ': try each cut.
        for (let k = line.indexOf(': ', 5); k >= 0; k = line.indexOf(': ', k + 1)) {
          const logical = prefixes.get(line.slice(0, k + 2));
          if (logical !== undefined && !tarErrors.has(logical)) {
            tarErrors.set(logical, line.slice(k + 2));
            return;
          }
        }
      },
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      what: 'reading files',
    });
    this.checkRoot(out);
    if (out.code !== 0 && out.code !== 1 && out.code !== 2) {
      throw new HostError(this.host, 'remote-failed', `reading files failed (exit ${out.code ?? out.signal ?? 'unknown'}): ${tail(out.errLines) || 'no message'} (konf needs GNU tar on the host)`);
    }
    const classified = new Map<number, string>();
    for (const s of out.status) {
      const m = /^(missing|denied|outside) (\d+)$/.exec(s);
      if (m) classified.set(Number(m[2]), m[1] as string);
    }
    let items: TarItem[];
    try {
      items = await reader.end();
    } catch (err) {
      throw new HostError(this.host, 'remote-failed', `reading files failed: the tar stream is damaged (${(err as Error).message})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}`, { cause: err });
    }
    const sentToTar = unique.length - classified.size;
    if (sentToTar > 0 && items.length === 0 && !out.errLines.some((l) => l.startsWith('tar: ./') || l.startsWith('tar: .:'))) {
      throw new HostError(this.host, 'remote-failed', `reading files failed: tar produced nothing${out.errLines.length ? `: ${tail(out.errLines)}` : ''} (konf needs GNU tar on the host)`);
    }
    const byName = new Map(items.map((i) => [i.name, i]));
    const byPath = new Map<string, LiveEntry>();
    unique.forEach((t, i) => byPath.set(t.logical, this.entryFor(t, classified.get(i), byName.get(t.rel === '.' ? '' : t.rel), tarErrors.get(t.logical))));
    return targets.map((t) => ({ ...(byPath.get(t.logical) as LiveEntry) }));
  }

  private entryFor(t: TargetPath, cls: string | undefined, item: TarItem | undefined, tarError: string | undefined): LiveEntry {
    const path = t.logical;
    if (cls === 'missing') return { path, state: 'missing' };
    if (cls === 'denied') return { path, state: 'unreadable', error: 'Permission denied (a parent folder cannot be searched)' };
    if (cls === 'outside') return { path, state: 'unreadable', error: `refused: its folder resolves outside konf_root (a symlinked parent); not read` };
    if (!item) {
      const msg = tarError ?? 'could not be read';
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

  // -------------------------------------------------------------------------------------
  // Writing

  /**
   * Applies a batch in one remote command: every temp file is written (in the target's
   * folder, with its metadata) before anything is renamed, so a failure or a dropped
   * connection before the commit phase changes nothing; each target is always either
   * the old or the new version.
   */
  async write(ops: WriteOp[], opts: WriteOptions = {}): Promise<WriteResult> {
    if (ops.length === 0) return { files: [], createdDirs: [], staleTempsRemoved: 0 };
    const { run, targets, prepared, payload } = this.prepare(ops);
    const lock = opts.opId === undefined ? undefined : { path: onHost(this.root, LOCK_PATH), needle: `"opId":${JSON.stringify(opts.opId)}` };
    if (opts.journal && opts.opId === undefined) throw new Error('a journaled write needs the operation id of the lock holder');
    const journal = opts.journal && opts.opId !== undefined ? { lockDir: onHost(this.root, LOCK_DIR), header: { ...opts.journal, op: opts.opId } } : undefined;
    if ((opts.checks || opts.arm) && !journal) throw new Error('checks and confirm-or-revert need a journaled write');
    let arm: { seconds: number; sizes: ReturnType<typeof armPayload>['sizes'] } | undefined;
    if (opts.arm && journal) {
      if (!SAFE_OP.test(journal.header.op)) throw new Error(`operation id ${JSON.stringify(journal.header.op)} cannot name a host folder`);
      if (!Number.isInteger(opts.arm.seconds) || opts.arm.seconds < 1) throw new Error(`invalid confirm-within ${opts.arm.seconds}`);
      const armed = armPayload(opts.arm, revertProgram({ op: journal.header.op, lockDir: journal.lockDir }));
      payload.push(...armed.buffers);
      arm = { seconds: opts.arm.seconds, sizes: armed.sizes };
    }
    let oneTrip: { acquire: { json: string }; verify: VerifyLines; finish: { needle: string } } | undefined;
    if (opts.oneTrip) {
      if (!journal || arm) throw new Error('a one-trip write is journaled and has no confirm-or-revert');
      const states = this.readStates(opts.oneTrip.unchangedSince);
      if (!states) throw new NotTaken(this.host, 'unverifiable');
      const held: LockInfo = { ...opts.oneTrip.lock, since: new Date().toISOString() };
      oneTrip = { acquire: { json: JSON.stringify(held) }, verify: verifyLines(states), finish: { needle: `"opId":${JSON.stringify(opts.oneTrip.lock.opId)}` } };
    }
    const checks = new CheckCollector(opts.onCheck);
    const marker = newMarker();
    const applied: number[] = [];
    const out = await this.runScript({
      marker,
      script: writeScript({
        marker,
        run,
        root: this.root,
        ops: prepared,
        ...(lock ? { lock } : {}),
        ...(journal ? { journal } : {}),
        ...(opts.checks ? { checks: opts.checks } : {}),
        ...(arm ? { arm } : {}),
        ...(oneTrip ?? {}),
      }),
      payload,
      stdout: 'lines',
      onStatus: (s) => {
        if (checks.take(s)) return;
        const armed = /^armed (\d+) (systemd|process)$/.exec(s);
        if (armed) {
          opts.onArmed?.({ seconds: Number(armed[1]), how: armed[2] as Armed['how'], deadline: new Date(Date.now() + Number(armed[1]) * 1000) });
          return;
        }
        const m = /^ok (\d+)$/.exec(s);
        const i = m ? Number(m[1]) : -1;
        const op = ops[i];
        const t = targets[i];
        if (op && t) {
          applied.push(i);
          opts.onFile?.({ path: t.logical, action: op.action });
        }
      },
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      what: 'writing files',
    });
    this.checkRoot(out);
    if (oneTrip && !out.status.includes('acquired')) {
      if (out.status.some((s) => s.startsWith('held'))) throw new NotTaken(this.host, 'held');
      if (out.status.includes('busy')) throw new NotTaken(this.host, 'busy');
      if (out.status.includes('escape')) throw new HostError(this.host, 'root-escape', `refusing the lock folder ${LOCK_DIR}: it resolves outside konf_root ${this.root}`);
      const fail = out.status.find((s) => s.startsWith('fail ') && !/^fail \d/.test(s));
      if (fail) throw new HostError(this.host, 'remote-failed', `lock: ${fail.slice(5)} failed: ${tail(out.errLines) || 'no message'}`);
    }
    if (oneTrip && out.status.includes('changed')) throw new NotTaken(this.host, 'changed');
    const appliedPaths = applied.map((i) => targets[i]?.logical as string);
    const journaled = out.status.includes('journal');
    if (journal && out.status.includes('journal') && !out.status.includes('commit')) {
      throw new HostError(this.host, 'remote-failed', `an unfinished operation's journal is on the host (${LOCK_DIR}/journal): it must be recovered first; nothing was written`);
    }
    if (out.status.includes('refused')) {
      const stage = out.status.includes('commit') ? 'set' : 'file';
      const restored = stage === 'set' && out.status.includes('restored');
      const where = stage === 'file' ? 'nothing was renamed' : restored ? 'every file was swapped back from the journal' : 'the host could not swap every file back: its journal is kept';
      throw new CheckFailedError(this.host, `refused by ${checks.failed.length} check(s) of etc/validate; ${where}`, stage, checks.results, restored);
    }
    const result = this.finishWrite(ops, targets, out, appliedPaths, journaled);
    return oneTrip ? { ...result, released: out.status.includes('released') && out.status.includes('closed') } : result;
  }

  /** What the entries read hold, as the write script verifies them (undefined: a state it cannot verify). */
  private readStates(entries: LiveEntry[]): ReadState[] | undefined {
    const states: ReadState[] = [];
    for (const e of entries) {
      const path = onHost(this.root, targetPath(this.host, e.path).logical);
      if (e.state === 'missing') states.push({ path, state: 'missing' });
      else if (e.state === 'file') states.push({ path, state: 'file', mode: e.mode, uid: e.uid, gid: e.gid, sha256: e.sha256 });
      else if (e.state === 'symlink') states.push({ path, state: 'symlink', target: e.target, uid: e.uid, gid: e.gid });
      else return undefined;
    }
    return states;
  }

  /**
   * Stages every file as a write would (temp beside its target, metadata set) and runs the
   * file checks on the staged copies, then removes the temps (and folders it created):
   * nothing is renamed. Needs no lock: it never removes other runs' temps.
   */
  async stageAndCheck(ops: WriteOp[], checks: RemoteChecks, opts: CallOptions & { onCheck?: (r: CheckResult) => void } = {}): Promise<CheckResult[]> {
    if (ops.length === 0 || checks.files.length === 0) return [];
    const { run, targets, prepared, payload } = this.prepare(ops);
    const collector = new CheckCollector(opts.onCheck);
    const marker = newMarker();
    const out = await this.runScript({
      marker,
      script: writeScript({ marker, run, root: this.root, ops: prepared, checks, stageOnly: true }),
      payload,
      stdout: 'lines',
      onStatus: (s) => void collector.take(s),
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      what: 'staging files for their checks',
    });
    this.checkRoot(out);
    if (!out.status.includes('checked')) {
      const esc = out.status.map((s) => /^escape (\d+)$/.exec(s)).find((m) => m);
      if (esc) throw new HostError(this.host, 'root-escape', `refusing to stage ${targets[Number(esc[1])]?.logical}: its folder resolves outside konf_root ${this.root}`);
      const fail = out.status.map((s) => /^fail (\d+) (\S+)$/.exec(s)).find((m) => m);
      const what = fail ? `cannot stage ${targets[Number(fail[1])]?.logical} (${STEP_TEXT[fail[2] as string] ?? fail[2]})` : `staging did not complete (${out.code === null ? 'the connection closed' : `exit ${out.code}`})`;
      throw new HostError(this.host, 'remote-failed', `${what}${out.errLines.length ? `: ${tail(out.errLines)}` : ''}; nothing was changed`);
    }
    return collector.results;
  }

  /** Paths, temps and payload of a batch (checked: nothing leaves the root, no path twice). */
  private prepare(ops: WriteOp[]): { run: string; targets: TargetPath[]; prepared: PreparedOp[]; payload: Buffer[] } {
    const run = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const targets: TargetPath[] = [];
    const prepared: PreparedOp[] = [];
    const payload: Buffer[] = [];
    const seen = new Set<string>();
    ops.forEach((op, i) => {
      const t = targetPath(this.host, op.path);
      if (t.parent === undefined) throw new HostError(this.host, 'root-escape', `refusing to ${op.action === 'remove' ? 'remove' : 'write'} the root folder itself`);
      if (seen.has(t.logical)) throw new Error(`write batch for ${this.host} names ${t.logical} twice`);
      seen.add(t.logical);
      targets.push(t);
      const dir = onHost(this.root, t.parent);
      const path = onHost(this.root, t.logical);
      const temp = `${dir === '/' ? '' : dir}/${TEMP_PREFIX}${run}-${i}-${tempLabel(t.name)}`;
      if (op.action === 'remove') {
        prepared.push({ kind: 'remove', path, dir });
        return;
      }
      const owner = checkName(op.owner, 'owner', t.logical);
      const group = checkName(op.group, 'group', t.logical);
      if (op.action === 'file') {
        if (op.mode !== undefined && (!Number.isInteger(op.mode) || op.mode < 0 || op.mode > 0o7777)) throw new Error(`invalid mode ${op.mode} for ${t.logical}`);
        const mode = op.mode === undefined ? '' : op.mode.toString(8).padStart(4, '0');
        prepared.push({ kind: 'file', path, dir, temp, size: op.content.length, mode, owner, group });
        payload.push(op.content);
      } else {
        if (op.target === '' || op.target.includes('\0')) throw new Error(`invalid symlink target for ${t.logical}`);
        prepared.push({ kind: 'symlink', path, dir, temp, target: op.target, owner, group });
      }
    });
    return { run, targets, prepared, payload };
  }

  /** Reads a write script's outcome: its errors as WriteErrors, else what it did. */
  private finishWrite(ops: WriteOp[], targets: TargetPath[], out: ScriptOutput, appliedPaths: string[], journaled: boolean): WriteResult {
    const hostRestored = out.status.includes('restored');
    const restoredNote = hostRestored ? '; the host put every file back from its journal' : out.status.includes('unrestored') ? '; the host could not put every file back: its journal is kept' : '';
    for (const s of out.status) {
      if (s.startsWith('notours')) {
        const held = s.slice('notours'.length).trim();
        throw new HostError(
          this.host,
          'locked',
          held ? `the host lock is no longer held by this operation: locked by ${describeLock(parseLock(held))}; nothing was written` : 'the host lock is no longer held by this operation (it was removed); nothing was written',
        );
      }
      const esc = /^escape (\d+)$/.exec(s);
      if (esc) {
        const t = targets[Number(esc[1])];
        throw new WriteError(this.host, 'root-escape', `refusing to write ${t?.logical}: its folder resolves outside konf_root ${this.root} (a symlinked parent); nothing was written`, t?.logical, appliedPaths, true);
      }
      const fail = /^fail (\d+) (\S+)$/.exec(s);
      if (fail) {
        const t = targets[Number(fail[1])];
        const step = STEP_TEXT[fail[2] as string] ?? (fail[2] as string);
        const committed = out.status.includes('commit');
        const what = committed ? (appliedPaths.length ? `; ${appliedPaths.length} of ${ops.length} changes were already applied` : '; nothing was changed') : '; nothing was changed';
        const message = `cannot write ${t?.logical} (${step})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}${journaled ? restoredNote || what : what}`;
        if (journaled) throw new JournaledWriteError(this.host, message, t?.logical, appliedPaths, hostRestored);
        throw new WriteError(this.host, 'remote-failed', message, t?.logical, appliedPaths, !committed);
      }
    }
    if (!out.status.includes('done')) {
      const how = out.code === null ? 'the connection closed' : `exit ${out.code}`;
      if (journaled) {
        throw new JournaledWriteError(
          this.host,
          `the write did not complete (${how})${out.errLines.length ? `: ${tail(out.errLines)}` : ''}; ${appliedPaths.length} of ${ops.length} changes were applied${restoredNote}`,
          undefined,
          appliedPaths,
          hostRestored,
        );
      }
      throw new WriteError(
        this.host,
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
    return { files: targets.map((t, i) => ({ path: t.logical, action: (ops[i] as WriteOp).action })), createdDirs, staleTempsRemoved };
  }

  // -------------------------------------------------------------------------------------
  // Running hooks

  /**
   * Runs a script on the host (any shebang; none = sh): uploaded over stdin into a
   * mktemp file, environment exported from stdin (never on a command line), output
   * streamed line by line through onLine while it runs. Resolves with its exit status;
   * timeout / abort kill its process group and reject with HostError 'timeout'/'cancelled'.
   */
  async run(script: Buffer | string, opts: HookRunOptions = {}): Promise<RunResult> {
    const name = opts.name ?? 'command';
    const body = typeof script === 'string' ? Buffer.from(script) : script;
    const env = opts.env ?? {};
    for (const k of Object.keys(env)) if (!ENV_NAME.test(k)) throw new Error(`invalid environment variable name ${JSON.stringify(k)} for ${name}`);
    const marker = newMarker();
    const tag = randomBytes(12).toString('hex');
    let stdout = '';
    let stderr = '';
    let pids: { group: number; wrapper: number } | undefined;
    let wrapperError: string | undefined;
    const payload = [body];
    if (opts.stdin !== undefined) payload.push(typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin);
    let out: ScriptOutput;
    try {
      out = await this.runScript({
        marker,
        script: runScript({ marker, size: body.length, env, tag }),
        payload,
        stdout: 'lines',
        onStdoutLine: (line) => {
          stdout = capped(stdout, line);
          opts.onLine?.({ stream: 'stdout', line });
        },
        onStderrLine: (line) => {
          stderr = capped(stderr, line);
          opts.onLine?.({ stream: 'stderr', line });
        },
        onStatus: (s) => {
          // The first report only, and only real process ids: a group id of 0 or 1 would
          // mean every process to kill(2). (killScript does not trust it either.)
          const m = /^pid (\d{1,9}) (\d{1,9})$/.exec(s);
          if (m && pids === undefined && Number(m[1]) > 1 && Number(m[2]) > 1) pids = { group: Number(m[1]), wrapper: Number(m[2]) };
          else if (s.startsWith('error ')) wrapperError = s.slice(6);
        },
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        what: `running ${name}`,
      });
    } catch (err) {
      if (err instanceof HostError && (err.kind === 'timeout' || err.kind === 'cancelled')) {
        if (pids) await this.kill(tag);
        const msg = err.kind === 'timeout' ? `${name} timed out after ${opts.timeoutMs} ms and was stopped` : `${name} was cancelled`;
        throw new HostError(this.host, err.kind, msg, { cause: err });
      }
      throw err;
    }
    if (wrapperError !== undefined) throw new HostError(this.host, 'remote-failed', `cannot run ${name}: ${wrapperError}`);
    if (out.code === null) {
      throw new HostError(this.host, 'remote-failed', `${name} did not finish: ${out.signal ? `killed by ${out.signal}` : 'the connection closed before it exited'}`);
    }
    return { code: out.code, stdout, stderr };
  }

  /** Stops the processes of the hook run with this tag (found on the host by their tag). */
  private async kill(tag: string): Promise<void> {
    const marker = newMarker();
    try {
      await this.runScript({ marker, script: killScript(marker, tag), stdout: 'lines', timeoutMs: 5000, what: 'stopping a command' });
    } catch {
      // best effort: the host may be gone; the closed channel is the last resort
    }
  }

  // -------------------------------------------------------------------------------------
  // Locks

  /**
   * Takes the host lock (`<konf_root>/var/lib/konf/lock`, atomic create). Held by
   * someone else → LockedError "locked by alice@jump (pid N, deploy) since …" (its
   * `holder` says who). breakLock removes an existing lock first and reports whose it
   * was; breakIf (an op id) removes it only while it still holds that operation's lock.
   * A journal of an unfinished operation found on the host is returned (see recoverJournal).
   */
  async acquireLock(
    req: LockRequest,
    opts: CallOptions & { breakLock?: boolean; breakIf?: string } = {},
  ): Promise<{ lock: LockInfo; broken?: LockInfo; journal?: HostJournal }> {
    const lock: LockInfo = { operator: req.operator, jumpHost: req.jumpHost, pid: req.pid, operation: req.operation, opId: req.opId, since: new Date().toISOString() };
    if (req.pidStart !== undefined) lock.pidStart = req.pidStart;
    const marker = newMarker();
    const run = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const script = acquireLockScript({
      marker,
      run,
      root: this.root,
      lockDir: onHost(this.root, LOCK_DIR),
      json: JSON.stringify(lock),
      breakLock: opts.breakLock ?? false,
      ...(opts.breakIf !== undefined ? { breakIf: `"opId":${JSON.stringify(opts.breakIf)}` } : {}),
    });
    const out = await this.runScript({ marker, script, stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'taking the lock' });
    this.checkLockScript(out);
    let broken: LockInfo | undefined;
    let journal: HostJournal | undefined;
    for (const s of out.status) {
      if (s.startsWith('broken ')) broken = parseLock(s.slice(7));
      if (s.startsWith('journal ')) journal = parseJournal(this.host, Buffer.from(s.slice(8), 'base64').toString('utf8'), this.root);
      if (s === 'acquired') return { lock, ...(broken ? { broken } : {}), ...(journal ? { journal } : {}) };
      if (s.startsWith('held')) {
        const holder = parseLock(s.slice(4).trim());
        throw new LockedError(this.host, `locked by ${describeLock(holder)}`, holder);
      }
    }
    throw new HostError(this.host, 'remote-failed', `taking the lock failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
  }

  /**
   * Removes the lock only if it holds opId. True when removed; false when absent or
   * someone else's. closeJournal (an op id) first closes that operation's journal: the
   * old versions kept for it are deleted, so call it only once the host is finished (or
   * its journal recovered).
   */
  async releaseLock(opId: string, opts: CallOptions & { closeJournal?: string } = {}): Promise<boolean> {
    const marker = newMarker();
    const script = releaseLockScript({
      marker,
      root: this.root,
      lockDir: onHost(this.root, LOCK_DIR),
      needle: `"opId":${JSON.stringify(opId)}`,
      ...(opts.closeJournal !== undefined ? { closeJournal: opts.closeJournal } : {}),
    });
    const out = await this.runScript({ marker, script, stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'releasing the lock' });
    this.checkLockScript(out);
    if (out.status.includes('released')) return true;
    if (out.status.includes('absent') || out.status.some((s) => s.startsWith('other'))) return false;
    throw new HostError(this.host, 'remote-failed', `releasing the lock failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
  }

  /**
   * Confirm-or-revert, run over a NEW connection (it is the access probe): disarms the
   * revert operation `opId` armed; only when that worked, closes its journal and releases
   * its lock, in the same round trip. Any other decision ('reverted', 'reverting': the
   * host took it; 'crashed'; 'unarmed') leaves journal and lock alone for the caller.
   */
  async confirmAndRelease(opId: string, opts: CallOptions = {}): Promise<{ decision: RevertDecision; released: boolean }> {
    const marker = newMarker();
    const script = releaseLockScript({ marker, root: this.root, lockDir: onHost(this.root, LOCK_DIR), needle: `"opId":${JSON.stringify(opId)}`, closeJournal: opId, disarm: opId });
    const out = await this.runScript({ marker, script, stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'confirming access' });
    this.checkLockScript(out);
    const revert = out.status.map((s) => /^revert (reverted|reverting|crashed|unarmed)$/.exec(s)).find((m) => m);
    if (revert) return { decision: revert[1] as RevertDecision, released: false };
    if (!out.status.includes('disarmed')) throw new HostError(this.host, 'remote-failed', `confirming access failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
    if (out.status.includes('released')) return { decision: 'disarmed', released: true };
    if (out.status.includes('absent') || out.status.some((s) => s.startsWith('other'))) return { decision: 'disarmed', released: false };
    throw new HostError(this.host, 'remote-failed', `releasing the lock failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
  }

  /**
   * Closes operation `op`'s journal without releasing the lock: the old versions it kept
   * are deleted. True when there was one to close.
   */
  async closeJournal(op: string, opts: CallOptions = {}): Promise<boolean> {
    const marker = newMarker();
    const script = releaseLockScript({ marker, root: this.root, lockDir: onHost(this.root, LOCK_DIR), needle: '', closeJournal: op, keepLock: true });
    const out = await this.runScript({ marker, script, stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'closing the journal' });
    this.checkLockScript(out);
    return out.status.includes('closed');
  }

  /** The current lock holder (or undefined), and whether an unfinished operation's journal is on the host. */
  async readLock(opts: CallOptions = {}): Promise<LockInfo | undefined> {
    return (await this.readLockState(opts)).lock;
  }

  async readLockState(opts: CallOptions = {}): Promise<{ lock?: LockInfo; journal: boolean }> {
    const marker = newMarker();
    const out = await this.runScript({ marker, script: readLockScript(marker, onHost(this.root, LOCK_PATH)), stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'reading the lock' });
    const held = out.status.find((s) => s.startsWith('lock'));
    const journal = out.status.includes('journal');
    return held === undefined ? { journal } : { lock: parseLock(held.slice(4).trim()), journal };
  }

  /**
   * Puts the host back from the journal an unfinished operation left (only `expectOp`'s,
   * when given): waits for (or stops) the journal's writer if it still runs on the host,
   * renames every backup over its target, removes files that did not exist before, the
   * temps and the folders the write created. Repeatable: an entry already back is left
   * as it is. The journal stays (marked restored) until releaseLock closes it. Call it
   * only while holding the host lock.
   */
  async recoverJournal(opts: CallOptions & { expectOp?: string } = {}): Promise<JournalRecovery> {
    const marker = newMarker();
    const script = recoverScript({ marker, root: this.root, lockDir: onHost(this.root, LOCK_DIR), ...(opts.expectOp !== undefined ? { expectOp: opts.expectOp } : {}) });
    const out = await this.runScript({ marker, script, stdout: 'lines', signal: opts.signal, timeoutMs: opts.timeoutMs, what: 'recovering the journal' });
    this.checkLockScript(out);
    if (out.status.includes('none') || out.status.includes('other')) return { restored: [], failed: [], complete: true };
    const text = out.status.find((s) => s.startsWith('journal '));
    if (text === undefined) throw new HostError(this.host, 'remote-failed', `recovering the journal failed (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
    const journal = parseJournal(this.host, Buffer.from(text.slice(8), 'base64').toString('utf8'), this.root);
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
      throw new HostError(this.host, 'remote-failed', `the host is still putting itself back (its confirm-or-revert revert has run for ${REVERT_WAIT_SEC} s): its journal stays; run konf again once it is done`);
    }
    const complete = out.status.includes('restored');
    if (!complete && failed.length === 0) {
      throw new HostError(this.host, 'remote-failed', `recovering the journal did not finish (exit ${out.code ?? 'unknown'}): ${tail(out.errLines) || 'no message'}`);
    }
    return { journal, restored, failed, complete, ...(writer ? { writer } : {}), ...(revert ? { revert } : {}) };
  }

  private checkLockScript(out: ScriptOutput): void {
    this.checkRoot(out);
    if (out.status.includes('escape')) throw new HostError(this.host, 'root-escape', `refusing the lock folder ${LOCK_DIR}: it resolves outside konf_root ${this.root}`);
    const fail = out.status.find((s) => s.startsWith('fail '));
    if (fail) throw new HostError(this.host, 'remote-failed', `lock: ${fail.slice(5)} failed: ${tail(out.errLines) || 'no message'}`);
  }

  // -------------------------------------------------------------------------------------
  // The one way konf runs anything on the host

  private checkRoot(out: ScriptOutput): void {
    if (out.status.includes('noroot')) throw new HostError(this.host, 'remote-failed', `konf_root ${this.root} does not exist on the host (or cannot be entered)`);
  }

  private async runScript(r: ScriptRun): Promise<ScriptOutput> {
    if (r.signal?.aborted) throw new HostError(this.host, 'cancelled', `${r.what}: cancelled`);
    const script = Buffer.from(r.script);
    // A large payload (a 200 MB file) goes out in its parts, never joined into a copy.
    const payloadBytes = r.payload?.reduce((n, b) => n + b.length, 0) ?? 0;
    const stdin = !r.payload?.length ? script : payloadBytes > LARGE_FILE_BYTES ? [script, ...r.payload] : Buffer.concat([script, ...r.payload]);
    const command = commandFor(script.length, this.become);
    const statusPrefix = `${r.marker} `;
    const status: string[] = [];
    const errLines: string[] = [];
    const data: Buffer[] = [];
    const outFilter = new MarkerFilter(r.marker);
    const errFilter = new MarkerFilter(r.marker);
    const statusOr = (other: (line: string) => void) => (line: string) => {
      if (line.startsWith(statusPrefix)) {
        const s = line.slice(statusPrefix.length);
        status.push(s);
        r.onStatus?.(s);
      } else other(line);
    };
    const outLines = new LineSplitter(statusOr((line) => r.onStdoutLine?.(line)));
    const errSplit = new LineSplitter(
      statusOr((line) => {
        errLines.push(line);
        if (errLines.length > 200) errLines.shift();
        r.onStderrLine?.(line);
      }),
    );

    const ac = new AbortController();
    let reason: 'timeout' | 'cancelled' | undefined;
    const stop = (why: 'timeout' | 'cancelled') => {
      if (reason) return;
      reason = why;
      ac.abort();
    };
    const onAbort = () => stop('cancelled');
    r.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = r.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), r.timeoutMs) : undefined;
    const aborted = new Promise<never>((_, reject) => {
      ac.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    aborted.catch(() => undefined);

    let result: ExecResult;
    try {
      result = await Promise.race([
        this.channel.exec(command, {
          stdin,
          signal: ac.signal,
          onStdout: (chunk) => {
            const rest = outFilter.push(chunk);
            if (!rest.length) return undefined;
            if (r.stdout === 'raw') {
              if (r.onData) return r.onData(rest);
              data.push(rest);
            } else outLines.push(rest);
            return undefined;
          },
          onStderr: (chunk) => {
            const rest = errFilter.push(chunk);
            if (rest.length) errSplit.push(rest);
          },
        }),
        aborted,
      ]);
    } catch (err) {
      if (reason === 'timeout') throw new HostError(this.host, 'timeout', `${r.what}: timed out after ${r.timeoutMs} ms`, { cause: err });
      if (reason === 'cancelled') throw new HostError(this.host, 'cancelled', `${r.what}: cancelled`, { cause: err });
      if (err instanceof HostError) throw err;
      throw new HostError(this.host, 'unreachable', `${r.what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      if (timer) clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
    }
    if (r.stdout === 'lines') outLines.end();
    errSplit.end();

    if (!outFilter.seen) {
      const said = `${errFilter.unmarked()}\n${outFilter.unmarked()}`.trim();
      const sudoLine = said.split('\n').find((l) => l.startsWith('sudo:'));
      if (this.become === 'sudo' && sudoLine) {
        throw new HostError(
          this.host,
          'sudo-failed',
          `sudo -n failed (${sudoLine.replace(/^sudo:\s*/, '')}): konf_become=sudo needs passwordless sudo (NOPASSWD) for the SSH user; nothing was done`,
        );
      }
      const how = result.code === null ? (result.signal ? `killed by ${result.signal}` : 'the connection closed') : `exit ${result.code}`;
      throw new HostError(this.host, 'remote-failed', `${r.what}: the remote shell did not run konf's script (${how})${said ? `: ${lastLines(said)}` : ''}`);
    }
    return { code: result.code, ...(result.signal ? { signal: result.signal } : {}), data: Buffer.concat(data), status, errLines };
  }
}

function tail(lines: string[]): string {
  return lines.filter((l) => l.trim() !== '').slice(-3).join(' | ');
}

function lastLines(text: string): string {
  return tail(text.split('\n'));
}

function capped(acc: string, line: string): string {
  return acc.length > 4_000_000 ? acc : `${acc}${line}\n`;
}

function tempLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 80);
}

function checkName(v: string | undefined, what: string, path: string): string {
  if (v === undefined) return '';
  if (v === '' || /[:\s\0]/.test(v)) throw new Error(`invalid ${what} ${JSON.stringify(v)} for ${path}`);
  return v;
}
