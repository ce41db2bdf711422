import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorsNeeded } from '../../src/core/util/openFiles.js';
import { ensureBuilt, KONF_MAIN } from '../helpers/konfBin.js';

describe('konf under a low open-file limit (real prlimit)', () => {
  let work: string;
  let repo: string;
  const hosts = Array.from({ length: 80 }, (_, i) => `n${i + 1}`);
  beforeAll(async () => {
    await ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'konf-nofile-'));
    repo = path.join(work, 'repo');
    await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
    await mkdir(path.join(repo, 'etc/files/etc'), { recursive: true });
    await writeFile(path.join(repo, 'etc/serverconfig/default'), '');
    for (const h of hosts) await writeFile(path.join(repo, 'etc/serverconfig', h), '');
    await writeFile(path.join(repo, 'etc/files/etc/motd'), 'hello\n');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    await writeFile(path.join(repo, 'etc/ssh_config'), `Host *\n  HostName 127.0.0.1\n  Port ${port}\n  BatchMode yes\n`);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Runs konf with RLIMIT_NOFILE set to soft:hard by util-linux prlimit. */
  function konfLimited(soft: number, hard: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn('prlimit', [`--nofile=${soft}:${hard}`, process.execPath, KONF_MAIN, '--repo', repo, '--state', path.join(work, 'state'), ...args], {
        env: { ...process.env, HOME: work, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('runs when the hard limit is enough (Node raises the soft limit to it at start)', async () => {
    const r = await konfLimited(150, 4096, ['diff', '--all', '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { failures: { host: string }[] };
    expect(out.failures).toHaveLength(hosts.length);
    expect(r.code).toBe(3);
  });

  it('stops with exit 2 before contacting any host when the hard limit is too low', async () => {
    const r = await konfLimited(150, 150, ['deploy', '--all', '--yes', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `konf: a run over ${hosts.length} host(s) needs about ${descriptorsNeeded(hosts.length, 16)} open files (one connection per host), but the limit is 150 (hard limit 150): raise the hard limit (e.g. \`LimitNOFILE=\` in the systemd unit, \`nofile\` in /etc/security/limits.conf, or \`ulimit -Hn\` as root), or split the run with --shard K/N\n`,
    );
    // With --shard the share fits.
    const s = await konfLimited(150, 150, ['diff', '--all', '--shard', '1/4', '--json']);
    expect(s.code).toBe(3);
  });
});
