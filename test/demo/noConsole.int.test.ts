/**
 * `npm run demo -- --no-console`: the demo fleet for the CLI. It prints the line that
 * points konf at it, the CLI works with that line, and Ctrl-C (a real SIGINT) stops every
 * sshd it started and removes its folder.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PROJECT } from '../helpers/konfBin.js';
import { konf } from '../helpers/konfInProcess.js';

beforeAll(async () => {
  await ensureBuilt();
});

/** Pids of the processes whose command line mentions `dir` (the demo's sshd: their config lives there). */
function processesUnder(dir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(dir))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the demo without the console', { timeout: 180_000 }, () => {
  it('prints the KONF_REPO line to use, the CLI works with it, and Ctrl-C stops the fleet', async () => {
    const demo = spawn(process.execPath, [path.join(PROJECT, 'dist/src/demo/main.js'), '--no-console'], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    demo.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<RegExpMatchArray>((resolve, reject) => {
        demo.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const m = stdout.match(/^export KONF_REPO=(\S+) KONF_STATE=(\S+)$/m);
          if (m) resolve(m);
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before printing the KONF_REPO line:\n${stdout}${stderr}`)));
      });
      const [, repo = '', state = ''] = line;
      expect(stdout).toMatch(/Ctrl-C here stops the demo fleet/);
      const dir = path.dirname(repo);
      const sshds = processesUnder(dir);
      expect(sshds.length, 'sshd processes of the demo').toBeGreaterThan(0);

      // The line works as printed: konf finds the repository and the state from it.
      const hosts = await konf(['hosts'], { cwd: '/', env: { KONF_REPO: repo, KONF_STATE: state } });
      expect(hosts.code, hosts.stderr).toBe(0);
      expect(hosts.stdout).toMatch(/^web1 /m);
      const diff = await konf(['diff', 'web1', '--stat'], { cwd: '/', env: { KONF_REPO: repo, KONF_STATE: state } });
      expect([0, 1], diff.stdout + diff.stderr).toContain(diff.code);
      expect(diff.stdout).toMatch(/^web1: /m);

      demo.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/SIGINT: stopping the demo fleet/);
      expect(sshds.filter(alive)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      if (demo.exitCode === null) {
        demo.kill('SIGKILL');
        await exited;
      }
    }
  });
});
