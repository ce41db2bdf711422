/**
 * Everything konf does on one host, over any ExecChannel: read the live state of a list
 * of paths, write a batch of files atomically, run hook scripts, take and release the
 * host lock. Each call is ONE remote command (one round trip), whatever the number of
 * files; the scripts are in scripts/, how they run in scriptRunner.ts,
 * what their answers mean in resultParsers.ts.
 */
import { randomBytes } from 'node:crypto';
import { HostError } from '../errors.js';
import { newMarker } from './framing.js';
import { normaliseRoot, onHost, targetPath } from './paths.js';
import {
  LOCK_DIR,
  LOCK_PATH,
  acquireLockScript,
  killScript,
  readLockScript,
  readFolders,
  readScript,
  recoverScript,
  releaseLockScript,
  runScript,
  verifyLines,
  writeScript,
  type VerifyLines,
} from './scripts/index.js';
import { parseJournal, type HostJournal } from './journal.js';
import { CheckCollector, type CheckResult, type RemoteChecks } from './checks.js';
import { SAFE_OP, armPayload, revertProgram } from './revert.js';
import { TarReader, tarQuoted, type TarItem } from './tar.js';
import { LARGE_FILE_BYTES } from './types.js';
import type { ExecChannel, LiveEntry, LockInfo, LockRequest, RunResult, WriteOp, WriteResult } from './types.js';
import { LockedError, NotTaken, describeLock, parseLock } from './remoteErrors.js';
import type { Armed, CallOptions, HookRunOptions, JournalRecovery, ReadOptions, RemoteHostOptions, RevertDecision, WriteOptions } from './remoteOptions.js';
import { STEP_TEXT, liveEntryFor, recoveryOutcome, writeOutcome, writeRefusal } from './resultParsers.js';
import { checkRoot, runRemoteScript, tail, type ScriptOutput, type ScriptRun } from './scriptRunner.js';
import { prepareBatch, readStatesOf } from './writeBatch.js';

export * from './remoteErrors.js';
export type * from './remoteOptions.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
    const prefixes = new Map(unique.map((t) => [`tar: ${t.rel === '.' ? '.' : `./${tarQuoted(t.rel)}`}: `, t.logical]));
    const tarErrors = new Map<string, string>();
    const rels = unique.map((t) => t.rel);
    const out = await this.runScript({
      marker,
      script: readScript(marker, this.root, rels),
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
    const folders = readFolders(rels);
    for (const s of out.status) {
      const m = /^outside (\d+)$/.exec(s);
      for (const i of m ? (folders[Number(m[1])] ?? []) : []) classified.set(i, 'outside');
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
    unique.forEach((t, i) => byPath.set(t.logical, liveEntryFor(t, classified.get(i), byName.get(t.rel === '.' ? '' : t.rel), tarErrors.get(t.logical))));
    return targets.map((t) => ({ ...(byPath.get(t.logical) as LiveEntry) }));
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
    const { run, targets, prepared, payload, archiveBytes } = prepareBatch(this.host, this.root, ops);
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
      const states = readStatesOf(this.host, this.root, opts.oneTrip.unchangedSince);
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
        archiveBytes,
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
    writeRefusal(this.host, this.root, out, oneTrip !== undefined, journal !== undefined, checks);
    const appliedPaths = applied.map((i) => targets[i]?.logical as string);
    const journaled = out.status.includes('journal');
    const result = writeOutcome(this.host, this.root, ops, targets, out, appliedPaths, journaled);
    return oneTrip ? { ...result, released: out.status.includes('released') && out.status.includes('closed') } : result;
  }

  /**
   * Stages every file as a write would (in its folder's staging folder, metadata set) and runs the
   * file checks on the staged copies, then removes the temps (and folders it created):
   * nothing is renamed. Needs no lock: it never removes other runs' temps.
   */
  async stageAndCheck(ops: WriteOp[], checks: RemoteChecks, opts: CallOptions & { onCheck?: (r: CheckResult) => void } = {}): Promise<CheckResult[]> {
    if (ops.length === 0 || checks.files.length === 0) return [];
    const { run, targets, prepared, payload, archiveBytes } = prepareBatch(this.host, this.root, ops);
    const collector = new CheckCollector(opts.onCheck);
    const marker = newMarker();
    const out = await this.runScript({
      marker,
      script: writeScript({ marker, run, root: this.root, ops: prepared, archiveBytes, checks, stageOnly: true }),
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
    return recoveryOutcome(this.host, this.root, out);
  }

  private checkLockScript(out: ScriptOutput): void {
    this.checkRoot(out);
    if (out.status.includes('escape')) throw new HostError(this.host, 'root-escape', `refusing the lock folder ${LOCK_DIR}: it resolves outside konf_root ${this.root}`);
    const fail = out.status.find((s) => s.startsWith('fail '));
    if (fail) throw new HostError(this.host, 'remote-failed', `lock: ${fail.slice(5)} failed: ${tail(out.errLines) || 'no message'}`);
  }

  // -------------------------------------------------------------------------------------
  // -------------------------------------------------------------------------------------
  // The one way konf runs anything on the host (scriptRunner.ts)

  private checkRoot(out: ScriptOutput): void {
    checkRoot(this.host, this.root, out);
  }

  private runScript(r: ScriptRun): Promise<ScriptOutput> {
    return runRemoteScript(this.channel, this.host, this.become, r);
  }
}

function capped(acc: string, line: string): string {
  return acc.length > 4_000_000 ? acc : `${acc}${line}\n`;
}
