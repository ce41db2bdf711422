/** Running operations: start, event stream, end; badges and log lines follow them (pure). */
import type { HostOutcome, OpEvent } from '../../core/ops/events.js';
import type { HostStatus, OperationResult } from '../../core/ops/session.js';
import { deployOutcome } from '../../core/ops/lastDeploys.js';
import { appendLog, eventLines, type NewLogLine } from './log.js';
import type { AppState, Effect, HostProgress, OpRequest, RunningOp } from './types.js';

const KEEP_FINISHED = 10;

export function requestHosts(request: OpRequest): string[] {
  return request.kind === 'deploy' || request.kind === 'snapshot' ? request.hosts : [request.host];
}

/** Operations after which a host's files or plan (and so its diff and badge) may have changed. */
function changesFiles(kind: RunningOp['kind']): boolean {
  return kind === 'deploy' || kind === 'rollback' || kind === 'break-lock' || kind === 'rebuild' || kind === 'adopt';
}

export function pushEffects(state: AppState, effects: readonly Effect[]): AppState {
  if (effects.length === 0) return state;
  const entries = effects.map((effect, i) => ({ seq: state.outboxSeq + i, effect }));
  return { ...state, outbox: [...state.outbox, ...entries], outboxSeq: state.outboxSeq + effects.length };
}

/** The effect runner has taken the effects up to `upTo`. */
export function effectsTaken(state: AppState, upTo: number): AppState {
  return { ...state, outbox: state.outbox.filter((entry) => entry.seq > upTo) };
}

/** True while an unfinished operation has not yet reported this host's outcome (it owns the badge). */
export function hostInOperation(state: Pick<AppState, 'ops'>, host: string): boolean {
  return state.ops.some((op) => !op.finished && op.hosts.includes(host) && !op.progress[host]?.outcome);
}

/** Hosts some unfinished operation is working on. */
export function busyHosts(state: Pick<AppState, 'ops'>): Set<string> {
  const busy = new Set<string>();
  for (const op of state.ops) if (!op.finished) for (const host of op.hosts) busy.add(host);
  return busy;
}

export function startOp(state: AppState, request: OpRequest): AppState {
  const id = `c${state.opSeq + 1}`;
  const hosts = requestHosts(request);
  const previous: Record<string, HostStatus> = {};
  const status = { ...state.status };
  const progress: RunningOp['progress'] = {};
  for (const host of hosts) {
    previous[host] = state.status[host] ?? { kind: 'unknown' };
    status[host] = { kind: 'running', phase: 'start' };
    progress[host] = { phase: 'start' };
  }
  const op: RunningOp = { id, kind: request.kind, hosts, progress, previous, finished: false };
  const ops = [...state.ops, op];
  const next: AppState = { ...state, status, ops: trimFinished(ops), opSeq: state.opSeq + 1 };
  return pushEffects(next, [{ type: 'run', local: id, request }]);
}

function trimFinished(ops: RunningOp[]): RunningOp[] {
  const finished = ops.filter((op) => op.finished);
  if (finished.length <= KEEP_FINISHED) return ops;
  const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED).map((op) => op.id));
  return ops.filter((op) => !drop.has(op.id));
}

function outcomeStatus(op: RunningOp, host: string, outcome: HostOutcome, error: string | undefined): HostStatus {
  const previous = op.previous[host] ?? { kind: 'unknown' };
  switch (outcome) {
    case 'failed':
      return { kind: 'failed', error: error ?? `${op.kind} failed` };
    case 'restored':
      return { kind: 'restored', error: error ?? `${op.kind} failed; the snapshot was restored` };
    case 'reverted':
      return { kind: 'restored', error: error ?? `${op.kind} reverted: access was not confirmed in time` };
    case 'restore-failed':
      return { kind: 'failed', error: `restore failed, needs a human: ${error ?? 'unknown error'}` };
    case 'recoverable':
      return { kind: 'failed', error: error ?? `${op.kind} interrupted: the host's journal restores it on the next deploy or rollback` };
    case 'ok':
    case 'unchanged':
      // What deploy and rollback changed is re-checked; a snapshot leaves the files alone.
      return changesFiles(op.kind) ? { kind: 'checking' } : previous;
    case 'pending':
    case 'skipped':
      return previous;
  }
}

