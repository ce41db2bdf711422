/**
 * The deploy confirmation's rollout choice end to end, in a real terminal (tmux) at 80×24
 * on the real demo fleet (real sshd on 127.0.0.1): mark two hosts, `D`, move the choice
 * to waves with →, `y`, and the log shows the rollout wave after wave — and the files are
 * on the hosts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findSshd } from '../../src/testfleet/testFleet.js';
import { ciVariables, pidsMentioning, stopDemo, tmuxAvailable, withTmux } from '../helpers/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const demoMain = path.join(project, 'dist/src/demo/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-waves-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ready = tmuxAvailable() && existsSync(demoMain) && findSshd() !== undefined;

describe.skipIf(!ready)('the deploy confirmation offers waves, in tmux at 80×24 on the demo fleet', { timeout: 240_000 }, () => {
  it('marks web1 and web2, picks "waves 1,100%" with →, and the log shows wave 1 (web1) finish before wave 2 (web2) starts', async () => {
    const dir = path.join(work, 'demo');
    const nginx = path.join(dir, 'fleet/hosts/web1/root/etc/nginx/nginx.conf');
    let pid: number | undefined;
    try {
      await withTmux(
        ['node', demoMain, '--dir', dir],
        { columns: 80, rows: 24, cwd: project, env: { KONF_CONFIG_DIR: path.join(work, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8' }, unset: ciVariables() },
        async (tmux) => {
          pid = await tmux.panePid();
          await tmux.waitFor((s) => /web1\s+2 pending/.test(s) && /legacy1\s+unreachable/.test(s), 120_000, 'host badges');
          expect(await readFile(nginx, 'utf8')).toMatch(/worker_processes 2;/);
          await tmux.sendKeys('/');
          await tmux.type('web');
          await tmux.sendKeys('Enter', 'a');
          await tmux.waitForText(/2 marked/);
          await tmux.sendKeys('D');
          let screen = await tmux.waitForText(/\u276f all 2 hosts at once/);
          expect(screen).toMatch(/Deploy \d+\+? files? to 2 hosts: web1, web2\?/);
          expect(screen).toMatch(/Rollout \(\u2190\/\u2192 to choose\)/);
          expect(screen).toMatch(/ {2}waves 1,100%: 1 \+ 1/);
          // The whole dialog fits the 80×24 screen: its title above, its answer line and closed frame below the choice.
          const rows = screen.split('\n');
          const row = (re: RegExp) => rows.findIndex((l) => re.test(l));
          expect(row(/ y {2}deploy {4}n {2}cancel/)).toBeGreaterThan(row(/waves 1,100%: 1 \+ 1/));
          expect(row(/\u2570\u2500+\u256f/)).toBeGreaterThan(row(/ y {2}deploy {4}n {2}cancel/));
          await tmux.sendKeys('Right');
          screen = await tmux.waitForText(/\u276f waves 1,100%: 1 \+ 1/);
          expect(screen).not.toMatch(/\u276f all 2 hosts at once/);
          await tmux.sendKeys('y');
          screen = await tmux.waitForText(/deploy (done|failed)/, 90_000);
          // The log zoomed (again if a key was still being read), so every wave line is on screen.
          await tmux.sendKeys('z');
          screen = await tmux.waitFor((s) => s.includes(', zoomed)') || !s.includes('Log ('), 10_000, 'the log zoomed').catch(async () => {
            await tmux.sendKeys('z');
            return tmux.waitForText(', zoomed)');
          });
          screen = await tmux.waitForText(/wave 2\/2: \d of 1 host\(s\) done/);
          const at = (re: RegExp) => screen.split('\n').findIndex((l) => re.test(l));
          expect(at(/wave 1\/2: 1 of 1 host\(s\) done/), screen).toBeGreaterThanOrEqual(0);
          expect(at(/wave 2\/2: web2/)).toBeGreaterThan(at(/wave 1\/2: 1 of 1 host\(s\) done/));
          expect(at(/wave 2\/2: \d of 1 host\(s\) done/)).toBeGreaterThan(at(/wave 2\/2: web2/));
          expect(await readFile(nginx, 'utf8')).toMatch(/worker_processes 4;/);
          await tmux.sendKeys('q');
          await tmux.waitFor(() => !existsSync(dir), 30_000, 'the demo to stop and remove its folder');
        },
      );
    } finally {
      await stopDemo(pid, dir);
    }
    expect(pidsMentioning(dir)).toEqual([]);
  });
});
