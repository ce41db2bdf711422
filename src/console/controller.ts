/**
 * Performs the reducers' effects against the FleetSession: background status checks
 * with bounded concurrency, plan/history/preview loads, loading the diff engine (the
 * reducers never import anything themselves), and operations whose events are
 * batched into the state. Nothing here throws into the UI: every failure becomes an action.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OpEvent } from '../core/ops/events.js';
import type { FleetSession, OperationResult } from '../core/ops/session.js';
import { loadDiffEngine } from './diffRows.js';
import type { Action, Effect, OpRequest } from './state/types.js';

export interface ControllerOptions {
  concurrency: number;
  /** Called once quitting may proceed (operations stopped). */
  onQuit: () => void;
  now?: () => Date;
  /** How long operation events are gathered before one state update (ms, default 30). */
  eventBatchMs?: number;
  /**
   * How long background check results are gathered before one state update (ms; default
   * `eventBatchMs` when that is given, else 100): 2,000 hosts checked in seconds redraw the
   * list ten times a second, not thirty (each update copies the fleet's status tables and
   * renders a frame).
   */
  checkBatchMs?: number;
  /** Ctrl-L: repaint the terminal. */
  onRedraw?: () => void;
  /**
   * Opens a file in the admin's editor with the terminal handed over (runConsole suspends
   * the screen meanwhile); resolves when the editor has closed, with why it failed if it did.
   */
  edit?: (file: string) => Promise<{ error?: string }>;
}

