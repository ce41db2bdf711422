/**
 * The inventory columns end to end in a real terminal (tmux, 120×30) against the real demo
 * fleet (real sshd on 127.0.0.1, real audit log): the addresses and the demo's seeded last
 * deploy from the start, and after a deploy from the console the host's `deployed` cell
 * (age and operator) appears without a reload.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findSshd } from '../../src/testfleet/testFleet.js';
import { ciVariables, stopDemo, tmuxAvailable, withTmux } from '../helpers/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const demoMain = path.join(project, 'dist/src/demo/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-inventory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ready = tmuxAvailable() && existsSync(demoMain) && findSshd() !== undefined;

const row = (screen: string, host: string) => screen.split('\n').find((l) => new RegExp(`^[> ][ *]?${host} `).test(l)) ?? '';

describe.skipIf(!ready)('inventory columns on the real demo fleet, in tmux at 120×30', { timeout: 240_000 }, () => {
  it('shows the deployed cell of a host after a deploy from the console, without a reload', async () => {
    const dir = path.join(work, 'demo');
    let pid: number | undefined;
    await withTmux(
      ['node', demoMain, '--dir', dir],
      { columns: 120, rows: 30, cwd: project, env: { KONF_CONFIG_DIR: path.join(work, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8' }, unset: ciVariables() },
      async (tmux) => {
        pid = await tmux.panePid();
        try {
          // The checks and the inventory (addresses, the audit log) load side by side: wait for both.
          const mail1Deployed = /mail1 +.*127\.0\.0\.1:\d+ +\d+[smh] \S+ +\d+[smh]│/;
          let screen = await tmux.waitFor((s) => /web1\s+2 pending/.test(s) && /legacy1\s+unreachable/.test(s) && mail1Deployed.test(row(s, 'mail1')), 120_000, 'host badges and mail1\u2019s last deploy');
          // The demo's setup deployed mail1 only: web1's deployed cell is empty, its address (the test sshd's port) shown.
          expect(screen.split('\n')[1]).toMatch(/status +address +deployed/);
          expect(row(screen, 'web1')).toMatch(/web1 +2 pending +127\.0\.0\.1:\d+ +\d+[smh]│/);

          for (const k of ['/', 'w', 'e', 'b', '1', 'Enter']) await tmux.sendKeys(k);
          await tmux.waitForText('filter: web1');
          await tmux.sendKeys('D');
          await tmux.waitForText(/Deploy 2 files to 1 host: web1\?/);
          await tmux.sendKeys('y');
          await tmux.waitForText(/deploy done/, 60_000);
          // The console checks the host again after the deploy: wait for its badge to settle.
          screen = await tmux.waitFor((s) => /web1 +in sync/.test(row(s, 'web1')), 60_000, 'web1 in sync');
          // The host's cell from the deploy's events (no reload, no R): its age and the operator.
          expect(row(screen, 'web1')).toMatch(/web1 +in sync +127\.0\.0\.1:\d+ +\d+[sm] \S+ +\d+[smh]│/);

          // C: the columns there are; Enter on "role" shows it and saves the preference.
          await tmux.sendKeys('C');
          screen = await tmux.waitForText('Host list columns');
          const items = screen.split('\n').filter((l) => /\d+\. \[[x ]\] /.test(l));
          expect(items[0]).toMatch(/\[x\] address/);
          expect(items[1]).toMatch(/\[x\] deployed/);
          // More columns than rows: the list is a window that follows the highlight (j moves it).
          const highlighted = (text: string) => text.split('\n').find((l) => l.includes('\u25b8')) ?? '';
          for (let i = 0; i < 60 && !/\[ \] role\b/.test(highlighted(screen)); i++) {
            const before = highlighted(screen);
            await tmux.sendKeys('j');
            screen = await tmux.waitFor((s) => highlighted(s) !== before, 10_000, 'the highlight to move');
          }
          expect(highlighted(screen)).toMatch(/\[ \] role\b/);
          await tmux.sendKeys('Enter');
          await tmux.waitForText(/\[x\] role/);
          await tmux.sendKeys('Escape');
          await tmux.waitFor((s) => !s.includes('Host list columns'), 10_000, 'the chooser closed');
          // The demo keeps its preferences in its own folder (removed when it stops): saved there.
          const prefsFile = path.join(dir, 'config', 'config.json');
          const savedColumns = () => (existsSync(prefsFile) ? ((JSON.parse(readFileSync(prefsFile, 'utf8')) as { columns?: string[] }).columns ?? []) : []);
          await tmux.waitFor(() => savedColumns().includes('role'), 10_000, 'the columns preference saved');
          expect(savedColumns()).toEqual(['address', 'deployed', 'role']);
          await tmux.sendKeys('q');
          await tmux.waitFor(() => !existsSync(dir), 30_000, 'the demo to stop and remove its folder');
        } finally {
          await stopDemo(pid, dir);
        }
      },
    );
  });
});
