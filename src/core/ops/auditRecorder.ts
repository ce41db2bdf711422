/** The audit recorder: an EventSink that turns an operation's events into one audit record. */
import os from 'node:os';
import { AUDIT_MAX_CHANGED, AuditLog, type AuditHostResult, type AuditRecord } from './audit.js';
import { summarizeArgv } from './auditArgv.js';
import type { EventSink, OperationKind, OpEvent } from './events.js';
import { operator as currentOperator } from './operator.js';

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
