/**
 * The audit log: `<state>/audit.log`, one JSON object a line (mode 0600, in the private
 * state folder), one line per operation: who (operator, jump host, pid), what (kind,
 * hosts, dry run, an argv summary with secret-looking values masked), when (start, end)
 * and how it went (per-host outcome, message, snapshot id, changed paths).
 *
 * Each record is appended with one write on a file opened O_APPEND, so concurrent konf
 * processes never interleave within a line. Texts come from the event stream, which the
 * operations mask before emitting; the argv summary is masked by auditArgv.ts.
 *
 * `readAudit` returns records oldest first, newest last (the file's order, like `tail`);
 * `limit` keeps the newest N.
 */
import { Mutex } from '../util/mutex.js';
import { appendFileSync, mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../store/stateDir.js';
import type { HostOutcome, OperationKind } from './events.js';

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
