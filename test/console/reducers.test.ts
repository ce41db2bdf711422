/** Pure reducer tests: every action family, no React, no session calls. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { OpEvent } from '../../src/core/ops/events.js';
import type { HostSummary } from '../../src/core/ops/session.js';
import type { SnapshotInfo } from '../../src/core/store/types.js';
import { fileDoc, loadDiffEngine } from '../../src/console/diffRows.js';
import { keyPress } from '../../src/console/keymap.js';
import { clamp, keepVisible, moveCursor, scrollTop, windowOf } from '../../src/console/state/cursor.js';
import { appendLog, emptyLog, eventLines, logTop, scrollLog, toggleFollow } from '../../src/console/state/log.js';
import { diffViewRows, initialState, reducer } from '../../src/console/state/reducer.js';
import { activeContexts, diffEntries, matchesFilter, paneLayout, parseFilter, targetHosts, visibleHosts } from '../../src/console/state/select.js';
import type { Action, AppState, Effect } from '../../src/console/state/types.js';
import { FakeSession } from '../helpers/fakeSession.js';

// The diff engine is loaded lazily by the app; these tests use it directly.
beforeAll(() => loadDiffEngine());

const fake = new FakeSession({ bigDiff: true });
const HOSTS: HostSummary[] = fake.hosts();

function init(overrides: Partial<Parameters<typeof initialState>[0]> = {}): AppState {
  return initialState({ repo: '/srv/fleet', hosts: HOSTS, size: { columns: 80, rows: 24 }, ...overrides });
}

function keys(state: AppState, ...presses: string[]): AppState {
  let s = state;
  for (const p of presses) {
    const special: Record<string, Parameters<typeof keyPress>[1]> = {
      '<enter>': { return: true },
      '<esc>': { escape: true },
      '<tab>': { tab: true },
      '<s-tab>': { tab: true, shift: true },
      '<bs>': { backspace: true },
      '<pgdn>': { pageDown: true },
      '<pgup>': { pageUp: true },
      '<down>': { downArrow: true },
      '<up>': { upArrow: true },
      '<ctrl-c>': { ctrl: true },
    };
    const press = special[p] ? keyPress(p === '<ctrl-c>' ? 'c' : '', special[p]) : keyPress(p, {});
    s = reducer(s, { type: 'key', press: press! });
  }
  return s;
}

const typed = (state: AppState, text: string) => keys(state, ...[...text]);

function effects(state: AppState): Effect[] {
  return state.outbox.map((e) => e.effect);
}

function drained(state: AppState): AppState {
  return reducer(state, { type: 'outbox/taken', upTo: state.outboxSeq });
}

/** All hosts checked with the fake's diffs. */
async function checked(state: AppState): Promise<AppState> {
  let s = state;
  for (const host of HOSTS) s = reducer(s, { type: 'check/result', check: await fake.check(host.name) });
  return drained(s);
}

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

