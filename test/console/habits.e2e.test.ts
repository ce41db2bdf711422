/**
 * The `:` command palette and `u` (undo) end to end in tmux at 80×24: the built console
 * (dist/) on the small in-memory fleet of fixtures/fakeConsole.mjs, real key presses
 * through a pty.
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
const scratch = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-habits-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

/** The fixture console in a shell in tmux at 80×24; its node is SIGKILLed afterwards whatever happens. */
async function withConsole(fn: (tmux: TmuxSession) => Promise<void>): Promise<void> {
  const marker = `konf-e2e-habits-${process.pid}-${++runs}`;
  const env = { PS1: 'e2e$ ', KONF_CONFIG_DIR: path.join(scratch, `config-${runs}`), TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  try {
    await withTmux(['bash', '--norc', '--noprofile'], { columns: 80, rows: 24, env, unset: ciVariables(), cwd: root }, async (tmux) => {
      await tmux.waitForText('e2e$');
      await tmux.type(`node ${fixture} ${marker}; echo "konf exited $?"`);
      await tmux.sendKeys('Enter');
      await tmux.waitForText('web1     2 pending');
      await fn(tmux);
    });
  } finally {
    killPids(pidsWithMarker(marker));
  }
}

describe.skipIf(!tmuxAvailable() || !built)(`palette and undo in tmux at 80\u00d724${built ? '' : ' (needs npm run build)'}`, { timeout: 120_000 }, () => {
  it(': opens the palette over the panes, typing narrows it (q is text), Enter runs the command, Esc closes', async () => {
    await withConsole(async (tmux) => {
      await tmux.sendKeys(':');
      let screen = await tmux.waitForText(/\d+\/\d+ commands/);
      expect(screen.split('\n')[1]).toMatch(/^:\u2588/);
      await tmux.type('q');
      screen = await tmux.waitForText(':q\u2588');
      expect(screen).toMatch(/\u276f q +Quit \(asks if an operation runs\)/);
      expect(screen).not.toContain('konf exited');
      await tmux.sendKeys('BSpace');
      await tmux.type('diff of');
      screen = await tmux.waitForText(/\u276f d +Diff of the selected or marked hosts/);
      await tmux.sendKeys('Enter');
      // The palette ran `d`: web1's diff is on screen.
      screen = await tmux.waitForText(/2 \+ worker_processes 8;/);
      expect(screen).not.toContain(':diff of');
      await tmux.sendKeys(':');
      await tmux.waitForText(':\u2588');
      await tmux.sendKeys('Escape');
      screen = await tmux.waitForText(/Hosts 3/);
      expect(screen).not.toContain('commands \u00b7');
      await tmux.sendKeys('q');
      await tmux.waitForText('konf exited 0');
    });
  });

  it('u after a deploy asks to roll back to the pre-deploy snapshot, then undoes it', async () => {
    await withConsole(async (tmux) => {
      await tmux.sendKeys('D');
      await tmux.waitForText('Deploy 2 files to 1 host: web1?');
      await tmux.sendKeys('y');
      await tmux.waitForText('web1     in sync');
      await tmux.sendKeys('5');
      let screen = await tmux.waitForText(/u undoes the deploy \d+s ago by tester/);
      await tmux.sendKeys('u');
      screen = await tmux.waitForText(/Roll back web1 to snapshot web101b \(2 files\)\?/);
      expect(screen).toMatch(/u undoes the deploy of \d{4}-\d\d-\d\d \d\d:\d\d by tester/);
      expect(screen).toContain('A pre-rollback snapshot is taken first, so this can be undone.');
      await tmux.sendKeys('y');
      screen = await tmux.waitForText('web1     2 pending');
      screen = await tmux.waitForText(/u undoes the rollback \d+s ago by tester/);
      await tmux.sendKeys('q');
      await tmux.waitForText('konf exited 0');
    });
  });
});
