/**
 * Issue 13 "Readable at 80×24", end to end: the built console in tmux at 80×24 on the
 * fixture fleet (fixtures/fakeConsole.mjs). Hint bar, help search, the one-line empty log,
 * the diff's header and side labels, Enter on a switch and on a log line.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ciVariables, killPids, pidsWithMarker, tmuxAvailable, withTmux, type TmuxSession } from '../helpers/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fixture = path.join(here, 'fixtures/fakeConsole.mjs');
const built = existsSync(path.join(root, 'dist/src/console/run.js'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-readable-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function withConsole(fn: (tmux: TmuxSession) => Promise<void>): Promise<void> {
  const marker = `konf-e2e-readable-${process.pid}`;
  const env = { PS1: 'e2e$ ', KONF_CONFIG_DIR: path.join(scratch, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  try {
    await withTmux(['bash', '--norc', '--noprofile'], { columns: 80, rows: 24, env, unset: ciVariables(), cwd: root }, async (tmux) => {
      await tmux.waitForText('e2e$');
      await tmux.type(`node ${fixture} ${marker}; echo "konf exited $?"`);
      await tmux.sendKeys('Enter');
      await fn(tmux);
      await tmux.sendKeys('q');
      await tmux.waitForText('konf exited 0');
    });
  } finally {
    killPids(pidsWithMarker(marker));
  }
}

const rowsOf = (screen: string) => screen.replace(/\n$/, '').split('\n');
const ESSENTIAL = ['/ filter', 'd diff', 'D deploy', '? help', 'q quit'];

describe.skipIf(!tmuxAvailable() || !built)(`readable at 80\u00d724 in tmux${built ? '' : ' (needs npm run build)'}`, { timeout: 120_000 }, () => {
  it('keeps the essential hints, names the columns, a one-line empty log, a searchable help, a labelled diff, whole rows on Enter', async () => {
    await withConsole(async (tmux) => {
      let screen = await tmux.waitForText('web1     2 pending');
      let rows = rowsOf(screen);
      expect(rows).toHaveLength(24);
      for (const hint of ESSENTIAL) expect(rows[23]).toContain(hint);
      expect(rows[1]).toMatch(/Hosts 3 +status +snap/);
      expect(rows[22]).toContain('Log (follow)'); // empty: its header only

      await tmux.sendKeys('?');
      await tmux.waitForText('Keys (1-');
      await tmux.sendKeys('/');
      await tmux.type('wrap');
      screen = await tmux.waitForText('Keys matching /wrap_');
      expect(screen).toContain('Wrap long lines');
      // One Esc at a time (two at once can read as Alt-Esc): the search clears, then help closes.
      await tmux.sendKeys('Escape');
      await tmux.waitForText('Keys (1-');
      await tmux.sendKeys('Escape');
      await tmux.waitFor((s) => !s.includes('Keys ('), 30_000, 'help closed');

      await tmux.sendKeys('d');
      screen = await tmux.waitForText(/diff of web1 \u00b7 \+ new {2}M modified/);
      rows = rowsOf(screen);
      // `/` filters the hosts, or searches the text once the diff has the keys.
      for (const hint of ESSENTIAL) expect(rows[23]).toContain(hint === '/ filter' ? '/ ' : hint);
      expect(rows[23]).toMatch(/\/ (filter|search)/);
      await tmux.sendKeys('v');
      screen = await tmux.waitForText('side-by-side');
      expect(screen).toMatch(/live +\u2502 +repo/);

      await tmux.sendKeys('1');
      await tmux.waitForText('role');
      await tmux.sendKeys('Enter');
      screen = await tmux.waitForText('web1: switch ');
      expect(screen).toContain('from:  etc/serverconfig/default:');
      await tmux.sendKeys('Escape');
      await tmux.waitFor((s) => !s.includes('web1: switch '), 30_000, 'full view closed');

      // something logged: the log grows; Enter on its last line shows it whole
      await tmux.sendKeys('S');
      await tmux.waitForText('Snapshot');
      await tmux.sendKeys('y');
      screen = await tmux.waitForText('snapshot done');
      expect(rowsOf(screen).findIndex((l) => l.includes(' Log ('))).toBeLessThan(22);
      await tmux.sendKeys('l', 'Enter');
      screen = await tmux.waitForText(/ log \d\d:\d\d:\d\d /);
      await tmux.sendKeys('Escape');
      await tmux.waitFor((s) => !/ log \d\d:\d\d:\d\d /.test(s), 30_000, 'full view closed');
    });
  });
});