describe('host list: filter, selection, marks', () => {
  it('parses and matches name words and switch=value terms', () => {
    const web1 = HOSTS.find((h) => h.name === 'web1')!;
    expect(parseFilter(' role=web  web ')).toEqual([
      { kind: 'switch', name: 'role', value: 'web', negate: false },
      { kind: 'name', name: 'web', value: '', negate: false },
    ]);
    expect(matchesFilter(web1, parseFilter('WEB'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=web'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=db'))).toBe(false);
    expect(matchesFilter(web1, parseFilter('role!=db'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('env=pr*'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=web db'))).toBe(false);
  });

  it('filters as you type and keeps a visible selection', () => {
    let s = keys(init(), '/');
    expect(activeContexts(s)).toEqual(['filter']);
    s = typed(s, 'db');
    expect(visibleHosts(s).map((h) => h.name)).toEqual(['db1']);
    expect(s.selected).toBe('db1');
    s = keys(s, '<bs>', '<bs>');
    s = typed(s, 'role=web');
    // bad1 inherits role=web from the default switches
    expect(visibleHosts(s).map((h) => h.name)).toEqual(['web1', 'web2', 'web3', 'bad1', 'gone1', 'busy1']);
    expect(s.selected).toBe('web1'); // db1 is filtered out: the first match is selected
    s = keys(s, '<enter>');
    expect(s.filter).toEqual({ text: 'role=web', editing: false });
    expect(activeContexts(s)[0]).toBe('hosts');
    expect(paneLayout(s).filterBar).toBe(true);
    s = keys(s, '<esc>');
    expect(s.filter.text).toBe('');
    expect(visibleHosts(s)).toHaveLength(HOSTS.length);
  });

  it('selects the first match when the selection is filtered out', () => {
    const s = typed(keys(init(), '/'), 'cache');
    expect(s.selected).toBe('cache1');
  });

  it('moves the selection with j/k, g/G and pages', () => {
    let s = init();
    expect(s.selected).toBe('web1');
    s = keys(s, 'j', 'j');
    expect(s.selected).toBe('web3');
    s = keys(s, 'G');
    expect(s.selected).toBe(HOSTS[HOSTS.length - 1]!.name);
    s = keys(s, 'g', '<pgdn>');
    expect(s.selected).toBe(HOSTS[Math.min(HOSTS.length - 1, paneLayout(s).hostRows - 1)]!.name);
  });

  it('marks with space (advancing), marks all shown with a, clears with Esc', () => {
    let s = keys(init(), ' ', ' ');
    expect(Object.keys(s.marks)).toEqual(['web1', 'web2']);
    expect(s.selected).toBe('web3');
    expect(targetHosts(s)).toEqual(['web1', 'web2']);
    s = keys(s, 'k', ' ');
    expect(Object.keys(s.marks)).toEqual(['web1']);
    s = keys(s, '/', ...'db', '<enter>', 'a');
    expect(Object.keys(s.marks).sort()).toEqual(['db1', 'web1']);
    s = keys(s, 'a');
    expect(Object.keys(s.marks)).toEqual(['web1']);
    s = keys(s, '<esc>', '<esc>');
    expect(s.marks).toEqual({});
    expect(targetHosts(s)).toEqual([s.selected]);
  });

  it('starts on the last selected host and checks it first', () => {
    const s = init({ lastHost: 'db1' });
    expect(s.selected).toBe('db1');
    const check = effects(s)[0];
    expect(check?.type).toBe('check');
    if (check?.type === 'check') {
      expect(check.hosts[0]).toBe('db1');
      expect(check.hosts).not.toContain('bad1'); // config errors are not checked
    }
    expect(s.status.bad1?.kind).toBe('config-error');
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

describe('focus, tabs, loads', () => {
  it('cycles panes with Tab / Shift-Tab and picks tabs with digits', () => {
    let s = init();
    expect(s.focus).toBe('hosts');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('detail');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('log');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('hosts');
    s = keys(s, '<s-tab>');
    expect(s.focus).toBe('log');
    s = keys(s, '1');
    expect(s.tab).toBe('switches');
    expect(s.focus).toBe('detail');
    expect(activeContexts(s)).toEqual(['switches', 'global']);
  });

  it('loads a plan once per host and a history when its tab shows', () => {
    let s = drained(init());
    s = keys(s, '1');
    expect(effects(s)).toEqual([{ type: 'load-plan', host: 'web1' }]);
    expect(s.plans.web1).toEqual({ state: 'loading' });
    s = drained(keys(s, '2', '3'));
    expect(effects(s)).toEqual([]);
    s = keys(s, '5');
    expect(effects(s)).toEqual(expect.arrayContaining([{ type: 'load-history', host: 'web1' }]));
    s = reducer(s, { type: 'plan/error', host: 'web1', error: 'bad template' });
    expect(s.plans.web1).toEqual({ state: 'error', error: 'bad template' });
  });

  it('toggles help, zooms and resizes the log pane within bounds', () => {
    let s = keys(init(), '?');
    expect(activeContexts(s)).toEqual(['help']);
    s = keys(s, 'j');
    expect(s.help.top).toBe(1);
    s = keys(s, '<esc>');
    expect(s.help.open).toBe(false);
    const h = s.logHeight;
    s = keys(s, '+');
    expect(s.logHeight).toBe(h + 1);
    for (let i = 0; i < 50; i++) s = keys(s, '+');
    expect(paneLayout(s).mainHeight).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 80; i++) s = keys(s, '-');
    expect(s.logHeight).toBe(0);
    s = keys(s, 'z');
    expect(s.logZoom).toBe(true);
    expect(paneLayout(s).showMain).toBe(false);
    expect(activeContexts(s)[0]).toBe('log');
    s = keys(s, 'z');
    expect(s.logZoom).toBe(false);
  });

  it('w widens the detail pane while the host list is not focused', () => {
    let s = keys(init(), 'w');
    expect(s.wide).toBe(true);
    expect(s.focus).toBe('detail');
    expect(paneLayout(s)).toMatchObject({ showHosts: false, detailWidth: 80 });
    s = keys(s, '<esc>');
    expect(paneLayout(s)).toMatchObject({ showHosts: true, detailWidth: 80 - paneLayout(s).hostWidth - 1 });
    s = keys(s, 'w');
    expect(s.wide).toBe(false);
  });

  it('computes a layout that fits 80×24 and 200×50', () => {
    for (const size of [
      { columns: 80, rows: 24 },
      { columns: 200, rows: 50 },
    ]) {
      const l = paneLayout({ ...init(), size });
      expect(l.rows).toBe(size.rows);
      expect(1 + l.mainHeight + l.logHeight + 1).toBe(l.rows);
      expect(l.hostWidth + 1 + l.detailWidth).toBe(size.columns);
      expect(l.tooSmall).toBe(false);
    }
    expect(paneLayout({ ...init(), size: { columns: 30, rows: 8 } }).tooSmall).toBe(true);
  });
});

describe('diff view state', () => {
  it('shows the selected (or marked) hosts\u2019 pending files', async () => {
    let s = await checked(init());
    s = keys(s, 'd');
    expect(s.tab).toBe('diff');
    expect(s.focus).toBe('detail');
    expect(effects(s)).toEqual([{ type: 'check', hosts: ['web1'], priority: true }]);
    expect(diffEntries(s).map((e) => e.change.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/motd', '/etc/ssh/sshd_config', '/etc/hosts']);
    s = keys(drained(s), '<esc>', ' ', 'j', ' ', 'd');
    expect(s.diffHosts).toEqual(['web1', 'web3']);
    expect(diffEntries(s).map((e) => `${e.host}:${e.change.path}`)).toContain('web3:/usr/local/share/konf/logo.png');
  });

  it('moves between files and hunks, across files at the ends', async () => {
    let s = keys(await checked(init()), 'd');
    expect(s.diffCursor).toEqual({ file: 0, top: 0, left: 0 });
    s = keys(s, 'n');
    expect(s.diffCursor.top).toBeGreaterThan(0); // second hunk of nginx.conf
    s = keys(s, 'n');
    expect(s.diffCursor.file).toBe(1); // no more hunks: next file
    s = keys(s, 'N');
    expect(s.diffCursor.file).toBe(0);
    s = keys(s, ']', ']', ']', ']', ']');
    expect(s.diffCursor.file).toBe(3);
    s = keys(s, '[');
    expect(s.diffCursor).toEqual({ file: 2, top: 0, left: 0 });
  });

  it('toggles the layout and keeps the hunk in view', async () => {
    let s = keys(await checked(init()), 'd', 'j', 'j', 'j');
    const change = diffEntries(s)[0]!.change;
    const inView = (row: number) => row >= s.diffCursor.top && row < s.diffCursor.top + diffViewRows(s);
    expect(s.diffCursor.top).toBe(3);
    s = keys(s, 'v');
    expect(s.layout).toBe('side-by-side');
    expect(s.diffCursor.top).toBe(3); // same hunk (the first), same distance into it
    s = keys(s, 'n');
    expect(inView(fileDoc(change, 'side-by-side').hunks[1]!)).toBe(true);
    s = keys(s, 'v');
    expect(s.layout).toBe('unified');
    expect(inView(fileDoc(change, 'unified').hunks[1]!)).toBe(true);
  });

  it('pages through a 20,000-line file', async () => {
    let s = await checked(init({ lastHost: 'big1' }));
    s = keys(s, 'd', '<pgdn>');
    expect(s.diffCursor.top).toBeGreaterThan(5);
    s = keys(s, 'G');
    expect(s.diffCursor.top).toBeGreaterThan(19_980);
    s = keys(s, 'g');
    expect(s.diffCursor.top).toBe(0);
  });
});

describe('history and rollback', () => {
  const snapshots: SnapshotInfo[] = fake.snapshotsOf('web1').slice();

  it('previews with Enter and asks before rolling back, stating host, snapshot and file count', async () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = keys(s, 'j', '<enter>');
    expect(effects(s)).toEqual([{ type: 'load-preview', host: 'web1', snapshot: snapshots[1]!.id }]);
    expect(activeContexts(s)[0]).toBe('preview');
    s = drained(s);
    const diff = await fake.rollbackPreview('web1', snapshots[1]!.id);
    s = reducer(s, { type: 'preview/result', host: 'web1', snapshot: snapshots[1]!.id, diff });
    s = keys(s, 'r');
    expect(s.confirm?.title).toBe(`Roll back web1 to snapshot ${snapshots[1]!.id.slice(0, 7)} (3 files)?`);
    expect(s.confirm?.lines.join('\n')).toContain('/etc/motd');
    s = keys(s, 'y');
    expect(s.confirm).toBeUndefined();
    expect(effects(s)).toEqual([{ type: 'run', local: 'c1', request: { kind: 'rollback', host: 'web1', snapshot: snapshots[1]!.id } }]);
    expect(s.status.web1).toEqual({ kind: 'running', phase: 'start' });
  });

  it('r on a snapshot without a preview loads it and asks once it is there', async () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = drained(keys(s, 'r'));
    expect(s.preview?.confirmWhenLoaded).toBe(true);
    expect(s.confirm).toBeUndefined();
    const diff = await fake.rollbackPreview('web1', snapshots[0]!.id);
    s = reducer(s, { type: 'preview/result', host: 'web1', snapshot: snapshots[0]!.id, diff });
    expect(s.confirm?.title).toContain('Roll back web1');
    s = keys(s, 'n');
    expect(s.confirm).toBeUndefined();
    expect(effects(s)).toEqual([]);
    s = keys(s, '<esc>');
    expect(s.preview).toBeUndefined();
  });

  it('ignores a preview that arrives for another snapshot', () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = keys(s, '<enter>');
    const after = reducer(s, { type: 'preview/result', host: 'web1', snapshot: 'other', diff: { host: 'web1', files: [], pending: 0 } });
    expect(after).toBe(s);
  });
});

describe('deploy, snapshot and quit confirmations', () => {
  it('D lists hosts and files; n cancels without effects; y starts the deploy', async () => {
    let s = await checked(init());
    s = keys(s, ' ', 'j', 'j', 'j', 'j', 'j', ' ', 'D'); // web1 and bad1 (config error)
    expect(s.confirm?.title).toBe('Deploy 3 files to 1 host: web1?');
    const text = s.confirm!.lines.join('\n');
    expect(text).toContain('web1: writes 3 files');
    expect(text).toContain('M /etc/nginx/nginx.conf  (+2 -2)');
    expect(text).toContain('m /etc/ssh/sshd_config  (mode 0644 \u2192 0600)');
    expect(text).toContain('skipped (config error): bad1');
    const cancelled = keys(s, 'n');
    expect(cancelled.confirm).toBeUndefined();
    expect(effects(cancelled)).toEqual([]);
    const started = keys(s, 'y');
    // What was shown is what is confirmed: the deploy carries web1's plan fingerprint and write set.
    const check = s.checks.web1!;
    expect(effects(started)).toEqual([{ type: 'run', local: 'c1', request: { kind: 'deploy', hosts: ['web1'], confirmed: { web1: check.confirm } } }]);
    expect(check.confirm?.writes).toHaveLength(3);
    expect(started.ops[0]).toMatchObject({ id: 'c1', kind: 'deploy', hosts: ['web1'], finished: false });
  });

  it('refuses hosts that are busy or have config errors', async () => {
    let s = await checked(init({ lastHost: 'bad1' }));
    s = keys(s, 'D');
    expect(s.confirm).toBeUndefined();
    expect(s.notice).toMatch(/config error/);
    s = keys(s, 'g', 'D', 'y', 'D');
    expect(s.notice).toBe('busy: web1');
  });

  it('S asks to snapshot and says nothing is written on the hosts', () => {
    const s = keys(init(), 'S');
    expect(s.confirm?.title).toBe('Snapshot 1 host: web1?');
    expect(s.confirm?.lines.join('\n')).toContain('Nothing is written on the hosts.');
  });

  it('q quits at once when idle, asks while an operation runs', () => {
    const idle = keys(drained(init()), 'q');
    expect(idle.quitting).toBe(true);
    expect(effects(idle)).toEqual([{ type: 'quit', cancel: false }]);
    let busy = drained(keys(drained(init()), 'S', 'y'));
    busy = keys(busy, 'q');
    expect(busy.quitting).toBe(false);
    expect(busy.confirm?.title).toBe('1 operation running. Quit anyway?');
    expect(keys(busy, 'n').confirm).toBeUndefined();
    const yes = keys(busy, 'y');
    expect(effects(yes)).toEqual([{ type: 'quit', cancel: true }]);
    const ctrlC = keys(busy, '<ctrl-c>');
    expect(effects(ctrlC)).toEqual([{ type: 'quit', cancel: true }]);
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

  it('log focus scrolls, f toggles follow, G follows again', () => {
    let s = init();
    s = reducer(s, { type: 'log/append', time: '2026-05-01T12:00:00Z', lines: Array.from({ length: 40 }, (_, i) => ({ level: 'info' as const, text: `m${i}` })) });
    s = keys(s, 'l', 'k');
    expect(s.log.follow).toBe(false);
    s = keys(s, 'G');
    expect(s.log.follow).toBe(true);
    s = keys(s, 'f');
    expect(s.log.follow).toBe(false);
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