/** Operation events and background check results: how long each is gathered for one state update (ms). */
const DEFAULT_EVENT_BATCH_MS = 30;
const DEFAULT_CHECK_BATCH_MS = 100;

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export class Controller {
  private readonly queue: string[] = [];
  /** Hosts whose check is running (they all stop with `checks`: no controller per host). */
  private readonly inFlight = new Set<string>();
  private readonly ops = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly checks = new AbortController();
  /** Actions gathered for one state update (check results, operation events). */
  private queued: Action[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** When the pending flush runs (performance.now()). */
  private flushAt = 0;
  private disposed = false;
  private quitting = false;
  private previews = new Map<string, AbortController>();
  private stopWatching: (() => void) | undefined;

  constructor(
    private readonly session: FleetSession,
    private readonly dispatch: (action: Action) => void,
    private readonly options: ControllerOptions,
  ) {
    // Every running check listens on this one signal (as many as checks run at once).
    setMaxListeners(0, this.checks.signal);
  }

  /** Follows the repository on disk: each settled edit re-plans and re-checks the hosts it concerns. */
  watchRepository(): void {
    if (this.stopWatching || this.disposed || !this.session.watch) return;
    this.stopWatching = this.session.watch((change) => {
      this.flush();
      this.send({ type: 'repo/changed', change, time: this.now() });
    });
  }

  private now(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  private send(action: Action) {
    if (!this.disposed) this.dispatch(action);
  }

  run(effect: Effect): void {
    switch (effect.type) {
      case 'check':
        this.enqueueChecks(effect.hosts, effect.priority);
        return;
      case 'load-plan':
        void this.guard(
          () => this.session.plan(effect.host),
          (plan) => this.send({ type: 'plan/result', host: effect.host, plan }),
          (error) => this.send({ type: 'plan/error', host: effect.host, error }),
        );
        return;
      case 'load-history':
        void this.guard(
          () =>
            this.session.history(effect.host, {
              // The shared snapshot store could not be read: said in the log, the local history is shown.
              onWarning: (text) => this.send({ type: 'log/append', lines: [{ level: 'warn', host: effect.host, text }], time: this.now() }),
            }),
          (snapshots) => this.send({ type: 'history/result', host: effect.host, snapshots }),
          (error) => this.send({ type: 'history/error', host: effect.host, error }),
        );
        return;
      case 'load-preview': {
        for (const abort of this.previews.values()) abort.abort();
        const abort = new AbortController();
        const key = `${effect.host}@${effect.snapshot}`;
        this.previews.set(key, abort);
        void this.guard(
          () => this.session.rollbackPreview(effect.host, effect.snapshot, abort.signal),
          (diff) => this.send({ type: 'preview/result', host: effect.host, snapshot: effect.snapshot, diff }),
          (error) => {
            if (!abort.signal.aborted) this.send({ type: 'preview/error', host: effect.host, snapshot: effect.snapshot, error });
          },
        ).finally(() => this.previews.delete(key));
        return;
      }
      case 'load-adopt': {
        const preview = this.session.adoptPreview?.bind(this.session);
        void this.guard(
          () => (preview ? preview(effect.host, effect.path, effect.to) : Promise.reject(new Error('this session cannot adopt'))),
          (result) => this.send({ type: 'adopt/preview', key: effect.key, preview: result }),
          (error) => this.send({ type: 'waiting/error', key: effect.key, error, time: this.now() }),
        );
        return;
      }
      case 'load-rebuild': {
        const preview = this.session.rebuildPreview?.bind(this.session);
        void this.guard(
          () => (preview ? preview(effect.host, effect.snapshot) : Promise.reject(new Error('this session cannot rebuild'))),
          (diff) => this.send({ type: 'rebuild/preview', key: effect.key, host: effect.host, snapshot: effect.snapshot, diff }),
          (error) => this.send({ type: 'waiting/error', key: effect.key, error, time: this.now() }),
        );
        return;
      }
      case 'edit': {
        const edit = this.options.edit;
        const file = path.join(this.session.repo, effect.source);
        void this.guard(
          () => (edit ? edit(file) : Promise.resolve({ error: 'no editor can be opened here' })),
          (result) => this.send({ type: 'edit/done', host: effect.host, source: effect.source, ...(result.error ? { error: result.error } : {}), time: this.now() }),
          (error) => this.send({ type: 'edit/done', host: effect.host, source: effect.source, error, time: this.now() }),
        );
        return;
      }
      case 'run':
        this.startOperation(effect.local, effect.request);
        return;
      case 'reload': {
        const reload = this.session.reload?.bind(this.session);
        if (!reload) {
          this.enqueueChecks(effect.hosts, true);
          return;
        }
        void this.guard(
          () => reload(),
          (change) => {
            this.flush();
            const affected = change.hosts === 'all' ? change.summaries.map((h) => h.name) : change.hosts;
            const recheck = effect.andAffected ? [...new Set([...effect.hosts, ...affected])] : effect.hosts;
            this.send({ type: 'repo/changed', change, recheck, time: this.now() });
          },
          (error) => this.send({ type: 'repo/error', error, time: this.now() }),
        );
        return;
      }
      case 'quit':
        void this.quit(effect.cancel);
        return;
      case 'redraw':
        this.options.onRedraw?.();
        return;
      case 'validate': {
        const validate = this.session.validate?.bind(this.session);
        if (!validate) {
          this.send({ type: 'validate/error', host: effect.host, error: 'this session cannot run the etc/validate checks', time: this.now() });
          return;
        }
        void this.guard(
          () => validate(effect.host, this.checks.signal),
          (result) => this.send({ type: 'validate/result', result, time: this.now() }),
          (error) => this.send({ type: 'validate/error', host: effect.host, error, time: this.now() }),
        );
        return;
      }
      case 'load-inventory': {
        const inventory = this.session.inventory?.bind(this.session);
        if (!inventory) return;
        void this.guard(
          () => inventory(effect.hosts, { onWarning: (warning) => this.send({ type: 'log/append', time: this.now(), lines: [{ level: 'warn', text: warning }] }) }),
          (result) => this.send({ type: 'inventory/result', inventory: result }),
          (error) => this.send({ type: 'log/append', time: this.now(), lines: [{ level: 'warn', text: `cannot read the hosts' addresses and last deploys: ${error}` }] }),
        );
        return;
      }
      case 'load-diff-engine':
        void this.guard(
          () => loadDiffEngine(),
          () => this.send({ type: 'diff-engine/loaded' }),
          (error) => this.send({ type: 'diff-engine/error', error, time: this.now() }),
        );
        return;
    }
  }

  private async guard<T>(load: () => Promise<T>, ok: (value: T) => void, fail: (error: string) => void): Promise<void> {
    try {
      const value = await load();
      ok(value);
    } catch (error) {
      fail(message(error));
    }
  }

  // ---------------------------------------------------------------- checks

  enqueueChecks(hosts: readonly string[], priority: boolean): void {
    if (this.quitting) return;
    const fresh = hosts.filter((h) => !this.inFlight.has(h));
    if (priority) {
      for (const host of fresh) {
        const at = this.queue.indexOf(host);
        if (at >= 0) this.queue.splice(at, 1);
      }
      this.queue.unshift(...fresh);
    } else {
      const queued = new Set(this.queue);
      for (const host of fresh) if (!queued.has(host)) this.queue.push(host);
    }
    this.pump();
  }

  private pump(): void {
    while (!this.disposed && !this.quitting && this.inFlight.size < Math.max(1, this.options.concurrency) && this.queue.length > 0) {
      const host = this.queue.shift()!;
      if (this.inFlight.has(host)) continue;
      const signal = this.checks.signal;
      this.inFlight.add(host);
      this.later({ type: 'check/start', host });
      this.session
        .check(host, signal)
        .then(
          (check) => {
            if (!signal.aborted) this.later({ type: 'check/result', check });
          },
          (error: unknown) => {
            if (!signal.aborted) this.later({ type: 'check/error', host, error: message(error), time: this.now() });
          },
        )
        .finally(() => {
          this.inFlight.delete(host);
          this.pump();
        });
    }
  }

  /** Hosts waiting for or running a check (for tests and the title bar). */
  checkLoad(): { queued: number; running: number } {
    return { queued: this.queue.length, running: this.inFlight.size };
  }

  // ---------------------------------------------------------------- operations

  /** Queues an action for the next batched update (many checks or events, one render). */
  private later(action: Action): void {
    if (this.disposed) return;
    const last = this.queued[this.queued.length - 1];
    if (action.type === 'op/events' && last?.type === 'op/events') last.items.push(...action.items);
    else this.queued.push(action);
    const check = action.type === 'check/start' || action.type === 'check/result' || action.type === 'check/error';
    const wait = check ? (this.options.checkBatchMs ?? this.options.eventBatchMs ?? DEFAULT_CHECK_BATCH_MS) : (this.options.eventBatchMs ?? DEFAULT_EVENT_BATCH_MS);
    const at = performance.now() + wait;
    // An operation's events do not wait for the checks' longer interval.
    if (this.flushTimer && this.flushAt <= at) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.queued.length === 0) return;
    const actions = this.queued;
    this.queued = [];
    this.send(actions.length === 1 ? actions[0]! : { type: 'batch', actions });
  }

  private onEvent(local: string, event: OpEvent): void {
    this.later({ type: 'op/events', items: [{ local, event }] });
  }

  private startOperation(local: string, request: OpRequest): void {
    const abort = new AbortController();
    const options = { onEvent: (event: OpEvent) => this.onEvent(local, event), signal: abort.signal };
    const call = (): Promise<OperationResult> => {
      switch (request.kind) {
        case 'deploy':
          return this.session.deploy(request.hosts, { ...options, ...(request.confirmed ? { confirmed: request.confirmed } : {}), ...(request.waves ? { waves: request.waves } : {}), ...(request.only ? { only: request.only } : {}) });
        case 'snapshot':
          return this.session.snapshot(request.hosts, options);
        case 'rollback':
          return this.session.rollback(request.host, request.snapshot, { ...options, ...(request.confirmed ? { confirmed: { [request.host]: request.confirmed } } : {}) });
        case 'break-lock':
          if (!this.session.breakLock) return Promise.reject(new Error('this session cannot break locks'));
          return this.session.breakLock(request.host, request.opId, options);
        case 'adopt':
          if (!this.session.adopt) return Promise.reject(new Error('this session cannot adopt'));
          return this.session.adopt(request.preview, options);
        case 'rebuild':
          if (!this.session.rebuild) return Promise.reject(new Error('this session cannot rebuild'));
          return this.session.rebuild(request.host, request.snapshot, { ...options, ...(request.confirmed ? { confirmed: { [request.host]: request.confirmed } } : {}) });
      }
    };
    const done = (async () => {
      try {
        const result = await call();
        this.flush();
        this.send({ type: 'op/end', local, result, time: this.now() });
      } catch (error) {
        this.flush();
        this.send({ type: 'op/end', local, error: message(error), time: this.now() });
      } finally {
        this.ops.delete(local);
      }
    })();
    this.ops.set(local, { abort, done });
  }

  /** Number of operations still running. */
  runningOperations(): number {
    return this.ops.size;
  }

  // ---------------------------------------------------------------- quitting

  async quit(cancel: boolean): Promise<void> {
    this.stopWatching?.();
    this.stopWatching = undefined;
    if (this.quitting) {
      // Asked again (Ctrl-C while waiting): cancel and stop waiting.
      if (cancel) {
        for (const op of this.ops.values()) op.abort.abort('the console quit');
        this.options.onQuit();
      }
      return;
    }
    this.quitting = true;
    this.queue.length = 0;
    this.checks.abort();
    for (const abort of this.previews.values()) abort.abort();
    if (cancel) for (const op of this.ops.values()) op.abort.abort('the console quit');
    // Operations stop at a safe point (their locks released, failures restored) before we leave.
    await Promise.allSettled([...this.ops.values()].map((op) => op.done));
    this.options.onQuit();
  }

  /**
   * Stops for good without the UI (the terminal went away, SIGTERM): no new checks, running
   * operations asked to stop at a safe point, waited for at most `graceMs`.
   */
  async shutdown(graceMs: number, reason = 'the console stopped'): Promise<void> {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.quitting = true;
    this.queue.length = 0;
    this.checks.abort();
    for (const abort of this.previews.values()) abort.abort();
    const running = [...this.ops.values()];
    for (const op of running) op.abort.abort(reason);
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running.map((op) => op.done)), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.disposed = true;
    this.quitting = true;
    this.queue.length = 0;
    this.checks.abort();
    for (const abort of this.previews.values()) abort.abort();
    for (const op of this.ops.values()) op.abort.abort();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
