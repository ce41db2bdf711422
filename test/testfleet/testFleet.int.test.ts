import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, isRunning, type TestFleet } from '../../src/testfleet/testFleet.js';

describe('test fleet of real sshd', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: 10 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts ten hosts, each with its own port, host key and root', () => {
    expect(fleet.hosts).toHaveLength(10);
    expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(10);
    expect(new Set(fleet.hosts.map((h) => h.hostKey)).size).toBe(10);
    expect(new Set(fleet.hosts.map((h) => h.root)).size).toBe(10);
    for (const h of fleet.hosts) expect(h.pid && isRunning(h.pid)).toBe(true);
  });

  it('lets the OpenSSH client in with strict host key checking', async () => {
    const cfg = await readFile(fleet.sshConfig, 'utf8');
    expect(cfg).toContain('StrictHostKeyChecking yes');
    const results = await Promise.all(fleet.hosts.map((h) => fleet.ssh(h.name, 'true')));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const echo = await fleet.ssh('host3', 'echo "$PWD" hi');
    expect(echo.stdout.toString().trim().endsWith('hi')).toBe(true);
  });

  it('refuses a host whose key does not match known_hosts', async () => {
    // A known_hosts that lists host2's key for host1's address.
    const cfg = await readFile(fleet.sshConfig, "utf8");
    const h1 = fleet.host("host1");
    const h2 = fleet.host('host2');
    const { writeFile } = await import('node:fs/promises');
    const wrongKnown = `${fleet.dir}/known_hosts.wrong`;
    await writeFile(wrongKnown, `[127.0.0.1]:${h1.port} ${h2.hostKey}\n`);
    const swapped = `${fleet.dir}/ssh_config.wrong`;
    await writeFile(swapped, cfg.replaceAll(fleet.knownHosts, wrongKnown));
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('ssh', ['-F', swapped, 'host1', 'true'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('stops every sshd it started, by pid', async () => {
    const pids = fleet.hosts.map((h) => h.pid as number);
    const dir = fleet.dir;
    await fleet.stop();
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('test fleet options', () => {
  it('makes a noisy shell print before every command, and an unreachable host refuse connections', async () => {
    const fleet = await startTestFleet({ hosts: ['a', 'down'], unreachable: ['down'], shellNoise: 'Welcome to a noisy host' });
    try {
      const r = await fleet.ssh('a', 'echo payload');
      expect(r.stdout.toString()).toBe('Welcome to a noisy host\npayload\n');
      const d = await fleet.ssh('down', 'true');
      expect(d.code).toBe(255);
      expect(d.stderr).toMatch(/Connection refused/);
      expect(fleet.host('down').pid).toBeUndefined();
    } finally {
      await fleet.stop();
    }
  });
});

describe('test fleet with many hosts on fewer sshd', () => {
  it('serves 40 hosts from 3 sshd: own port (16 per sshd at most), known_hosts line and root per host', async () => {
    const fleet = await startTestFleet({ hosts: 40, hostsPerSshd: 16 });
    try {
      const pids = fleet.sshdPids();
      expect(pids).toHaveLength(3);
      expect(new Set(fleet.hosts.map((h) => h.pid))).toEqual(new Set(pids));
      expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(40);
      expect(new Set(fleet.hosts.map((h) => h.root)).size).toBe(40);
      // One host key per sshd, one known_hosts line per host.
      expect(new Set(fleet.hosts.map((h) => h.hostKey)).size).toBe(3);
      const known = (await readFile(fleet.knownHosts, 'utf8')).trim().split('\n');
      expect(known.sort()).toEqual(fleet.hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}`).sort());
      // The OpenSSH client reaches every host on its own port, verifying its key.
      const results = await Promise.all(fleet.hosts.map((h) => fleet.ssh(h.name, 'echo "${SSH_CONNECTION##* }"')));
      results.forEach((r, i) => {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.toString().trim()).toBe(String(fleet.hosts[i]?.port));
      });
      // Stopping a host stops its sshd: the other hosts on it go down too, the others stay.
      await fleet.stopHost('host1');
      expect(isRunning(pids[0] as number)).toBe(false);
      expect((await fleet.ssh('host2', 'true')).code).toBe(255);
      expect((await fleet.ssh('host17', 'true')).code).toBe(0);
      await fleet.startHost('host2');
      expect((await fleet.ssh('host1', 'true')).code).toBe(0);
    } finally {
      const pids = fleet.sshdPids();
      await fleet.stop();
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
    }
  });

  it('more than 16 hosts on one sshd share its ports, each keeping its own root', async () => {
    const fleet = await startTestFleet({ hosts: 20, hostsPerSshd: 20 });
    try {
      expect(fleet.sshdPids()).toHaveLength(1);
      expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(16);
      expect(new Set(fleet.hosts.map((h) => h.root)).size).toBe(20);
      expect((await fleet.ssh('host20', 'true')).code).toBe(0);
    } finally {
      await fleet.stop();
    }
  });
});

describe('a stopped host is down at once', () => {
  it('stopHost freezes the listener before any session is stopped: a client reconnecting as its session drops finds no sshd', async () => {
    const fleet = await startTestFleet({ hosts: ['h1'] });
    try {
      const [listener] = fleet.sshdPids();
      const mark = path.join(fleet.dir, 'on-term');
      // The remote shell, when the host goes down under it, notes the listener's state and
      // connects again at once (as konf does to restore a host whose connection dropped).
      const onTerm = [
        `cut -d' ' -f3 /proc/${listener}/stat > ${mark}.state 2>/dev/null`,
        `ssh -F ${fleet.sshConfig} -o ConnectTimeout=1 -o ConnectionAttempts=1 h1 echo back > ${mark}.again 2>&1`,
        `echo \\$? > ${mark}.rc`,
        'exit 0',
      ].join('; ');
      const session = fleet.ssh('h1', `trap "${onTerm}" TERM; echo ready > ${mark}.ready; while :; do sleep 1 & wait $!; done`);
      await waitFor(() => existsSync(`${mark}.ready`), 15_000);
      await fleet.stopHost('h1');
      await session;
      // Stopped: T (t under a tracer such as strace).
      expect(['T', 't']).toContain(readFileSync(`${mark}.state`, 'utf8').trim());
      expect(readFileSync(`${mark}.rc`, 'utf8').trim()).toBe('255');
      expect(readFileSync(`${mark}.again`, 'utf8')).not.toContain('back');
    } finally {
      await fleet.stop();
    }
  });
});

async function waitFor(fn: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
