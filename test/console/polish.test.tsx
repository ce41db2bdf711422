/**
 * Details from a screenshot review at 120×36 and 80×24: confirmation wording and size,
 * host names said once, hint bar and help sized to the room, cut marks in diffs, history
 * rows, one deploy summary, where files go.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { fitHints } from '../../src/console/components/HintBar.js';
import { helpColumns } from '../../src/console/components/HelpOverlay.js';
import { historyColumns, historyRowParts } from '../../src/console/components/Tabs.js';
import { helpRows } from '../../src/console/keymap.js';
import { eventLines } from '../../src/console/state/log.js';
import { paneLayout, shownHelpRows } from '../../src/console/state/select.js';
import type { SnapshotInfo } from '../../src/core/store/types.js';
import { KEYS, renderConsole, renderSized, waitForFrame, waitForText } from '../helpers/consoleTesting.js';
import { FakeSession } from '../helpers/fakeSession.js';

afterEach(() => cleanup());

const lines = (frame: string) => frame.split('\n');

describe('deploy confirmation', () => {
  it('says an unreachable host is unreachable (and will fail), not "not checked yet"', async () => {
    const c = renderConsole({ prefs: { lastHost: 'gone1' } });
    await waitForText(c.lastFrame, 'gone1    unreachable');
    await c.press('D');
    const frame = await waitForText(c.lastFrame, 'Deploy ');
    expect(frame).toContain('gone1: unreachable \u2014 the deploy will fail there');
    expect(frame).toContain('ssh: connect to host gone1 port 22: Connection refused');
    expect(frame).not.toContain('not checked yet');
    expect(frame).not.toContain('gone1: ssh:');
  });

  it('is as tall as its content at 120\u00d736, and whole at 80\u00d724', async () => {
    const big = renderSized(120, 36);
    await waitForText(big.lastFrame, '3 pending');
    await big.press('D');
    let frame = await waitForText(big.lastFrame, 'Deploy 3 files to 1 host: web1?');
    let rows = lines(frame);
    const top = rows.findIndex((l) => l.includes('\u256d'));
    const bottom = rows.findIndex((l) => l.includes('\u2570'));
    // title, host line, 3 files, blank, 2 lines of explanation, the answer line, the frame
    expect(bottom - top + 1).toBe(11);
    expect(rows[bottom - 1]).toContain(' y  deploy');
    big.unmount();

    const small = renderConsole();
    await waitForText(small.lastFrame, 'web1     3 pending');
    await small.press('D');
    frame = await waitForText(small.lastFrame, 'Deploy 3 files to 1 host: web1?');
    rows = lines(frame);
    expect(rows.length).toBeLessThanOrEqual(24);
    expect(frame).toContain('any failure restores the snapshot.');
    expect(frame).toContain(' y  deploy');
    expect(Math.max(...rows.map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  it('states where the files go: the target root and sudo', async () => {
    const c = renderConsole({ prefs: { lastHost: 'db1' } });
    await waitForText(c.lastFrame, 'db1      1 drifted');
    await c.press('D');
    const frame = await waitForText(c.lastFrame, 'Deploy 1 file to 1 host: db1?');
    expect(frame).toContain('db1 (root /srv/chroot/db1, via sudo): writes 1 file');
  });
});

describe('host errors', () => {
  it('name the host once: in the detail header and in the diff tab', async () => {
    const c = renderConsole({ prefs: { lastHost: 'gone1' } });
    const frame = await waitForText(c.lastFrame, 'gone1    unreachable', 'gone1 unreachable: ssh: connect');
    expect(frame).toContain('gone1: unreachable: ssh: connect to host gone1');
    expect(frame).not.toMatch(/gone1: ssh/);
  });
});

describe('hint bar', () => {
  it('keeps "? help" and "q quit" whenever they fit', async () => {
    const c = renderConsole();
    const frame = await waitForText(c.lastFrame, 'web1     3 pending');
    const hints = lines(frame)[23]!;
    expect(hints).toContain('? help');
    expect(hints).toContain('q quit');
    expect(hints.length).toBeLessThanOrEqual(80);
  });

  it('fills the room in table order, skipping what does not fit', () => {
    const items = [
      { keys: 'a', label: 'first' },
      { keys: 'b', label: 'a-rather-long-one' },
      { keys: 'c', label: 'third' },
      { keys: 'q', label: 'quit', rank: 1 },
    ];
    expect(fitHints(items, 25)).toEqual(['a first', 'c third', 'q quit']);
    expect(fitHints(items, 6)).toEqual(['q quit']);
  });
});

describe('help overlay', () => {
  it('shows every description whole at 120 columns', async () => {
    const c = renderSized(120, 36);
    await waitForText(c.lastFrame, 'web1');
    await c.press('?');
    let frame = await waitForText(c.lastFrame, 'Keys (');
    for (let page = 0; page < 5; page++) {
      for (const line of lines(frame)) expect(line).not.toContain('\u2026 ');
      if (frame.includes(`-${shownHelpRows({ help: { open: true, top: 0 } }).length} of`)) break;
      await c.press(KEYS.pageDown);
      const before = frame;
      frame = await waitForFrame(c.lastFrame, (f) => f !== before);
    }
    expect(frame).toContain('Quit (asks if an operation runs; twice: cancel it and quit)');
    c.unmount();
  });

  it('sizes its columns to their content and the width', () => {
    const rows = helpRows();
    const longest = Math.max(...rows.map((r) => r.description.length));
    for (const width of [120, 160, 200]) {
      const cols = helpColumns(rows, width);
      expect(cols.description).toBeGreaterThanOrEqual(longest);
      expect(cols.where).toBeGreaterThanOrEqual(16);
      expect(1 + cols.keys + cols.description + 1 + cols.where).toBeLessThanOrEqual(width);
    }
    const narrow = helpColumns(rows, 80);
    expect(narrow.where).toBe(0);
    expect(1 + narrow.keys + narrow.description).toBeLessThanOrEqual(80);
  });
});

describe('diff lines', () => {
  it('mark where a long line is cut, in both layouts', async () => {
    const c = renderConsole({ prefs: { lastHost: 'lb1' } });
    await waitForText(c.lastFrame, 'lb1      1 pending');
    await c.press('d');
    let frame = await waitForText(c.lastFrame, 'haproxy.cfg', 'unified');
    const unified = lines(frame).filter((l) => l.includes('server web1 10.0.0.11:80'));
    expect(unified).toHaveLength(2);
    for (const line of unified) expect(line.trimEnd()).toMatch(/\u203a$/);
    await c.press('v');
    frame = await waitForText(c.lastFrame, 'side-by-side');
    const split = lines(frame).find((l) => l.includes('server web1'))!;
    expect(split).toMatch(/\u203a\u2502.*\u203a\s*$/);
  });

  it('side-by-side gets most of the width at 120 columns (the host list is as wide as its names)', () => {
    const session = new FakeSession();
    const layout = paneLayout({ size: { columns: 120, rows: 36 }, logHeight: 6, logZoom: false, filter: { text: '', editing: false }, hosts: session.hosts() });
    expect(layout.hostWidth).toBeLessThanOrEqual(32);
    expect(layout.detailWidth).toBeGreaterThanOrEqual(87);
    const longNames = session.hosts().map((h) => ({ ...h, name: `${h.name}.very-long-domain.example.net` }));
    expect(paneLayout({ size: { columns: 120, rows: 36 }, logHeight: 6, logZoom: false, filter: { text: '', editing: false }, hosts: longNames }).hostWidth).toBe(44);
  });
});

describe('history rows', () => {
  const snapshot = (changed: number, reason: SnapshotInfo['reason'], message?: string): SnapshotInfo => ({
    id: 'abcdef0123456789abcdef0123456789abcdef01',
    host: 'web1',
    time: '2026-05-01T10:00:00Z',
    files: 29,
    changed: Array.from({ length: changed }, (_, i) => `/etc/f${i}`),
    reason,
    operator: 'root',
    op: 'op',
    ...(message ? { message } : {}),
  });

  it('have the same columns, fit the pane, and span it (the highlight too)', () => {
    const list = [snapshot(0, 'pre-deploy'), snapshot(26, 'manual', 'demo: first look at the fleet'), { ...snapshot(0, 'pre-deploy'), operation: { kind: 'deploy', outcome: 'ok', changed: 3 } }];
    const now = Date.parse('2026-05-01T12:00:00Z');
    for (const width of [75, 49, 120]) {
      const cols = historyColumns(list, width);
      const rows = list.map((s) => historyRowParts(s, cols, width, now, true).map((p) => p.text).join(''));
      for (const row of rows) expect(row).toHaveLength(width);
      // a pre-deploy snapshot says what its deploy did, not "(0 changed)" (issue 13)
      expect(rows[0]).toContain('pre-deploy');
      expect(rows[0]).toContain('(wrote ?)');
      expect(rows[1]).toContain('(26 changed)');
      expect(rows[2]).toContain('(wrote 3)');
      // the counts line up
      expect(rows[0]!.indexOf('29 files')).toBe(rows[1]!.indexOf('29 files'));
    }
  });

  it('say what each snapshot\u2019s operation changed in the History tab', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('5');
    const frame = await waitForText(c.lastFrame, '3 snapshots, newest first');
    const rows = lines(frame).filter((l) => /pre-deploy|manual|pre-rollback/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('pre-deploy   6 files (wrote 2)');
    expect(rows[1]).toContain('(2 changed)');
    expect(rows[2]).toContain('pre-rollback 6 files (wrote ?)');
    expect(frame).not.toContain('(0 changed)');
  });
});

describe('operation summary', () => {
  it('says it once: "deploy done (1 ok)"', () => {
    const [line] = eventLines({ op: 'o', time: '2026-05-01T12:00:00Z', type: 'op-end', kind: 'deploy', ok: true, level: 'info', text: '1 ok', summary: { ok: 1 } });
    expect(line?.text).toBe('deploy done (1 ok)');
    const [empty] = eventLines({ op: 'o', time: '2026-05-01T12:00:00Z', type: 'op-end', kind: 'deploy', ok: true, level: 'info', text: 'no hosts', summary: {} });
    expect(empty?.text).toBe('deploy done: no hosts');
  });
});