/** Applies a batch of events: progress, badges, the log, re-checks after changes. */
export function applyEvents(state: AppState, items: readonly { local: string; event: OpEvent }[]): AppState {
  let ops = state.ops;
  const status = { ...state.status };
  const checks = { ...state.checks };
  const lines: NewLogLine[] = [];
  const recheck: string[] = [];
  const historyHosts: string[] = [];
  const closePreviews: string[] = [];
  let inventory: AppState['inventory'];
  for (const { local, event } of items) {
    lines.push(...eventLines(event));
    const index = ops.findIndex((op) => op.id === local);
    if (index < 0) continue;
    let op = ops[index]!;
    switch (event.type) {
      case 'op-start':
        op = { ...op, opId: event.op, operator: event.operator, dryRun: event.dryRun };
        break;
      case 'op-end':
        op = { ...op, finished: true, ok: event.ok, summary: lines[lines.length - 1]?.text };
        break;
      case 'host-result': {
        op = { ...op, progress: { ...op.progress, [event.host]: { ...op.progress[event.host], phase: event.phase, outcome: event.outcome } } };
        // The host's own message says what happened (e.g. "failed and restored (verified): …"); the error kind is the fallback.
        status[event.host] = outcomeStatus(op, event.host, event.outcome, event.text || event.error);
        if (event.snapshot) {
          const check = checks[event.host];
          checks[event.host] = { ...(check ?? { host: event.host, status: status[event.host]! }), lastSnapshot: event.time };
        }
        // What a write changed is re-checked (a failed host keeps its badge; its old diff still holds once restored).
        if (changesFiles(op.kind) && (event.outcome === 'ok' || event.outcome === 'unchanged')) recheck.push(event.host);
        // The host's History shows the new snapshot at once; a rollback preview of it is stale now.
        if (event.snapshot || changesFiles(op.kind)) historyHosts.push(event.host);
        if (changesFiles(op.kind) && event.outcome !== 'skipped') closePreviews.push(event.host);
        // The host's last deploy (inventory column) is this one, by the audit log's rule.
        const deployed = op.operator !== undefined ? deployOutcome(op.kind, event.outcome, op.dryRun === true) : undefined;
        if (deployed && op.operator !== undefined) {
          inventory ??= { ...state.inventory };
          inventory[event.host] = { ...inventory[event.host], lastDeploy: { time: event.time, operator: op.operator, ok: deployed.ok, kind: op.kind } };
        }
        break;
      }
      case 'progress':
      case 'log':
      case 'file':
      case 'hook-output': {
        if (event.type === 'log' && event.phase === 'wave' && event.wave) op = { ...op, wave: event.wave };
        const host = event.host;
        if (!host || !op.hosts.includes(host) || op.progress[host]?.outcome) break;
        const done = event.type === 'progress' ? event.done : op.progress[host]?.done;
        const total = event.type === 'progress' ? event.total : op.progress[host]?.total;
        const current = op.progress[host];
        const countdown = countdownOf(event, current?.countdown);
        if (current?.phase !== event.phase || current.done !== done || current.total !== total || current.countdown !== countdown) {
          op = { ...op, progress: { ...op.progress, [host]: { phase: event.phase, done, total, ...(countdown ? { countdown } : {}) } } };
        }
        const shown = status[host];
        if (shown?.kind !== 'running' || shown.phase !== event.phase) status[host] = { kind: 'running', phase: event.phase };
        break;
      }
    }
    if (op !== ops[index]) ops = ops.map((o, i) => (i === index ? op : o));
  }
  let next: AppState = { ...state, ops: trimFinished([...ops]), status, checks, log: appendLog(state.log, lines), ...(inventory ? { inventory } : {}) };
  if (recheck.length > 0) next = pushEffects(next, [{ type: 'check', hosts: recheck, priority: true }]);
  if (next.preview && closePreviews.includes(next.preview.host)) next = { ...next, preview: undefined };
  return reloadHistories(next, historyHosts);
}

/** An armed revert's deadline, and whether konf is proving access (confirm) or waiting for the host to revert itself (revert). */
export type ArmedRevert = NonNullable<HostProgress['countdown']>;

/** A host's confirm-or-revert countdown while its operation runs. */
export interface Countdown extends ArmedRevert {
  host: string;
}

