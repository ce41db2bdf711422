/** Pure reducer tests of what is not a key: cursor arithmetic, check results, operation events, the log ring, the outbox. The keys’ tests are in keys/, one file per context. */
import { describe, expect, it } from 'vitest';
import type { OpEvent } from '../../src/core/ops/events.js';
import { clamp, keepVisible, moveCursor, scrollTop, windowOf } from '../../src/console/state/cursor.js';
import { appendLog, emptyLog, eventLines, logTop, scrollLog, toggleFollow } from '../../src/console/state/log.js';
import { reducer } from '../../src/console/state/reducer.js';
import type { Action, AppState } from '../../src/console/state/types.js';
import { checked, drained, effects, fake, init, keys } from '../helpers/reducerTesting.js';

describe('cursor arithmetic', () => {
  it('moves, pages and keeps the cursor visible', () => {
    expect(moveCursor({ index: 0, top: 0 }, 'down', 10, 3)).toEqual({ index: 1, top: 0 });
    expect(moveCursor({ index: 2, top: 0 }, 'down', 10, 3)).toEqual({ index: 3, top: 1 });
    expect(moveCursor({ index: 0, top: 0 }, 'bottom', 10, 3)).toEqual({ index: 9, top: 7 });
    expect(moveCursor({ index: 9, top: 7 }, 'page-up', 10, 3)).toEqual({ index: 7, top: 7 });
    expect(moveCursor({ index: 5, top: 5 }, 'top', 10, 3)).toEqual({ index: 0, top: 0 });
    expect(moveCursor({ index: 0, top: 0 }, 'up', 10, 3)).toEqual({ index: 0, top: 0 });
    expect(moveCursor({ index: 3, top: 0 }, 'down', 0, 3)).toEqual({ index: 0, top: 0 });
    expect(keepVisible(8, 0, 5, 10)).toBe(4);
    expect(scrollTop(0, 'page-down', 100, 10)).toBe(9);
    expect(scrollTop(95, 'bottom', 100, 10)).toBe(90);
    expect(windowOf(95, 10, 100)).toEqual({ start: 90, end: 100 });
    expect(clamp(5, 0, 3)).toBe(3);
  });
});

describe('checks and badges', () => {
  it('fills badges from check results and marks check errors as failed in the log', async () => {
    let s = reducer(init(), { type: 'check/start', host: 'web1' });
    expect(s.status.web1).toEqual({ kind: 'checking' });
    s = reducer(s, { type: 'check/result', check: await fake.check('web1') });
    expect(s.status.web1).toEqual({ kind: 'pending', count: 3 });
    s = reducer(s, { type: 'check/start', host: 'web1' });
    expect(s.status.web1).toEqual({ kind: 'pending', count: 3 }); // a re-check keeps the badge
    s = reducer(s, { type: 'check/error', host: 'web2', error: 'boom', time: '2026-05-01T12:00:00Z' });
    expect(s.status.web2).toEqual({ kind: 'failed', error: 'boom' });
    expect(s.log.lines.at(-1)?.text).toBe('check failed: boom');
  });
});

describe('operations: events, progress, badges, log', () => {
  const time = '2026-05-01T12:00:00.000Z';
  const ev = (e: Record<string, unknown>): OpEvent => ({ op: 'op1', time, ...e }) as OpEvent;

  /** web1 and web2 checked, marked, deployed (the dialog lists checked hosts' changes only). */
  async function running(): Promise<AppState> {
    return drained(keys(await checked(init()), ' ', ' ', 'D', 'y'));
  }

  it('tracks per-host progress and phases on the badges', async () => {
    let s = await running();
    expect(s.status.web1?.kind).toBe('running');
    s = reducer(s, {
      type: 'op/events',
      items: [
        { local: 'c1', event: ev({ type: 'op-start', kind: 'deploy', hosts: ['web1', 'web2'], operator: 'alice', dryRun: false }) },
        { local: 'c1', event: ev({ type: 'progress', host: 'web1', phase: 'write', done: 1, total: 3, level: 'info', text: '' }) },
        { local: 'c1', event: ev({ type: 'hook-output', host: 'web2', phase: 'pre-deploy', hook: '10-check', stream: 'stderr', level: 'warn', text: 'low disk' }) },
      ],
    });
    expect(s.ops[0]?.opId).toBe('op1');
    expect(s.ops[0]?.progress.web1).toEqual({ phase: 'write', done: 1, total: 3 });
    expect(s.status.web1).toEqual({ kind: 'running', phase: 'write' });
    expect(s.status.web2).toEqual({ kind: 'running', phase: 'pre-deploy' });
    expect(s.log.lines.map((l) => l.text)).toEqual(['deploy started on 2 hosts (web1, web2) by alice', '[10-check] low disk']);
    expect(s.log.lines[1]).toMatchObject({ host: 'web2', source: 'hook', stream: 'stderr', level: 'warn' });
  });

  it('turns outcomes into badges and re-checks changed hosts', async () => {
    let s = await running();
    s = reducer(s, {
      type: 'op/events',
      items: [
        { local: 'c1', event: ev({ type: 'host-result', host: 'web1', phase: 'done', outcome: 'ok', level: 'info', text: '', snapshot: 'abc' }) },
        { local: 'c1', event: ev({ type: 'host-result', host: 'web2', phase: 'done', outcome: 'restored', level: 'error', text: '', error: 'hook failed' }) },
        { local: 'c1', event: ev({ type: 'op-end', kind: 'deploy', ok: false, level: 'error', text: '', summary: { ok: 1, restored: 1 } }) },
      ],
    });
    expect(s.status.web1).toEqual({ kind: 'checking' });
    expect(s.checks.web1?.lastSnapshot).toBe(time);
    expect(s.status.web2).toEqual({ kind: 'restored', error: 'hook failed' });
    expect(effects(s)).toEqual([{ type: 'check', hosts: ['web1'], priority: true }]);
    expect(s.ops[0]?.finished).toBe(true);
    expect(s.log.lines.at(-1)?.text).toBe('deploy failed (1 ok, 1 restored)');
    s = reducer(s, { type: 'op/end', local: 'c1', result: { op: 'op1', ok: false, outcomes: { web1: 'ok', web2: 'restored' } }, time });
    expect(s.status.web2?.kind).toBe('restored');
  });

  it('a rejected operation fails its hosts and says why in the log', async () => {
    let s = await running();
    s = reducer(s, { type: 'op/end', local: 'c1', error: 'lock held by bob', time });
    expect(s.status.web1).toEqual({ kind: 'failed', error: 'lock held by bob' });
    expect(s.ops[0]).toMatchObject({ finished: true, ok: false });
    expect(s.log.lines.at(-1)).toMatchObject({ level: 'error', text: 'deploy failed: lock held by bob' });
  });

  it('keeps an operation\u2019s badge when a background check lands meanwhile', async () => {
    let s = await running();
    s = reducer(s, { type: 'check/result', check: await fake.check('web1') });
    expect(s.status.web1?.kind).toBe('running');
    expect(s.checks.web1?.diff).toBeDefined();
  });
});

