/**
 * A resize in a real terminal (tmux, which reflows long lines into the rows below when the
 * window narrows): the console is drawn for the new size with nothing of the old frame left
 * on screen — what is there equals a full redraw (Ctrl-L) of the same state.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ciVariables, killPids, pidsWithMarker, tmuxAvailable, withTmux } from '../helpers/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fixture = path.join(here, 'fixtures/fakeConsole.mjs');
const built = existsSync(path.join(root, 'dist/src/console/run.js'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-resize-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!tmuxAvailable() || !built)(`a resize in tmux${built ? '' : ' (needs npm run build)'}`, { timeout: 120_000 }, () => {
  it('from 150×30 to 80×24 with the side-by-side diff open: nothing of the wide frame is left, the screen equals a full redraw', async () => {
    const marker = `konf-e2e-resize-${process.pid}`;
    const env = { PS1: 'e2e$ ', KONF_CONFIG_DIR: path.join(scratch, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
    try {
      await withTmux(['bash', '--norc', '--noprofile'], { columns: 150, rows: 30, env, unset: ciVariables(), cwd: root }, async (tmux) => {
        await tmux.waitForText('e2e$');
        // Everything the console writes, to wait on its full redraws (a cleared screen) rather than on time.
        const output = path.join(scratch, 'pane.out');
        await tmux.pipePane(output);
        const clears = () => (existsSync(output) ? readFileSync(output, 'latin1').split('\x1b[2J').length - 1 : 0);
        await tmux.type(`node ${fixture} ${marker}; echo "konf exited $?"`);
        await tmux.sendKeys('Enter');
        await tmux.waitForText('web1     2 pending');
        await tmux.sendKeys('d');
        await tmux.waitForText(/diff of web1/);
        await tmux.sendKeys('v');
        const wide = await tmux.waitForText('side-by-side');
        expect(wide.split('\n').some((l) => l.length > 100)).toBe(true);

        const before = clears();
        await tmux.resize(80, 24);
        // A cleared screen, then the console laid out for 80 columns: the short hint bar, every row fitting.
        const settled = await tmux.waitFor((s) => clears() > before && /1 Switch {2}2 Excl /.test(s) && s.replace(/\n$/, '').split('\n').length === 24 && /\? help +q quit *$/m.test(s) && s.split('\n').every((l) => l.length <= 80), 30_000, 'the console at 80×24');
        // A full redraw of the same state (Ctrl-L clears the screen and draws the frame whole).
        const cleared = clears();
        await tmux.sendKeys('C-l');
        const redrawn = await tmux.waitFor(() => clears() > cleared, 30_000, 'the redraw');
        expect(settled, `after the resize:\n${settled}\nafter Ctrl-L:\n${redrawn}`).toBe(redrawn);
        expect(settled.split('\n')[0]).toContain('konf');
        await tmux.sendKeys('q');
        await tmux.waitForText('konf exited 0');
      });
    } finally {
      killPids(pidsWithMarker(marker));
    }
  });
});
