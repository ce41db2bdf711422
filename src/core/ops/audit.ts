/**
 * The audit log: `<state>/audit.log`, one JSON object a line (mode 0600, in the private
 * state folder), one line per operation: who (operator, jump host, pid), what (kind,
 * hosts, dry run, an argv summary with secret-looking values masked), when (start, end)
 * and how it went (per-host outcome, message, snapshot id, changed paths).
 *
 * Each record is appended with one write on a file opened O_APPEND, so concurrent konf
 * processes never interleave within a line. Texts come from the event stream, which the
 * operations mask before emitting; the argv summary is masked here.
 *
 * `readAudit` returns records oldest first, newest last (the file's order, like `tail`);
 * `limit` keeps the newest N.
 */
import { Mutex } from '../util/mutex.js';
import { appendFileSync, mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePrivateDir } from '../store/stateDir.js';
import type { EventSink, HostOutcome, OperationKind, OpEvent } from './events.js';
import { operator as currentOperator } from './operator.js';

export const AUDIT_FILE = 'audit.log';
/** At most this many changed paths per host are listed (changedCount has the total). */
export const AUDIT_MAX_CHANGED = 200;

export interface AuditHostResult {
  outcome: HostOutcome;
  /** The host's final message (already masked by the operation). */
  text?: string;
  /** Error kind (HostError kind or "error") when the host failed. */
  error?: string;
  /** Snapshot taken for this host in this operation (commit id). */
  snapshot?: string;
  changed?: string[];
  changedCount?: number;
  /** What else happened on the host: a lock taken over or broken, a journal recovered. */
  notes?: string[];
}

export interface AuditRecord {
  v: 1;
  op: string;
  kind: OperationKind;
  /**
   * 'completed': op-end was seen. 'interrupted': a signal, a closed output or the console
   * quitting stopped it (each host's result says how it ended), or the process stopped or
   * gave up mid-operation (hosts without a result are 'skipped', "not finished").
   */
  status: 'completed' | 'interrupted';
  ok: boolean;
  operator: string;
  /** The machine konf ran on. */
  jumpHost: string;
  pid: number;
  dryRun: boolean;
  /** ISO times. */
  start: string;
  end: string;
  durationMs: number;
  /** Command line summary, secret-looking values masked. */
  argv: string[];
  hosts: string[];
  results: Record<string, AuditHostResult>;
  /** host → snapshot id, for every host that got one. */
  snapshots: Record<string, string>;
  /** host → error message, for every host that failed. */
  errors: Record<string, string>;
  summary: Partial<Record<HostOutcome, number>>;
  /** The operation's closing line (or why it was interrupted). */
  text: string;
}

export interface AuditFilter {
  /** Only operations that involved this host. */
  host?: string;
  /** Only this operation kind. */
  kind?: OperationKind;
  /** Keep the newest N (after filtering). */
  limit?: number;
}

export function auditLogPath(stateDir: string): string {
  return path.join(stateDir, AUDIT_FILE);
}

export class AuditLog {
  readonly path: string;
  private prepared: Promise<void> | undefined;
  private readonly order = new Mutex();

  constructor(readonly stateDir: string) {
    this.path = auditLogPath(stateDir);
  }

