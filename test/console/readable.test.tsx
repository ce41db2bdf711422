/**
 * Issue 13, "Readable at 80×24": the hint bar keeps what matters, the help scrolls and is
 * searched, an empty log takes one line, the change marks have a legend, the host list's
 * columns are named, nothing is cut without a way to see it whole.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { hintItems, fitHints } from '../../src/console/components/HintBar.js';
import { footerLines, switchColumns } from '../../src/console/components/Tabs.js';
import { KEYMAP, type Context } from '../../src/console/keymap.js';
import { KEYS, renderConsole, waitForFrame, waitForText } from '../helpers/consoleTesting.js';

afterEach(() => cleanup());

const lines = (frame: string) => frame.split('\n');
const ESSENTIAL = ['/ filter', 'd diff', 'D deploy', '? help', 'q quit'];

describe('hint bar at 80 columns', () => {
  it('always keeps / filter, d diff, D deploy, ? help and q quit, in every pane', () => {
    const panes: Context[][] = [['hosts', 'global'], ['switches', 'global'], ['files', 'global'], ['diff', 'global'], ['history', 'global'], ['preview', 'global'], ['log', 'global']];
    for (const contexts of panes) {
      const shown = fitHints(hintItems(contexts), 80);
      // `/` filters the hosts, and searches where there is text to search (the diff, the log).
      const slash = contexts.some((c) => ['diff', 'preview', 'log'].includes(c)) ? '/ search' : '/ filter';
      for (const hint of ESSENTIAL.map((h) => (h === '/ filter' ? slash : h))) expect(shown, contexts.join()).toContain(hint);
      expect(shown.join('  ').length).toBeLessThanOrEqual(80);
    }
  });

  it('drops by the keymap\u2019s priority, not by position', () => {
    // The ranks come from the table: the essential five are rank 1.
    for (const command of ['filter', 'search', 'diff', 'deploy', 'help', 'quit']) expect(KEYMAP.find((b) => b.command === command)?.keep).toBe(1);
    const items = hintItems(['diff', 'global']);
    const narrow = fitHints(items, 42);
    expect(narrow).toEqual(['/ search', 'd diff', 'D deploy', '? help', 'q quit']);
  });

  it('is drawn whole on the screen at 80\u00d724 in the diff', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('d');
    const frame = await waitForText(c.lastFrame, 'nginx.conf');
    const hints = lines(frame)[23]!;
    for (const hint of ESSENTIAL.map((h) => (h === '/ filter' ? '/ search' : h))) expect(hints).toContain(hint);
  });
});

describe('help', () => {
  it('scrolls and can be searched with /', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('?');
    let frame = await waitForText(c.lastFrame, 'Keys (1-');
    expect(frame).not.toContain('Redraw the screen');
    await c.press('G');
    frame = await waitForText(c.lastFrame, 'Change mark: not checked');
    await c.press('/');
    await c.type('rollback');
    frame = await waitForText(c.lastFrame, 'Keys matching /rollback_');
    expect(frame).toContain('Roll back to the selected snapshot (asks first)');
    expect(frame).toContain('Rollback picker');
    expect(frame).not.toContain('Deploy the selected');
    await c.press(KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace, KEYS.backspace);
    await c.type('excluded');
    await c.press(KEYS.enter);
    frame = await waitForText(c.lastFrame, 'Keys matching /excluded (');
    expect(frame).toContain('Change mark: excluded');
    // the search does not touch the host filter, and Esc closes the help
    await c.press(KEYS.escape);
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes('Keys matching'));
    expect(frame).toContain('web2');
  });
});

describe('log pane', () => {
  it('is one line while empty and grows when something is logged', async () => {
    const c = renderConsole();
    let frame = await waitForText(c.lastFrame, 'web1     3 pending');
    let rows = lines(frame);
    expect(rows[22]).toContain('Log (follow)');
    expect(rows.length).toBe(24);
    await c.press('S', 'y');
    frame = await waitForText(c.lastFrame, 'snapshot ok');
    rows = lines(frame);
    const logHeader = rows.findIndex((l) => l.includes(' Log ('));
    expect(logHeader).toBeLessThan(22);
    expect(rows.length).toBe(24);
  });
});

describe('diff view at 80\u00d724', () => {
  it('names the hosts and the marks, collapses excluded files, labels the sides and wraps', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('d');
    let frame = await waitForText(c.lastFrame, 'diff of web1 \u00b7 + new  M modified');
    expect(frame).not.toContain('> x /etc/hosts');
    await c.press(']', ']');
    frame = await waitForText(c.lastFrame, 'x 1 file excluded \u00b7 x lists them');
    await c.press('x');
    frame = await waitForText(c.lastFrame, 'x /etc/hosts');
    await c.press('[', '[', 'v');
    frame = await waitForText(c.lastFrame, 'side-by-side');
    const labels = lines(frame).find((l) => l.includes('live') && l.includes('repo'));
    expect(labels).toBeDefined();
    expect(labels!.indexOf('live')).toBeLessThan(labels!.indexOf('\u2502', labels!.indexOf('\u2502') + 1));
    await c.press('W');
    await waitForText(c.lastFrame, 'side-by-side wrapped');
  });

  it('a multi-host diff names its hosts; an identical change is listed once with its hosts', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending', 'web3     1 pending');
    await c.press(' ', 'j', ' ', 'd');
    const frame = await waitForText(c.lastFrame, '2 hosts: web1, web3');
    expect(frame).toContain('web1:/etc/nginx/nginx.conf');
  });

  it('the rollback preview labels its sides now | snapshot', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('5');
    await waitForText(c.lastFrame, 'newest first');
    await c.press('j', KEYS.enter);
    await waitForText(c.lastFrame, 'Rollback preview');
    await c.press('v');
    const frame = await waitForText(c.lastFrame, 'side-by-side');
    const labels = lines(frame).find((l) => l.includes('now') && l.includes('snapshot '));
    expect(labels, frame).toBeDefined();
  });
});

describe('nothing cut without a way to see it whole', () => {
  it('Enter on a switch shows it whole (a secret stays masked); Esc closes', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('1');
    await waitForText(c.lastFrame, 'admin_email');
    let frame = c.lastFrame() ?? '';
    const selected = (f: string) => lines(f).find((l) => (l.split('\u2502')[1] ?? '').startsWith('>')) ?? '';
    for (let i = 0; i < 15 && !selected(frame).includes('db_password'); i++) {
      const before = frame;
      await c.press('j');
      frame = await waitForFrame(c.lastFrame, (f) => f !== before);
    }
    expect(selected(frame)).toContain('db_password');
    await c.press(KEYS.enter);
    frame = await waitForText(c.lastFrame, 'web1: switch db_password', 'a secret: never shown');
    expect(frame).not.toContain('s3cret-pass');
    await c.press(KEYS.escape, 'k', KEYS.enter);
    frame = await waitForText(c.lastFrame, 'web1: switch ');
    expect(frame).toMatch(/from: {2}\S+:\d+ \((set for this host|the default)\)/);
  });

  it('Enter on a log line shows it whole', async () => {
    const c = renderConsole({ columns: 60, rows: 20 });
    await waitForText(c.lastFrame, 'web1');
    await c.press('D');
    await waitForText(c.lastFrame, 'Deploy ');
    await c.press('y');
    await waitForText(c.lastFrame, 'deploy done');
    await c.press('l', 'k', 'k', KEYS.enter);
    const frame = await waitForText(c.lastFrame, ' log ', 'Esc closes');
    expect(frame).toMatch(/ log \d\d:\d\d:\d\d (web1|konf) /);
  });

  it('switch values get the width they need: the origin column gives way', () => {
    const sw = (name: string, value: string) => ({ name, value, secret: false, origin: { kind: 'host' as const, file: 'etc/serverconfig/web1', line: 3 } });
    const list = [sw('server_name', 'a-rather-long-server-name.example.net'), sw('env', 'prod')];
    const cols = switchColumns(list, 52);
    expect(cols.valueWidth).toBeGreaterThanOrEqual('a-rather-long-server-name.example.net'.length);
    expect(switchColumns([sw('env', 'prod')], 52).originWidth).toBeGreaterThan(0);
  });
});

describe('the selected file, whole', () => {
  it('is shown under the Files list: path, provenance and metadata wrapped, not cut', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('3');
    await waitForText(c.lastFrame, 'from etc/files/etc/motd.tmpl');
    await c.press('j');
    const frame = await waitForText(c.lastFrame, 'from etc/files/etc/nginx/nginx.conf.tmpl');
    // (the detail pane's lines, joined: wrapping splits the text, it does not cut it)
    const detail = lines(frame)
      .map((l) => l.split('\u2502')[1] ?? '')
      .join('')
      .replace(/\s+/g, '');
    expect(detail).toContain('frometc/files/etc/nginx/nginx.conf.tmpl(template;switchesworker_processes,server_name)');
    expect(frame).not.toMatch(/server_\u2026|worker_pro\u2026/);
  });

  it('footerLines wraps, and adds the path when the row is too narrow for it', () => {
    const path = `/srv/${'deep/'.repeat(12)}file.conf`;
    const lines = footerLines(path, 'from etc/files/x', 'mode 0644, owner root, group root', 30, 6);
    expect(lines.join('')).toContain(path);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(footerLines('/etc/motd', 'from a', 'mode b', 30, 4)).toEqual(['from a', 'mode b']);
  });
});
