/** The real App on a FakeSession, through ink-testing-library: frames are awaited, never slept for. */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { shownHelpRows } from '../../src/console/state/select.js';

/** Every row of the help: the keymap's bindings and the legend of the change marks. */
const helpRows = () => shownHelpRows({ help: { open: true, top: 0 } });
import { eventually, KEYS, renderConsole, renderSized, waitForFrame, waitForText } from '../helpers/consoleTesting.js';

afterEach(() => cleanup());

const lines = (frame: string) => frame.split('\n');
/** The host list column of a frame (left of the separator). */
const hostColumn = (frame: string) => lines(frame).map((l) => l.split('\u2502')[0] ?? '');

describe('host list', () => {
  it('fills badges from background checks', async () => {
    const c = renderConsole();
    const frame = await waitForText(c.lastFrame, 'web1     3 pending', 'web2     in sync', 'bad1     config error', 'gone1    unreachable', 'busy1    locked by b');
    expect(frame).toContain('db1      1 drifted');
    expect(c.session.callsOf('check').map((call) => call.args[0])).not.toContain('bad1');
  });

  it('filters by name and by switch=value, showing the filter while active', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('/');
    await c.type('db');
    let frame = await waitForText(c.lastFrame, '/db\u2588');
    expect(hostColumn(frame).join('\n')).toContain('db1');
    expect(hostColumn(frame).join('\n')).not.toContain('web1');
    expect(frame).toContain('Hosts 1/9');
    await c.press(...Array(2).fill(KEYS.backspace));
    await c.type('env=staging');
    frame = await waitForText(c.lastFrame, '/env=staging');
    expect(hostColumn(frame).filter((l) => /^[ >][ *](web|db|cache|lb|bad|gone|busy)/.test(l)).map((l) => l.trim().split(/\s+/)[1] ?? l.trim().split(/\s+/)[0])).toEqual(['web3']);
    await c.press(KEYS.enter);
    frame = await waitForText(c.lastFrame, 'filter: env=staging');
    expect(frame).toContain('web3');
    await c.press(KEYS.escape);
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes('filter:') && f.includes('Hosts 9'));
    expect(frame).toContain('web1');
  });

  it('marks hosts with space for batch work', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press(' ', 'j', ' ');
    const frame = await waitForText(c.lastFrame, '2 marked');
    expect(frame).toMatch(/ \*web1 /);
    expect(frame).toMatch(/ \*web3 /);
    expect(frame).toMatch(/ {2}web2 /);
  });

  it('takes keys that arrive in one chunk (slow links coalesce keystrokes) one by one', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('/db');
    await waitForText(c.lastFrame, '/db\u2588', 'Hosts 1/9');
    await c.press(KEYS.enter, 'jkD');
    await waitForText(c.lastFrame, 'Deploy 1 file to 1 host: db1?');
  });

  it('keeps keys responsive while checks are still running', async () => {
    const c = renderConsole({ checkDelayMs: 5000 });
    await waitForText(c.lastFrame, 'checking');
    await c.press('/');
    await c.type('lb');
    const frame = await waitForText(c.lastFrame, '/lb');
    expect(frame).toContain('lb1');
    expect(c.session.callsOf('check').length).toBeLessThanOrEqual(8); // bounded concurrency
  });
});