  /**
   * Appends one record as one line, in a single O_APPEND write. Appends from this
   * instance land in call order (one after another), so the log reads in time order.
   */
  append(record: AuditRecord): Promise<void> {
    return this.order.run(async () => {
      this.prepared ??= this.prepare();
      try {
        await this.prepared;
      } catch (err) {
        this.prepared = undefined;
        throw err;
      }
      await fs.appendFile(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'a' });
    });
  }

  /** Synchronous append, for process exit handlers only. */
  appendSync(record: AuditRecord): void {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    appendFileSync(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: 'a' });
  }

  /** Records oldest first, newest last; malformed lines (a torn write) are skipped. */
  async read(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: AuditRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isRecord(parsed)) continue;
      if (filter.host !== undefined && !parsed.hosts.includes(filter.host)) continue;
      if (filter.kind !== undefined && parsed.kind !== filter.kind) continue;
      records.push(parsed);
    }
    if (filter.limit !== undefined) return filter.limit <= 0 ? [] : records.slice(-filter.limit);
    return records;
  }

  private async prepare(): Promise<void> {
    await ensurePrivateDir(this.stateDir);
    try {
      const st = await fs.stat(this.path);
      if ((st.mode & 0o777) !== 0o600) await fs.chmod(this.path, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** The audit records in `stateDir`, oldest first, newest last (see AuditFilter). */
export function readAudit(stateDir: string, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  return new AuditLog(stateDir).read(filter);
}

/** Whether a parsed JSON value is an audit record (a line written by another konf, say). */
export function isRecord(value: unknown): value is AuditRecord {
  const r = value as Partial<AuditRecord> | null;
  return !!r && typeof r === 'object' && typeof r.op === 'string' && typeof r.kind === 'string' && Array.isArray(r.hosts);
}

const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|credential|api[-_]?key|private[-_]?key|^key$|[-_]key$/i;
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 200;

/**
 * The command line as recorded: at most 64 arguments of at most 200 characters; the
 * value of any secret-looking option (`--db-password=x`, `--token x`) or assignment
 * (`db_password=x`) becomes `***`.
 */
export function summarizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of argv.slice(0, MAX_ARGS)) {
    if (maskNext && !arg.startsWith('-')) {
      out.push('***');
      maskNext = false;
      continue;
    }
    maskNext = false;
    const option = /^(--?)([^=]+)(=.*)?$/s.exec(arg);
    const assignment = /^([A-Za-z_][\w.-]*)=/.exec(arg);
    if (option && SECRET_NAME.test(option[2] ?? '')) {
      if (option[3] !== undefined) out.push(`${option[1]}${option[2]}=***`);
      else {
        out.push(arg);
        maskNext = true;
      }
    } else if (!option && assignment && SECRET_NAME.test(assignment[1] ?? '')) {
      out.push(`${assignment[1]}=***`);
    } else {
      out.push(arg.length > MAX_ARG_LENGTH ? `${arg.slice(0, MAX_ARG_LENGTH)}…` : arg);
    }
  }
  if (argv.length > MAX_ARGS) out.push(`… ${argv.length - MAX_ARGS} more`);
  return out;
}

export interface AuditRecorderOptions {
  /** Command line to summarise (default: process.argv after the script). */
  argv?: string[];
  /** Default: os.hostname(). */
  jumpHost?: string;
  /** Used when the event stream carries none (default: operator()). */
  operator?: string;
  /** Write failures go here (default: a warning on stderr); they never break the operation. */
  onError?: (err: unknown) => void;
  /** Write an 'interrupted' record synchronously if the process exits mid-operation (default true). */
  recordOnExit?: boolean;
  now?: () => Date;
}

/** An EventSink that writes one audit record per operation, plus ways to wait and interrupt. */
export interface AuditRecorder extends EventSink {
  /** Resolves when every record handed to the log so far is written. */
  flush(): Promise<void>;
  /**
   * Writes an 'interrupted' record for every operation started but not ended (hosts
   * without a result are reported 'skipped'), e.g. from a SIGINT handler.
   */
  interrupt(reason: string): Promise<void>;
}

interface OpenOp {
  op: string;
  kind: OperationKind;
  hosts: string[];
  operator: string;
  dryRun: boolean;
  start: Date;
  results: Map<string, AuditHostResult>;
}

/** Recorders with operations in flight, for the process exit hook. */
const inFlight = new Set<{ onExit: () => void }>();
let exitHookInstalled = false;

function exitHook(): void {
  for (const entry of [...inFlight]) entry.onExit();
}

function track(entry: { onExit: () => void }, on: boolean): void {
  if (on) inFlight.add(entry);
  else inFlight.delete(entry);
  if (inFlight.size > 0 && !exitHookInstalled) {
    process.on('exit', exitHook);
    exitHookInstalled = true;
  } else if (inFlight.size === 0 && exitHookInstalled) {
    process.removeListener('exit', exitHook);
    exitHookInstalled = false;
  }
}

/**
 * Consumes an operation's events (op-start, host-result, op-end; others ignored) and
 * appends one record at op-end. `log` is an AuditLog or the state folder.
 */
export function auditRecorder(log: AuditLog | string, options: AuditRecorderOptions = {}): AuditRecorder {
  const audit = typeof log === 'string' ? new AuditLog(log) : log;
  const now = options.now ?? (() => new Date());
  const argv = summarizeArgv(options.argv ?? process.argv.slice(2));
  const jumpHost = options.jumpHost ?? os.hostname();
  const onError =
    options.onError ?? ((err: unknown) => process.stderr.write(`konf: could not write the audit log ${audit.path}: ${String(err)}\n`));
  const open = new Map<string, OpenOp>();
  /** Operations already recorded as interrupted: their late events are ignored. */
  const interrupted = new Set<string>();
  const writes = new Set<Promise<void>>();
  const exitEntry = {
    onExit: () => {
      for (const o of open.values()) {
        try {
          audit.appendSync(build(o, 'interrupted', false, 'process exited before the operation finished'));
        } catch (err) {
          onError(err);
        }
      }
      open.clear();
    },
  };

  const setTracking = () => {
    if (options.recordOnExit === false) return;
    track(exitEntry, open.size > 0);
  };

  const write = (record: AuditRecord): Promise<void> => {
    const p = audit.append(record).catch(onError);
    writes.add(p);
    void p.finally(() => writes.delete(p));
    return p;
  };

  const opFor = (event: OpEvent): OpenOp => {
    let o = open.get(event.op);
    if (!o) {
      o = {
        op: event.op,
        kind: 'kind' in event ? event.kind : 'check',
        hosts: [],
        operator: options.operator ?? currentOperator(),
        dryRun: false,
        start: new Date(event.time),
        results: new Map(),
      };
      open.set(event.op, o);
    }
    return o;
  };

  function build(o: OpenOp, status: AuditRecord['status'], ok: boolean, text: string, summary?: AuditRecord['summary']): AuditRecord {
    const end = now();
    const hosts = o.hosts.length > 0 ? o.hosts : [...o.results.keys()];
    const results: Record<string, AuditHostResult> = {};
    const snapshots: Record<string, string> = {};
    const errors: Record<string, string> = {};
    for (const host of hosts) {
      const r = o.results.get(host) ?? (status === 'interrupted' ? { outcome: 'skipped' as const, text: 'not finished' } : undefined);
      if (!r) continue;
      results[host] = r;
      if (r.snapshot) snapshots[host] = r.snapshot;
      if (r.error !== undefined || r.outcome === 'failed' || r.outcome === 'restored' || r.outcome === 'restore-failed' || r.outcome === 'recoverable' || r.outcome === 'reverted') {
        errors[host] = r.text ?? r.error ?? r.outcome;
      }
    }
    const counted: AuditRecord['summary'] = {};
    for (const r of Object.values(results)) counted[r.outcome] = (counted[r.outcome] ?? 0) + 1;
    return {
      v: 1,
      op: o.op,
      kind: o.kind,
      status,
      ok,
      operator: o.operator,
      jumpHost,
      pid: process.pid,
      dryRun: o.dryRun,
      start: o.start.toISOString(),
      end: end.toISOString(),
      durationMs: Math.max(0, end.getTime() - o.start.getTime()),
      argv,
      hosts,
      results,
      snapshots,
      errors,
      summary: summary ?? counted,
      text,
    };
  }

  const sink = (event: OpEvent): void => {
    if (interrupted.has(event.op)) return;
    switch (event.type) {
      case 'op-start': {
        const o = opFor(event);
        o.kind = event.kind;
        o.hosts = [...event.hosts];
        o.operator = event.operator || o.operator;
        o.dryRun = event.dryRun;
        o.start = new Date(event.time);
        setTracking();
        return;
      }
      case 'host-result': {
        const o = opFor(event);
        const changed = event.changed;
        o.results.set(event.host, {
          outcome: event.outcome,
          ...(event.text ? { text: event.text } : {}),
          ...(event.error !== undefined ? { error: event.error } : {}),
          ...(event.snapshot !== undefined ? { snapshot: event.snapshot } : {}),
          ...(changed !== undefined ? { changed: changed.slice(0, AUDIT_MAX_CHANGED), changedCount: changed.length } : {}),
          ...(event.notes?.length ? { notes: event.notes } : {}),
        });
        setTracking();
        return;
      }
      case 'op-end': {
        const o = opFor(event);
        o.kind = event.kind;
        open.delete(event.op);
        setTracking();
        void write(build(o, event.interrupted ? 'interrupted' : 'completed', event.ok, event.text, event.summary));
        return;
      }
      default:
        return;
    }
  };

  return Object.assign(sink, {
    async flush(): Promise<void> {
      while (writes.size > 0) await Promise.all([...writes]);
    },
    async interrupt(reason: string): Promise<void> {
      const pending = [...open.values()];
      for (const o of pending) interrupted.add(o.op);
      open.clear();
      setTracking();
      await Promise.all(pending.map((o) => write(build(o, 'interrupted', false, reason))));
    },
  });
}
