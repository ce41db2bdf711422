/**
 * The console's process on a real terminal: it goes away when its terminal does (tmux
 * killed under it), honours SIGTERM on a stalled terminal, and uses no CPU while idle.
 * Every test SIGKILLs its node process in `finally`, so a failure leaves nothing running.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ciVariables, killPids, pidsWithMarker, processAlive, processGone, tmuxAvailable, withTmux } from '../helpers/tmux.js';
import { waitForFile } from '../helpers/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fixture = path.join(here, 'fixtures/fakeConsole.mjs');
const stalled = path.join(here, 'fixtures/stalledPty.py');
const built = existsSync(path.join(root, 'dist/src/console/run.js'));
let runs = 0;
const configDir = mkdtempSync(path.join(os.tmpdir(), 'konf-lifecycle-'));
afterAll(() => rmSync(configDir, { recursive: true, force: true }));

function python(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    return 'python3';
  } catch {
    return undefined;
  }
}

function marker(): string {
  return `konf-lifecycle-${process.pid}-${++runs}`;
}

function options(env: Record<string, string> = {}) {
  return { columns: 80, rows: 24, cwd: root, unset: ciVariables(), env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', KONF_CONFIG_DIR: configDir, ...env } };
}

/** CPU time (user + system) of a process so far, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of the file): utime and stime are fields 14 and 15.
  return Number(fields[11]) + Number(fields[12]);
}

describe.skipIf(!tmuxAvailable() || !built)(`console process lifecycle${built ? '' : ' (needs npm run build)'}`, { timeout: 120_000 }, () => {
  it('exits within a few seconds when tmux is killed under it (the terminal hangs up)', async () => {
    const word = marker();
    let pid: number | undefined;
    try {
      await withTmux(['node', fixture, word], options(), async (tmux) => {
        await tmux.waitForText(/web1 +2 pending/, 60_000);
        pid = await tmux.panePid();
        expect(pid).toBeDefined();
        expect(pidsWithMarker(word)).toEqual([pid]);
        await tmux.killServer();
        expect(await processGone(pid!, 5000)).toBe(true);
      });
    } finally {
      killPids(pidsWithMarker(word));
    }
  });

  it('exits when the shell it runs under loses its terminal too', async () => {
    const word = marker();
    try {
      await withTmux(['bash', '--norc', '--noprofile'], options({ PS1: 'lc$ ' }), async (tmux) => {
        await tmux.waitForText('lc$');
        await tmux.type(`node ${fixture} ${word}`);
        await tmux.sendKeys('Enter');
        await tmux.waitForText(/web1 +2 pending/, 60_000);
        const [pid] = pidsWithMarker(word);
        expect(pid).toBeDefined();
        await tmux.killServer();
        expect(await processGone(pid!, 5000)).toBe(true);
      });
    } finally {
      killPids(pidsWithMarker(word));
    }
  });

  it('uses no CPU while idle', async () => {
    const word = marker();
    const ownConfig = mkdtempSync(path.join(configDir, 'idle-'));
    try {
      await withTmux(['node', fixture, word], options({ KONF_CONFIG_DIR: ownConfig }), async (tmux) => {
        await tmux.waitFor((s) => /web1 +2 pending/.test(s) && !s.includes('to check'), 60_000, 'all hosts checked');
        const pid = (await tmux.panePid())!;
        // The last start-up work: the preferences write a second after the first selection.
        await waitForFile(path.join(ownConfig, 'config.json'), (text) => text.includes('"lastHost"'));
        const before = cpuTicks(pid);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const used = cpuTicks(pid) - before;
        // 2 s at 100 ticks a second: an idle console stays at (almost) nothing.
        expect(used).toBeLessThanOrEqual(3);
        expect(processAlive(pid)).toBe(true);
      });
    } finally {
      killPids(pidsWithMarker(word));
    }
  });

  it.skipIf(!python())('honours SIGTERM while its terminal is stalled (output not read)', () => {
    const word = marker();
    try {
      const out = execFileSync(python()!, [stalled, 'web1', 'env', ...ciVariables().flatMap((v) => ['-u', v]), `KONF_CONFIG_DIR=${configDir}`, 'node', fixture, word], {
        encoding: 'utf8',
        cwd: root,
        timeout: 90_000,
      });
      const result = JSON.parse(out.trim().split('\n').pop()!) as { ready: boolean; stalled: boolean; exited: boolean; ms: number; status: number };
      expect(result.ready).toBe(true);
      expect(result.stalled).toBe(true);
      expect(result.exited).toBe(true);
      expect(result.ms).toBeLessThan(3000);
      expect(result.status >> 8).toBe(143);
    } finally {
      killPids(pidsWithMarker(word));
    }
  });
});