describe('diff view', () => {
  it('shows line numbers and +/- lines, and v toggles side-by-side', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('d');
    let frame = await waitForText(c.lastFrame, 'unified', '/etc/nginx/nginx.conf');
    expect(frame).toMatch(/ {2}2 {5}- worker_processes 4;/);
    expect(frame).toMatch(/ {6}2 \+ worker_processes 8;/);
    expect(frame).toContain('@@ -1,5 +1,5 @@');
    await c.press('v');
    frame = await waitForText(c.lastFrame, 'side-by-side');
    const row = lines(frame).find((l) => l.includes('worker_processes 4'))!;
    expect(row).toMatch(/ {2}2- worker_processes 4;\s*\u2502 {2}2\+ worker_processes 8;/);
    // Saved by the App's effect, after the frame that shows it.
    await eventually(() => expect(c.prefs.load().diffLayout).toBe('side-by-side'));
    await c.press('w'); // wide: the host list steps aside while the diff has focus
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes('Hosts 9') && f.includes(' 1 Switches  2 Excludes'));
    expect(lines(frame).find((l) => l.includes('worker_processes 4;'))).toMatch(/^ {2}2- worker_processes 4; +\u2502 {2}2\+ worker_processes 8;/);
    await c.press('v');
    await waitForText(c.lastFrame, ' unified ');
    await c.press(KEYS.escape);
    await waitForText(c.lastFrame, 'Hosts 9');
  });

  it('shows binary and metadata-only changes plainly', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web3     1 pending');
    await c.press('j', 'j', 'd');
    let frame = await waitForText(c.lastFrame, 'binary file differs');
    expect(frame).toContain('live:    2.0 KiB');
    expect(frame).toContain('desired: 3.1 KiB');
    await c.press(KEYS.escape, 'k', 'k', 'd', ']', ']');
    frame = await waitForText(c.lastFrame, 'metadata only');
    expect(frame).toContain('mode: 0644 \u2192 0600');
  });

  it('scrolls a 20,000-line diff, rendering only a window of rows', async () => {
    const c = renderConsole({ bigDiff: true, prefs: { lastHost: 'big1' } });
    await waitForText(c.lastFrame, 'big1     1 pending');
    await c.press('d');
    let frame = await waitForText(c.lastFrame, '+ row 1;value 0');
    expect(lines(frame).length).toBeLessThanOrEqual(24);
    await c.press(KEYS.pageDown);
    // (the empty log pane is one line, so the page is 15 rows: rows 16-30 of the file)
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes('+ row 1;value 0') && f.includes('+ row 20;'));
    await c.press('G');
    frame = await waitForText(c.lastFrame, '20000 + row 20000;');
    expect(frame).not.toContain('row 19980;');
    expect(lines(frame).length).toBeLessThanOrEqual(24);
    const diffRows = lines(frame).filter((l) => / \+ row \d+;/.test(l));
    expect(diffRows.length).toBeGreaterThan(3);
    // a window: the body's 15 rows at 80×24 (the empty log pane is one line) plus the header's
    expect(diffRows.length).toBeLessThanOrEqual(16);
    await c.press('g');
    await waitForText(c.lastFrame, '+ row 1;value 0');
  });
});

describe('history and rollback picker', () => {
  it('Enter previews; r asks with host, snapshot and file count; y rolls back to that id', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    const snapshots = c.session.snapshotsOf('web1');
    const second = snapshots[1]!;
    await c.press('5');
    await waitForText(c.lastFrame, '3 snapshots, newest first');
    await c.press('j', KEYS.enter);
    let frame = await waitForText(c.lastFrame, `Rollback preview: web1 \u2192 ${second.id.slice(0, 7)}`, 'M /etc/motd');
    expect(c.session.callsOf('rollbackPreview').at(-1)?.args).toEqual(['web1', second.id]);
    await c.press('r');
    frame = await waitForText(c.lastFrame, `Roll back web1 to snapshot ${second.id.slice(0, 7)} (3 files)?`);
    expect(frame).toContain('Writes 3 files on web1:');
    expect(frame).toContain('/etc/motd');
    expect(frame).toContain('pre-rollback snapshot is taken first');
    expect(c.session.callsOf('rollback')).toHaveLength(0);
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('rollback').map((call) => call.args)).toEqual([['web1', second.id]]));
    await waitForText(c.lastFrame, 'rollback done');
  });

  it('n on the rollback question does nothing', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('5');
    await waitForText(c.lastFrame, 'snapshots, newest first');
    await c.press('r');
    await waitForText(c.lastFrame, 'Roll back web1 to snapshot');
    await c.press('n');
    await waitForFrame(c.lastFrame, (f) => !f.includes('Roll back web1 to snapshot'));
    expect(c.session.callsOf('rollback')).toHaveLength(0);
  });
});

describe('deploy confirmation', () => {
  it('D lists hosts and files; n cancels with nothing called; y deploys and the log shows the events', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press(' ', ' ', 'D'); // web1 and web2 marked
    let frame = await waitForText(c.lastFrame, 'Deploy 3 files to 2 hosts: web1, web2?');
    expect(frame).toContain('web1: writes 3 files');
    expect(frame).toContain('M /etc/nginx/nginx.conf  (+2 -2)');
    expect(frame).toContain('+ /etc/motd');
    expect(frame).toContain('web2: in sync, nothing to write');
    await c.press('n');
    await waitForFrame(c.lastFrame, (f) => !f.includes('Deploy 3 files'));
    expect(c.session.callsOf('deploy')).toHaveLength(0);
    await c.press('D', 'y');
    await eventually(() => expect(c.session.callsOf('deploy').map((call) => call.args[0])).toEqual([['web1', 'web2']]));
    frame = await waitForText(c.lastFrame, 'deploy done (1 ok, 1 unchanged)', '*web1     in sync');
    await c.press('z');
    frame = await waitForText(c.lastFrame, 'zoomed');
    expect(frame).toMatch(/web1 +\u2502 \[20-reload\] nginx reloaded/);
    expect(frame).toMatch(/web1 +\u2502 wrote \/etc\/nginx\/nginx.conf/);
    expect(frame).toMatch(/web2 +\u2502 unchanged/);
  });

  it('a failed deploy shows on the badge and in the log; the console carries on', async () => {
    const c = renderConsole({ failDeploy: ['web1'] });
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('D', 'y');
    const frame = await waitForText(c.lastFrame, 'web1     restored', 'deploy failed');
    expect(frame).toContain('post-deploy hook 20-reload exited 1');
    await c.press('j');
    await waitForText(c.lastFrame, '> web2');
  });
});

