import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { SshPool } from '../../../src/core/ssh/pool.js';
import type { Connection } from '../../../src/core/ssh/connection.js';
import { HostError } from '../../../src/core/errors.js';
import { configWith, rejection, startCommand } from './helpers.js';
import { waitUntil } from '../../helpers/wait.js';

async function sshConnection(conn: Pick<Connection, 'exec'>): Promise<string> {
  const out: Buffer[] = [];
  const r = await conn.exec('echo "$SSH_CONNECTION"', { onStdout: (d) => out.push(d) });
  expect(r.code).toBe(0);
  return Buffer.concat(out).toString().trim();
}

/** Pids of the direct children of pid (sshd forks one per connection). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Client source port of an `$SSH_CONNECTION` line. */
const sourcePort = (line: string) => line.split(' ')[1];

describe('SshPool', () => {
  let fleet: TestFleet;
  let pool: SshPool;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['host1', 'host2', 'host3', 'host4', 'down'], unreachable: ['down'] });
    pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null, concurrency: 2 });
  });
  afterAll(async () => {
    await pool?.closeAll();
    await fleet?.stop();
  });

  it('reuses one connection per host for every operation', async () => {
    const conns = await Promise.all(Array.from({ length: 5 }, () => pool.get('host1')));
    for (const c of conns) expect(c).toBe(conns[0]);
    const lines = await Promise.all(Array.from({ length: 6 }, () => sshConnection(pool.channel('host1'))));
    expect(new Set(lines.map(sourcePort)).size).toBe(1);
    expect(lines[0]).toMatch(new RegExp(` ${fleet.host('host1').port}$`));
    // The host's sshd forked one session process for the whole lot.
    expect(childPids(fleet.host('host1').pid as number)).toHaveLength(1);
    expect(pool.hosts).toEqual(['host1']);
  });

  it('connects to many hosts with bounded concurrency', async () => {
    const conns = await Promise.all(['host1', 'host2', 'host3', 'host4'].map((h) => pool.get(h)));
    expect(conns.map((c) => c.host)).toEqual(['host1', 'host2', 'host3', 'host4']);
    const lines = await Promise.all(conns.map((c) => sshConnection(c)));
    expect(lines.map((l) => l.split(' ')[3])).toEqual(['host1', 'host2', 'host3', 'host4'].map((h) => String(fleet.host(h).port)));
  });

  it('gives unreachable quickly for a host that is down, and retries on the next get', async () => {
    const t0 = Date.now();
    const [a, b] = await Promise.all([rejection(pool.get('down')), rejection(pool.get('down'))]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(HostError);
    expect((a as HostError).kind).toBe('unreachable');
    expect((a as HostError).format()).toBe(`down: ssh: connect to host 127.0.0.1 port ${fleet.host('down').port}: Connection refused`);
    expect(pool.hosts).not.toContain('down');
    const c = await rejection(pool.get('down'));
    expect(c).not.toBe(a);
  });

  it("a caller's AbortSignal stops only its own wait", async () => {
    await pool.closeAll();
    const ac = new AbortController();
    const mine = pool.get('host2', ac.signal);
    const other = pool.get('host2');
    ac.abort();
    expect(((await rejection(mine)) as HostError).kind).toBe('cancelled');
    const conn = await other;
    expect((await conn.exec('true')).code).toBe(0);
  });

  it('drop() closes and forgets a connection; the next get reconnects', async () => {
    const first = await pool.get('host3');
    const before = sourcePort(await sshConnection(first));
    pool.drop('host3');
    const second = await pool.get('host3');
    expect(second).not.toBe(first);
    expect(sourcePort(await sshConnection(second))).not.toBe(before);
    await new Promise<void>((r) => first.onClose(() => r()));
    expect(first.closed).toBe(true);
  });

  it('forgets a dropped connection so the next get reconnects', async () => {
    const conn = await pool.get('host4');
    const closed = new Promise<HostError>((r) => conn.onClose(r));
    await fleet.stopHost('host4');
    expect((await closed).kind).toBe('unreachable');
    expect(pool.hosts).not.toContain('host4');
    await fleet.startHost('host4');
    const again = await pool.get('host4');
    expect(again).not.toBe(conn);
    expect((await again.exec('true')).code).toBe(0);
  });

  it('closeAll() closes every connection cleanly; the pool can be used again', async () => {
    const conns = await Promise.all(['host1', 'host2'].map((h) => pool.get(h)));
    const command = startCommand(conns[0]!, 'sleep 30');
    const running = rejection(command.result);
    await command.started;
    await pool.closeAll();
    for (const c of conns) expect(c.closed).toBe(true);
    expect(((await running) as HostError).kind).toBe('cancelled');
    expect(pool.hosts).toEqual([]);
    expect((await (await pool.get('host1')).exec('true')).code).toBe(0);
  });

  it('accept-new (pool option) records unknown hosts, and logs lines without secrets', async () => {
    const fresh = path.join(fleet.dir, 'known_hosts.pool');
    await writeFile(fresh, '');
    const cfg = await configWith(fleet, 'cfg.pool', `Host host1 host2\n  UserKnownHostsFile ${fresh}`);
    const logs: string[] = [];
    const strict = new SshPool({ configFiles: [cfg], agentSocket: null });
    const err = (await rejection(strict.get('host1'))) as HostError;
    expect(err.kind).toBe('host-key-unknown');
    await strict.closeAll();
    const lax = new SshPool({ configFiles: [cfg], agentSocket: null, acceptNew: true, logger: (l) => logs.push(l) });
    try {
      await Promise.all([lax.get('host1'), lax.get('host2')]);
    } finally {
      await lax.closeAll();
    }
    const text = await readFile(fresh, 'utf8');
    expect(text.split('\n').filter(Boolean).sort()).toEqual(
      [`[127.0.0.1]:${fleet.host('host1').port} ${fleet.host('host1').hostKey}`, `[127.0.0.1]:${fleet.host('host2').port} ${fleet.host('host2').hostKey}`].sort(),
    );
    expect(logs.some((l) => l.startsWith('host1: '))).toBe(true);
    const key = await readFile(fleet.clientKey, 'utf8');
    const secret = key.split('\n')[1] as string;
    expect(logs.join('\n')).not.toContain(secret);
  });
  it('shares one connection to a jump host between the hosts behind it', async () => {
    await pool.closeAll();
    const cfg = await configWith(fleet, 'cfg.pooljump', 'Host host2 host3 host4\n  ProxyJump host1\nHost down\n  ProxyJump host1');
    const logs: string[] = [];
    const jp = new SshPool({ configFiles: [cfg], agentSocket: null, logger: (l) => logs.push(l) });
    try {
      const conns = await Promise.all(['host2', 'host3', 'host4'].map((h) => jp.get(h)));
      const lines = await Promise.all(conns.map((c) => sshConnection(c)));
      expect(lines.map((l) => l.split(' ')[3])).toEqual(['host2', 'host3', 'host4'].map((h) => String(fleet.host(h).port)));
      // host1's sshd serves a single connection: the shared jump.
      expect(childPids(fleet.host('host1').pid as number)).toHaveLength(1);
      expect(logs.filter((l) => /^host1: authenticated/.test(l))).toHaveLength(1);
      expect(jp.hosts.sort()).toEqual(['host2', 'host3', 'host4']);
      // A failure behind the jump is reported for the host, naming the jump.
      const err = (await rejection(jp.get('down'))) as HostError;
      expect(err.kind).toBe('unreachable');
      expect(err.format()).toMatch(new RegExp(`^down: ssh: connect to host 127\\.0\\.0\\.1 port ${fleet.host('down').port} via host1: `));
    } finally {
      await jp.closeAll();
    }
    await waitUntil("host1's sshd to end the jump connection", () => childPids(fleet.host('host1').pid as number).length === 0);
  });

  it('reports a failing jump host for the host behind it', async () => {
    const cfg = await configWith(fleet, 'cfg.pooljumpdown', 'Host host2\n  ProxyJump down');
    const jp = new SshPool({ configFiles: [cfg], agentSocket: null });
    try {
      const err = (await rejection(jp.get('host2'))) as HostError;
      expect(err.kind).toBe('unreachable');
      expect(err.format()).toBe(`host2: jump host down: ssh: connect to host 127.0.0.1 port ${fleet.host('down').port}: Connection refused`);
    } finally {
      await jp.closeAll();
    }
  });
});
