import { describe, expect, it, vi } from 'vitest';
import { Controller } from '../../src/console/controller.js';
import { diffEngineLoaded } from '../../src/console/diffRows.js';
import type { Action } from '../../src/console/state/types.js';
import { eventually } from '../helpers/wait.js';
import { FakeSession } from '../helpers/fakeSession.js';

function setup(session: FakeSession, concurrency = 3) {
  const actions: Action[] = [];
  const dispatched: Action[] = [];
  let quit = 0;
  /** For each onQuit call: had the controller reported an operation's end before it? */
  const quitAfterOpEnd: boolean[] = [];
  const flat = (a: Action): Action[] => (a.type === 'batch' ? a.actions.flatMap(flat) : [a]);
  const controller = new Controller(session, (a) => {
    dispatched.push(a);
    actions.push(...flat(a));
  }, {
    concurrency,
    onQuit: () => {
      quit++;
      quitAfterOpEnd.push(actions.some((a) => a.type === 'op/end'));
    },
    eventBatchMs: 20,
  });
  return { actions, dispatched, controller, quits: () => quit, quitAfterOpEnd };
}

describe('controller', () => {
  it('checks hosts in the background with bounded concurrency, priority first', async () => {
    const session = new FakeSession({ extraHosts: 20, checkDelayMs: 15 });
    let running = 0;
    let peak = 0;
    const check = session.check.bind(session);
    session.check = async (host, signal) => {
      running++;
      peak = Math.max(peak, running);
      try {
        return await check(host, signal);
      } finally {
        running--;
      }
    };
    const { actions, controller } = setup(session, 3);
    const names = session.hosts().map((h) => h.name).filter((h) => h !== 'bad1');
    controller.run({ type: 'check', hosts: names, priority: false });
    controller.run({ type: 'check', hosts: ['host0020'], priority: true });
    await eventually(() => expect(actions.filter((a) => a.type === 'check/result')).toHaveLength(names.length));
    expect(peak).toBe(3);
    const started = actions.filter((a) => a.type === 'check/start').map((a) => (a.type === 'check/start' ? a.host : ''));
    expect(started.indexOf('host0020')).toBe(3); // right after the three already running
    expect(new Set(started).size).toBe(names.length);
  });

  it('gathers background check results for checkBatchMs (one update for a burst); operation events still go out after eventBatchMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const session = new FakeSession({ extraHosts: 40, eventDelayMs: 0, holdOperations: true });
      const dispatched: Action[] = [];
      const flat = (a: Action): Action[] => (a.type === 'batch' ? a.actions.flatMap(flat) : [a]);
      const controller = new Controller(session, (a) => dispatched.push(a), { concurrency: 8, onQuit: () => undefined, eventBatchMs: 10, checkBatchMs: 100 });
      const names = session.hosts().map((h) => h.name).filter((h) => h.startsWith('host'));
      controller.run({ type: 'check', hosts: names, priority: false });
      // The checks take no time: all 40 are in long before the first update, which waits 100 ms.
      await vi.advanceTimersByTimeAsync(99);
      expect(dispatched).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(dispatched).toHaveLength(1);
      expect(flat(dispatched[0]!).filter((a) => a.type === 'check/result')).toHaveLength(names.length);
      // Check results waiting, then an operation starts: its events (and the waiting results) go out 10 ms after.
      controller.run({ type: 'check', hosts: ['web1', 'web2'], priority: true });
      await vi.advanceTimersByTimeAsync(20);
      expect(dispatched).toHaveLength(1);
      controller.run({ type: 'run', local: 'c1', request: { kind: 'snapshot', hosts: ['web1'] } });
      await vi.advanceTimersByTimeAsync(12);
      expect(dispatched).toHaveLength(2);
      const second = flat(dispatched[1]!);
      expect(second.filter((a) => a.type === 'check/result').map((a) => (a.type === 'check/result' ? a.check.host : ''))).toEqual(['web1', 'web2']);
      expect(second.some((a) => a.type === 'op/events')).toBe(true);
      session.release();
      controller.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('turns failures into actions, never into exceptions', async () => {
    const session = new FakeSession();
    session.check = () => Promise.reject(new Error('ssh exploded'));
    const { actions, controller } = setup(session);
    controller.run({ type: 'check', hosts: ['web1'], priority: true });
    controller.run({ type: 'load-plan', host: 'bad1' });
    controller.run({ type: 'load-preview', host: 'web1', snapshot: 'nope' });
    await eventually(() => {
      expect(actions).toContainEqual(expect.objectContaining({ type: 'check/error', host: 'web1', error: 'ssh exploded' }));
      expect(actions).toContainEqual(expect.objectContaining({ type: 'plan/error', host: 'bad1' }));
      expect(actions).toContainEqual(expect.objectContaining({ type: 'preview/error', host: 'web1', snapshot: 'nope' }));
    });
  });

  it("History says in the log when the shared snapshot store could not be fetched, and still shows the host's history", async () => {
    const session = new FakeSession();
    const history = session.history.bind(session);
    session.history = async (host: string, options?: { onWarning?: (text: string) => void }) => {
      options?.onWarning?.('could not fetch from the shared snapshot store /srv/konf.git (etc/konf.conf:1): connection refused');
      return history(host);
    };
    const { actions, controller } = setup(session);
    controller.run({ type: 'load-history', host: 'web1' });
    await eventually(() => expect(actions.some((a) => a.type === 'history/result')).toBe(true));
    expect(actions).toContainEqual(
      expect.objectContaining({ type: 'log/append', lines: [{ level: 'warn', host: 'web1', text: expect.stringMatching(/^could not fetch from the shared snapshot store/) }] }),
    );
    expect(actions.find((a) => a.type === 'history/result')).toMatchObject({ host: 'web1', snapshots: expect.arrayContaining([expect.objectContaining({ host: 'web1' })]) });
  });

  it('batches operation events and reports the end', async () => {
    const session = new FakeSession({ eventDelayMs: 0 });
    const { actions, controller, dispatched } = setup(session);
    controller.run({ type: 'run', local: 'c1', request: { kind: 'deploy', hosts: ['web1', 'web2', 'web3'] } });
    await eventually(() => expect(actions.some((a) => a.type === 'op/end')).toBe(true));
    const batches = dispatched.filter((a) => a.type === 'op/events' || a.type === 'batch');
    const events = actions.flatMap((a) => (a.type === 'op/events' ? a.items : []));
    expect(events.length).toBeGreaterThan(15);
    expect(batches.length).toBeLessThan(events.length);
    expect(events.at(-1)?.event.type).toBe('op-end');
    expect(actions.at(-1)).toMatchObject({ type: 'op/end', local: 'c1', result: { ok: true } });
  });

  it('quitting waits for a running operation; cancelling aborts it', async () => {
    const session = new FakeSession({ holdOperations: true });
    const { actions, controller, quits, quitAfterOpEnd } = setup(session);
    // A controller with nothing running, asked to quit at the same moment, quits at once:
    // once it has, ours would have too if it did not wait.
    const idle = setup(new FakeSession());
    controller.run({ type: 'run', local: 'c1', request: { kind: 'snapshot', hosts: ['web1'] } });
    await eventually(() => expect(controller.runningOperations()).toBe(1));
    controller.run({ type: 'quit', cancel: false });
    idle.controller.run({ type: 'quit', cancel: false });
    await eventually(() => expect(idle.quits()).toBe(1));
    expect(quits()).toBe(0); // still waiting for the snapshot
    session.release();
    await eventually(() => expect(quits()).toBe(1));
    expect(quitAfterOpEnd).toEqual([true]);
    expect(actions.at(-1)).toMatchObject({ type: 'op/end', result: { ok: true } });

    const held = new FakeSession({ holdOperations: true });
    const second = setup(held);
    second.controller.run({ type: 'run', local: 'c1', request: { kind: 'deploy', hosts: ['web1'] } });
    await eventually(() => expect(second.actions.some((a) => a.type === 'op/events')).toBe(true));
    second.controller.run({ type: 'quit', cancel: true });
    await eventually(() => expect(second.quits()).toBe(1));
    expect(second.actions.at(-1)).toMatchObject({ type: 'op/end', result: { ok: false } });
  });

  it('does nothing after it is disposed', async () => {
    const session = new FakeSession({ checkDelayMs: 10 });
    const check = session.check.bind(session);
    let checked: Promise<unknown> | undefined;
    session.check = (host, signal) => (checked = check(host, signal));
    const { actions, controller } = setup(session);
    controller.run({ type: 'check', hosts: ['web1'], priority: false });
    controller.dispose();
    await checked;
    // A controller that starts the same check only now, and is left running: once its
    // result is dispatched, a result of ours would have been too.
    const live = setup(new FakeSession({ checkDelayMs: 10 }));
    live.controller.run({ type: 'check', hosts: ['web1'], priority: false });
    await eventually(() => expect(live.actions.filter((a) => a.type === 'check/result')).toHaveLength(1));
    expect(actions).toEqual([]);
  });

  it('every running check gets a signal that disposing aborts, with no listener warning however many run at once', async () => {
    const session = new FakeSession({ extraHosts: 40, checkDelayMs: 20 });
    const signals: AbortSignal[] = [];
    const check = session.check.bind(session);
    session.check = (host, signal) => {
      if (signal) {
        signals.push(signal);
        // What the SSH layer does with it: one listener per running check.
        signal.addEventListener('abort', () => {}, { once: true });
      }
      return check(host, signal);
    };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { controller } = setup(session, 32);
      controller.run({ type: 'check', hosts: session.hosts().map((h) => h.name), priority: false });
      await eventually(() => expect(signals.length).toBeGreaterThanOrEqual(32));
      expect(signals.some((s) => s.aborted)).toBe(false);
      controller.dispose();
      expect(signals.every((s) => s.aborted)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('loads the diff engine when asked and says so', async () => {
    const { actions, controller } = setup(new FakeSession());
    controller.run({ type: 'load-diff-engine' });
    await eventually(() => expect(actions).toEqual([{ type: 'diff-engine/loaded' }]));
    expect(diffEngineLoaded()).toBe(true);
  });
});
