/**
 * The console end to end in a real terminal (tmux) against the real demo fleet (real sshd
 * on 127.0.0.1, real git store): filter to a host, open its side-by-side diff, deploy it
 * with confirmation, watch the log reach "done", open history, roll back — and find the
 * host restored on disk.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findSshd } from '../../src/testfleet/testFleet.js';
import { ciVariables, pidsMentioning, stopDemo, tmuxAvailable, withTmux, type TmuxSession } from '../helpers/tmux.js';
import { filesOf, readTree } from '../helpers/tree.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '../..');
const demoMain = path.join(project, 'dist/src/demo/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-fleet-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ready = tmuxAvailable() && existsSync(demoMain) && findSshd() !== undefined;


/** Sends keys one by one, as a person types. */
async function keys(tmux: TmuxSession, ...list: string[]): Promise<void> {
  for (const k of list) await tmux.sendKeys(k);
}

describe.skipIf(!ready)('console on the real demo fleet, in tmux at 100×30', { timeout: 240_000 }, () => {
  it('filters, shows a side-by-side diff, deploys with confirmation, rolls back from history, and the host is restored on disk', async () => {
    const dir = path.join(work, 'demo');
    const configDir = path.join(work, 'config');
    const web1Root = path.join(dir, 'fleet/hosts/web1/root');
    const nginx = path.join(web1Root, 'etc/nginx/nginx.conf');
    let pid: number | undefined;
    await withTmux(
      ['node', demoMain, '--dir', dir],
      { columns: 100, rows: 30, cwd: project, env: { KONF_CONFIG_DIR: configDir, TERM: 'tmux-256color', LANG: 'C.UTF-8' }, unset: ciVariables() },
      async (tmux) => {
        pid = await tmux.panePid();
        try {
          // The background checks fill in the badges.
          let screen = await tmux.waitFor((s) => /web1\s+2 pending/.test(s) && /legacy1\s+unreachable/.test(s), 120_000, 'host badges');
          const before = filesOf(await readTree(web1Root));
          expect(await readFile(nginx, 'utf8')).toMatch(/worker_processes 2;/);

          await keys(tmux, '/', 'w', 'e', 'b', '1', 'Enter');
          screen = await tmux.waitForText('filter: web1');
          expect(screen).toMatch(/Hosts 1\/6/);

          await keys(tmux, 'd');
          await tmux.waitForText('/etc/nginx/nginx.conf');
          await keys(tmux, 'v');
          screen = await tmux.waitForText('side-by-side');
          const row = screen.split('\n').find((l) => l.includes('worker_processes 2;')) ?? '';
          expect(row).toMatch(/3- worker_processes 2;.*│.*3\+ worker_processes 4;/);

          await keys(tmux, 'D');
          screen = await tmux.waitForText(/Deploy 2 files to 1 host: web1\?/);
          expect(screen).toContain('/etc/nginx/nginx.conf');
          expect(screen).toContain('/etc/ssh/sshd_config');
          await keys(tmux, 'y');
          screen = await tmux.waitForText(/deploy done/, 60_000);
          expect(screen).toMatch(/web1 +│ .*deployed 2 file/);
          expect(await readFile(nginx, 'utf8')).toMatch(/worker_processes 4;/);

          await keys(tmux, '5');
          screen = await tmux.waitForText(/pre-deploy/);
          await keys(tmux, 'r');
          screen = await tmux.waitForText(/Roll back web1 to snapshot \w+ \(2 files\)\?/);
          await keys(tmux, 'y');
          await tmux.waitForText(/rollback done/, 60_000);

          expect(filesOf(await readTree(web1Root))).toEqual(before);
          expect(await readFile(nginx, 'utf8')).toMatch(/worker_processes 2;/);

          await keys(tmux, 'q');
          await tmux.waitFor(() => !existsSync(dir), 30_000, 'the demo to stop and remove its folder');
        } finally {
          await stopDemo(pid, dir);
        }
      },
    );
    // No sshd of the demo is left behind.
    expect(pidsMentioning(dir)).toEqual([]);
  });
});