describe('log ring', () => {
  const line = (text: string) => ({ time: '2026-05-01T12:00:00Z', level: 'info' as const, source: 'event' as const, text });

  it('is bounded and keeps a scrolled view on its lines', () => {
    let log = emptyLog(100);
    for (let i = 0; i < 30; i++) log = appendLog(log, Array.from({ length: 10 }, (_, k) => line(`l${i * 10 + k}`)));
    expect(log.lines).toHaveLength(100);
    expect(log.lines[0]?.text).toBe('l200');
    expect(log.dropped).toBe(200);
    expect(log.appended).toBe(300);
    expect(logTop(log, 10)).toBe(90);
    log = scrollLog(log, 'page-up', 10);
    expect(log.follow).toBe(false);
    const top = log.top;
    log = appendLog(log, [line('x'), line('y')]);
    expect(log.top).toBe(top - 2); // the same lines stay on screen
    expect(log.lines[log.top]?.text).toBe(`l${200 + top}`);
    log = scrollLog(log, 'bottom', 10);
    expect(log.follow).toBe(true);
    log = toggleFollow(log, 10);
    expect(log.follow).toBe(false);
  });

  it('turns every event type into lines (progress only moves the progress line)', () => {
    const base = { op: 'o', time: '2026-05-01T12:00:00Z' };
    expect(eventLines({ ...base, type: 'progress', host: 'a', phase: 'write', done: 1, total: 2, level: 'info', text: '' })).toEqual([]);
    expect(eventLines({ ...base, type: 'file', host: 'a', phase: 'write', file: '/x', action: 'write', level: 'info', text: '' })[0]?.text).toBe('write /x');
    expect(eventLines({ ...base, type: 'log', host: 'a', phase: 'lock', level: 'warn', text: 'waiting' })[0]).toMatchObject({ level: 'warn', host: 'a' });
    expect(eventLines({ ...base, type: 'host-result', host: 'a', phase: 'done', outcome: 'failed', level: 'error', text: 'pre-deploy hook failed', error: 'exit 1' })[0]?.text).toBe(
      'failed \u2014 pre-deploy hook failed: exit 1',
    );
    expect(eventLines({ ...base, type: 'op-end', kind: 'snapshot', ok: true, level: 'info', text: '', summary: { ok: 2 } })[0]?.text).toBe('snapshot done (2 ok)');
  });
});

describe('diff engine', () => {
  it('is loaded by the effect runner after the first checks, never by a reducer', () => {
    const s = init();
    // The inventory columns (addresses, last deploys) load beside them.
    expect(effects(s).map((e) => e.type)).toEqual(['check', 'load-diff-engine', 'load-inventory']);
    expect(s.diffEngine).toBe('loading');
    // Moving through a diff queues nothing new: the reducers only read the engine.
    const moved = keys(drained(s), 'd', 'j', 'n', 'v', ']');
    expect(effects(moved).map((e) => e.type)).toEqual(['check']);
    expect(reducer(s, { type: 'diff-engine/loaded' }).diffEngine).toBe('ready');
    const failed = reducer(s, { type: 'diff-engine/error', error: 'no such module', time: '2026-05-01T12:00:00Z' });
    expect(failed.diffEngine).toBe('failed');
    expect(failed.log.lines.at(-1)).toMatchObject({ level: 'error', source: 'console', text: 'cannot load the diff engine: no such module' });
  });
});

describe('outbox', () => {
  it('drains effects up to a sequence number', () => {
    const s = keys(drained(init()), 'R');
    expect(s.outbox).toHaveLength(1);
    const action: Action = { type: 'outbox/taken', upTo: s.outbox[0]!.seq };
    expect(reducer(s, action).outbox).toEqual([]);
  });
});
