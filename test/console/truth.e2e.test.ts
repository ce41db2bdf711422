/**
 * The console end to end in tmux against real sshd hosts (issue 10): the repository edited
 * while the console runs → the host's badge follows by itself, the next deploy writes the
 * new file, the host ends "in sync" and `konf diff` agrees, History shows the deploy's
 * snapshot right away; and a console that loses its terminal (SIGHUP) mid-deploy puts the
 * host back and leaves no lock behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSshd, startTestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { readAudit } from '../../src/core/ops/audit.js';
import { ensureBuilt, KONF_MAIN, konf as runKonf, PROJECT } from '../helpers/konfBin.js';
import { ciVariables, killPids, processGone, stopDemo, tmuxAvailable, withTmux, type TmuxSession } from '../helpers/tmux.js';
import { filesOf, readTree } from '../helpers/tree.js';

const demoMain = path.join(PROJECT, 'dist/src/demo/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-truth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ready = tmuxAvailable() && findSshd() !== undefined;

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

/** Sends keys one by one, as a person types. */
async function keys(tmux: TmuxSession, ...list: string[]): Promise<void> {
  for (const k of list) await tmux.sendKeys(k);
}

describe.skipIf(!ready)('console in tmux against real hosts', { timeout: 300_000 }, () => {
  it('the repository edited while it runs: web1 follows, the deploy writes the new file, web1 ends in sync and konf diff agrees; History shows the new snapshot at once', async () => {
    await ensureBuilt();
    const dir = path.join(work, 'demo');
    const repo = path.join(dir, 'repo');
    const state = path.join(dir, 'state');
    const bigConf = path.join(dir, 'fleet/hosts/web1/root/etc/big.conf');
    let pid: number | undefined;
    await withTmux(
      ['node', demoMain, '--dir', dir],
      { columns: 120, rows: 36, cwd: PROJECT, env: { KONF_CONFIG_DIR: path.join(work, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8' }, unset: ciVariables() },
      async (tmux) => {
        pid = await tmux.panePid();
        try {
          await tmux.waitFor((s) => /web1\s+2 pending/.test(s), 120_000, 'web1 checked');
          // In another window, someone adds a file to the repository (as a git pull would).
          await put(path.join(repo, 'etc/files/etc/big.conf'), 'big = yes\n');
          let screen = await tmux.waitFor((s) => /web1\s+3 pending/.test(s), 60_000, 'web1 re-checked without a key');
          expect(screen).toMatch(/repository changed \(etc\/files\/etc\/big\.conf/);

          await keys(tmux, '/', 'w', 'e', 'b', '1', 'Enter', '5');
          await tmux.waitForText(/\d+ snapshots?, newest first/);
          const before = (await tmux.capturePane()).match(/(\d+) snapshots?, newest first/)?.[1];
          await keys(tmux, 'D');
          screen = await tmux.waitForText(/Deploy 3 files to 1 host: web1\?/, 60_000);
          expect(screen).toContain('/etc/big.conf');
          await keys(tmux, 'y');
          await tmux.waitForText(/deploy done/, 60_000);
          expect(await readFile(bigConf, 'utf8')).toBe('big = yes\n');
          // History has the deploy's snapshot on top, without a key.
          screen = await tmux.waitForText(new RegExp(`${Number(before) + 1} snapshots, newest first`), 30_000);
          const history = JSON.parse((await runKonf(['--repo', repo, '--state', state, 'history', 'web1', '--json'])).stdout) as { id: string; reason: string }[];
          expect(history[0]?.reason).toBe('pre-deploy');
          const firstRow = screen.split('\n').find((l) => /pre-deploy|manual|pre-rollback|initial/.test(l) && l.includes('│'));
          expect(firstRow).toContain(history[0]!.id.slice(0, 7));
          await tmux.waitFor((s) => /web1\s+in sync/.test(s), 60_000, 'web1 in sync');
          // The CLI agrees: nothing pending on web1.
          const diff = await runKonf(['--repo', repo, '--state', state, 'diff', 'web1']);
          expect(diff.code, diff.stdout + diff.stderr).toBe(0);
          await keys(tmux, 'q');
          await tmux.waitFor(() => !existsSync(dir), 30_000, 'the demo to stop and remove its folder');
        } finally {
          await stopDemo(pid, dir);
        }
      },
    );
  });

  it('SIGHUP (the terminal closed) mid-deploy: the host is put back, no lock is left, the audit log says how it ended', async () => {
    await ensureBuilt();
    const fleet = await startTestFleet({ hosts: ['web1'], dir: path.join(work, 'hup-fleet') });
    let konfPid: number | undefined;
    try {
      const repo = path.join(work, 'hup-repo');
      const state = path.join(work, 'hup-state');
      const root = fleet.host('web1').root;
      await put(path.join(repo, 'etc/serverconfig/default'), '');
      await put(path.join(repo, 'etc/serverconfig/web1'), '');
      for (let i = 0; i < 4; i++) await put(path.join(repo, `etc/files/etc/app/f${i}.conf`), `new ${i}\n`);
      // The post-deploy hook says it started (a file), then runs until hold-post goes.
      await put(
        path.join(repo, 'hooks/post-deploy/10-slow'),
        '#!/bin/sh\n: > "$KONF_ROOT/post-started"\nwhile [ -f "$KONF_ROOT/hold-post" ]; do sleep 0.1; done\n',
        0o755,
      );
      await bindRepoToFleet(repo, fleet);
      for (let i = 0; i < 4; i++) await put(path.join(root, `etc/app/f${i}.conf`), `old ${i}\n`, 0o640);
      const before = filesOf(await readTree(path.join(root, 'etc')));
      await put(path.join(root, 'hold-post'), 'x');

      await withTmux(
        ['node', KONF_MAIN, '--repo', repo, '--state', state],
        { columns: 100, rows: 30, cwd: PROJECT, env: { KONF_CONFIG_DIR: path.join(work, 'hup-config'), TERM: 'tmux-256color', LANG: 'C.UTF-8' }, unset: ciVariables() },
        async (tmux) => {
          konfPid = await tmux.panePid();
          await tmux.waitFor((s) => /web1\s+4 pending/.test(s), 60_000, 'web1 checked');
          let started!: () => void;
          const postStarted = new Promise<void>((resolve) => (started = resolve));
          const watcher = watch(root, (_event, name) => {
            if (name === 'post-started') started();
          });
          try {
            await keys(tmux, 'D');
            await tmux.waitForText(/Deploy 4 files to 1 host: web1\?/, 60_000);
            await keys(tmux, 'y');
            await postStarted;
          } finally {
            watcher.close();
          }
          expect(readFileSync(path.join(root, 'etc/app/f0.conf'), 'utf8')).toBe('new 0\n');
          expect(existsSync(path.join(root, 'var/lib/konf/lock'))).toBe(true);
          // The terminal goes away under the console.
          await tmux.killServer();
          expect(await processGone(konfPid!, 30_000)).toBe(true);
        },
      );
      expect(existsSync(path.join(root, 'var/lib/konf/lock'))).toBe(false);
      expect(existsSync(path.join(root, 'var/lib/konf/journal'))).toBe(false);
      expect(filesOf(await readTree(path.join(root, 'etc')))).toEqual(before);
      const records = await readAudit(state, { host: 'web1', kind: 'deploy' });
      const last = records[records.length - 1];
      expect(last?.status).toBe('interrupted');
      expect(last?.results.web1?.outcome).toBe('restored');
      expect(last?.results.web1?.text).toMatch(/restored \(verified\): interrupted \(the terminal closed \(SIGHUP\)\)/);
    } finally {
      if (konfPid !== undefined) killPids([konfPid]);
      await rm(path.join(fleet.host('web1').root, 'hold-post'), { force: true });
      await fleet.stop();
    }
  });
});
