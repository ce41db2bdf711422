/**
 * The shape every multi-host operation shares: op-start, each host under bounded
 * concurrency (one host's failure never stops the others unless fail-fast), one
 * host-result per host, op-end with a summary. Events go to every sink given.
 */
import { errorMessage, HostError } from '../errors.js';
import { mapLimit } from '../util/mapLimit.js';
import { newOperationId, type EventSink, type HostOutcome, type OperationKind } from './events.js';
import { OpEmitter } from './emitter.js';

export interface HostResult {
  outcome: HostOutcome;
  text: string;
  snapshot?: string;
  error?: string;
  changed?: string[];
  notes?: string[];
}

export interface RunOperationOptions {
  kind: OperationKind;
  hosts: string[];
  operator: string;
  concurrency: number;
  dryRun?: boolean;
  failFast?: boolean;
  signal?: AbortSignal;
  sinks: (EventSink | undefined)[];
  mask?: (text: string) => string;
  op?: string;
  /** Runs after op-start, before any host (e.g. fetching the shared snapshot store). */
  prepare?: (emitter: OpEmitter) => Promise<void>;
}

export interface OperationReport {
  op: string;
  ok: boolean;
  results: Map<string, HostResult>;
}

const FAILED: ReadonlySet<HostOutcome> = new Set(['failed', 'restored', 'restore-failed', 'recoverable', 'reverted']);

/** Why an operation's signal was aborted, for messages (`interrupted (SIGINT)`). */
export function interruptReason(signal: AbortSignal | undefined): string | undefined {
  if (!signal?.aborted) return undefined;
  const r: unknown = signal.reason;
  return typeof r === 'string' ? r : r instanceof Error && r.name !== 'AbortError' ? r.message : 'cancelled';
}

export function isFailure(outcome: HostOutcome): boolean {
  return FAILED.has(outcome);
}

export async function runOperation(
  options: RunOperationOptions,
  perHost: (host: string, emitter: OpEmitter) => Promise<HostResult>,
): Promise<OperationReport> {
  const op = options.op ?? newOperationId();
  const emitter = new OpEmitter(op, options.sinks, options.mask);
  emitter.emit({ type: 'op-start', kind: options.kind, hosts: options.hosts, operator: options.operator, dryRun: options.dryRun ?? false });
  await options.prepare?.(emitter);
  const results = new Map<string, HostResult>();
  let stop = false;

  await mapLimit(options.hosts, options.concurrency, async (host) => {
    const result = stop && !options.signal?.aborted ? { outcome: 'skipped' as const, text: 'skipped (--fail-fast)' } : await hostResultOf(options, perHost, host, emitter);
    results.set(host, result);
    if (isFailure(result.outcome) && options.failFast) stop = true;
    emitHostResult(emitter, host, result);
  });

  return { op, ok: endOperation(emitter, options, results), results };
}

/** Runs one host's part of an operation; whatever it throws becomes its failed (or skipped) result. */
export async function hostResultOf(
  options: Pick<RunOperationOptions, 'signal'>,
  perHost: (host: string, emitter: OpEmitter) => Promise<HostResult>,
  host: string,
  emitter: OpEmitter,
): Promise<HostResult> {
  if (options.signal?.aborted) return { outcome: 'skipped', text: `${interruptReason(options.signal)}: not started` };
  try {
    return await perHost(host, emitter);
  } catch (err) {
    const message = errorMessage(err);
    const notes = err instanceof HostError ? (err as HostError & { notes?: string[] }).notes : undefined;
    let result: HostResult;
    if (err instanceof HostError && err.kind === 'cancelled' && options.signal?.aborted) {
      result = { outcome: 'skipped', text: `${interruptReason(options.signal)}: stopped before any change`, error: 'cancelled' };
    } else {
      result = { outcome: 'failed', text: message, error: err instanceof HostError ? err.kind : 'error' };
    }
    if (notes?.length) result.notes = notes;
    return result;
  }
}

export function emitHostResult(emitter: OpEmitter, host: string, result: HostResult): void {
  emitter.emit({
    type: 'host-result',
    host,
    phase: 'done',
    outcome: result.outcome,
    level: isFailure(result.outcome) ? 'error' : result.outcome === 'skipped' ? 'warn' : 'info',
    text: result.text,
    ...(result.snapshot ? { snapshot: result.snapshot } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.changed ? { changed: result.changed } : {}),
    ...(result.notes?.length ? { notes: result.notes } : {}),
  });
}

/** The op-end event (summary of every host's outcome); returns whether every host completed. */
export function endOperation(emitter: OpEmitter, options: Pick<RunOperationOptions, 'kind' | 'signal'>, results: Map<string, HostResult>, extra?: string): boolean {
  const summary: Partial<Record<HostOutcome, number>> = {};
  for (const r of results.values()) summary[r.outcome] = (summary[r.outcome] ?? 0) + 1;
  const ok = [...results.values()].every((r) => !isFailure(r.outcome) && r.outcome !== 'skipped');
  const parts = Object.entries(summary).map(([k, v]) => `${v} ${k}`);
  const interrupted = interruptReason(options.signal);
  emitter.emit({
    type: 'op-end',
    kind: options.kind,
    ok,
    level: ok ? 'info' : 'error',
    text: `${interrupted ? `interrupted (${interrupted}): ` : ''}${parts.join(', ') || 'no hosts'}${extra ? `; ${extra}` : ''}`,
    summary,
    ...(interrupted ? { interrupted } : {}),
  });
  return ok;
}