describe('help, quit, layout', () => {
  it('? shows the keymap table and the change marks, all of it, and nothing else', async () => {
    const c = renderSized(200, 50);
    await waitForText(c.lastFrame, 'web1');
    await c.press('?');
    await waitForText(c.lastFrame, 'Keys (');
    const seen = new Set<string>();
    for (let page = 0; page < 10; page++) {
      const frame = c.lastFrame() ?? '';
      for (const line of lines(frame)) seen.add(line.replace(/\s+/g, ' ').trim());
      if (frame.includes(`-${helpRows().length} of`)) break;
      await c.press(KEYS.pageDown);
      await waitForFrame(c.lastFrame, (f) => f !== frame);
    }
    const shown = [...seen].filter((l) => helpRows().some((row) => l.startsWith(row.keys.replace(/\s+/g, ' ') + ' ')));
    for (const row of helpRows()) {
      const line = `${row.keys} ${row.description} ${row.where}`.replace(/\s+/g, ' ');
      expect(shown, line).toContain(line);
    }
    expect(shown).toHaveLength(helpRows().length);
    await c.press(KEYS.escape);
    await waitForFrame(c.lastFrame, (f) => !f.includes('Keys ('));
    c.unmount();
  });

  it('q quits at once when nothing runs', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1');
    await c.press('q');
    await eventually(() => expect(c.exited()).toBe(true));
  });

  it('q asks while an operation runs; y cancels it and quits', async () => {
    const c = renderConsole({ holdOperations: true });
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('S', 'y');
    await waitForText(c.lastFrame, 'waiting (held by the test)');
    await c.press('q');
    await waitForText(c.lastFrame, '1 operation running. Quit anyway?', 'snapshot on web1');
    await c.press('n');
    await waitForFrame(c.lastFrame, (f) => !f.includes('Quit anyway?'));
    expect(c.exited()).toBe(false);
    await c.press('q', 'y');
    await eventually(() => expect(c.exited()).toBe(true));
    await waitForText(c.lastFrame, 'snapshot failed');
  });

  it('shows each pane\u2019s rows at 200\u00d750 and fits 80\u00d724 after a resize', async () => {
    const c = renderSized(200, 50);
    let frame = await waitForText(c.lastFrame, 'web1', '3 pending');
    expect(lines(frame).length).toBe(50);
    expect(Math.max(...lines(frame).map((l) => l.length))).toBeLessThanOrEqual(200);
    expect(frame).toContain(' 1 Switches  2 Excludes  3 Files  4 Diff  5 History');
    expect(frame).toMatch(/busy1 +locked by bob@/);
    c.stdout.resize(80, 24);
    frame = await waitForFrame(c.lastFrame, (f) => lines(f).length === 24 && f.includes('1 Switch '));
    expect(Math.max(...lines(frame).map((l) => l.length))).toBeLessThanOrEqual(80);
    c.stdout.resize(40, 10);
    frame = await waitForText(c.lastFrame, 'konf needs at least 50');
    c.unmount();
  });

  it('log pane shows host-prefixed events, zooms with z and follows by default', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press(' ', ' ', ' ', 'S', 'y');
    let frame = await waitForText(c.lastFrame, 'snapshot done (3 ok)');
    expect(frame).toContain('Log (follow)');
    await c.press('l', 'k');
    await waitForText(c.lastFrame, 'Log (scrolled');
    await c.press('G');
    await waitForText(c.lastFrame, 'Log (follow)');
    await c.press('z');
    frame = await waitForText(c.lastFrame, 'Log (follow, zoomed)');
    expect(frame).toMatch(/web3 +\u2502 reading managed files/);
    expect(frame).toContain('snapshot started on 3 hosts (web1, web2, web3) by tester');
    await c.press('z');
    await waitForFrame(c.lastFrame, (f) => f.includes('Log (follow)') && f.includes('Hosts 9'));
  });
});