/** Every running countdown (hosts of unfinished operations without an outcome yet), in operation and host order. */
export function countdowns(ops: readonly RunningOp[]): Countdown[] {
  const list: Countdown[] = [];
  for (const op of ops) {
    if (op.finished) continue;
    for (const host of op.hosts) {
      const p = op.progress[host];
      if (p?.countdown && !p.outcome) list.push({ host, ...p.countdown });
    }
  }
  return list;
}

/** The running countdowns by host (the state's own objects: memoized rows compare them by identity). */
export function countdownsByHost(ops: readonly RunningOp[]): Record<string, ArmedRevert> {
  const out: Record<string, ArmedRevert> = {};
  for (const op of ops) {
    if (op.finished) continue;
    for (const host of op.hosts) {
      const p = op.progress[host];
      if (p?.countdown && !p.outcome) out[host] = p.countdown;
    }
  }
  return out;
}

/** Whole seconds left until a deadline (0 once passed). */
export function secondsLeft(deadline: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000));
}

/**
 * Confirm-or-revert's countdown of a host after an event: a confirm or revert event with a
 * deadline sets it (the revert is armed; konf waits for the host to revert itself), one
 * without ends it (access confirmed, the revert disarmed, the host reverted).
 */
function countdownOf(event: OpEvent, current: HostProgress['countdown']): HostProgress['countdown'] {
  if (event.type !== 'log' || (event.phase !== 'confirm' && event.phase !== 'revert')) return current;
  if (!event.deadline) return undefined;
  if (current?.deadline === event.deadline && current.phase === event.phase) return current;
  return { deadline: event.deadline, phase: event.phase };
}

/** Histories already shown (loaded or loading) are read again: a new snapshot appears at the top. */
export function reloadHistories(state: AppState, hosts: readonly string[]): AppState {
  const wanted = [...new Set(hosts)].filter((h) => state.histories[h] !== undefined);
  if (wanted.length === 0) return state;
  const histories = { ...state.histories };
  for (const h of wanted) {
    const current = histories[h];
    // Keep showing the old list until the new one is in (no flicker to "loading").
    if (current?.state !== 'ok') histories[h] = { state: 'loading' };
  }
  return pushEffects({ ...state, histories }, wanted.map((host) => ({ type: 'load-history' as const, host })));
}

/** The operation's promise settled: close it, and fix up hosts that never reported an outcome. */
export function endOp(state: AppState, local: string, result: OperationResult | undefined, error: string | undefined, time: string): AppState {
  const op = state.ops.find((o) => o.id === local);
  if (!op) return state;
  const status = { ...state.status };
  const lines: NewLogLine[] = [];
  const recheck: string[] = [];
  const progress = { ...op.progress };
  for (const host of op.hosts) {
    if (progress[host]?.outcome) continue;
    const outcome = result?.outcomes[host];
    if (outcome) {
      status[host] = outcomeStatus(op, host, outcome, undefined);
      progress[host] = { ...progress[host], phase: 'done', outcome };
      if (changesFiles(op.kind) && (outcome === 'ok' || outcome === 'unchanged')) recheck.push(host);
    } else if (error) {
      status[host] = { kind: 'failed', error };
      progress[host] = { ...progress[host], phase: 'done', outcome: 'failed' };
    } else {
      status[host] = op.previous[host] ?? { kind: 'unknown' };
      progress[host] = { ...progress[host], phase: 'done', outcome: 'skipped' };
    }
  }
  if (error) lines.push({ time, level: 'error', source: 'console', text: `${op.kind} failed: ${error}` });
  else if (!op.finished && result) lines.push({ time, level: result.ok ? 'info' : 'error', source: 'console', text: `${op.kind} ${result.ok ? 'done' : 'failed'}` });
  const ended: RunningOp = { ...op, progress, finished: true, ok: op.ok ?? (error ? false : result?.ok), summary: op.summary ?? lines[0]?.text };
  let next: AppState = {
    ...state,
    status,
    ops: state.ops.map((o) => (o.id === local ? ended : o)),
    log: appendLog(state.log, lines),
  };
  if (recheck.length > 0) next = pushEffects(next, [{ type: 'check', hosts: recheck, priority: true }]);
  if (next.preview && recheck.includes(next.preview.host)) next = { ...next, preview: undefined };
  return reloadHistories(next, recheck);
}
