import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { connect } from '../../../src/core/ssh/connect.js';
import type { Connection } from '../../../src/core/ssh/connection.js';
import { SshConfig } from '../../../src/core/ssh/sshConfig.js';
import { HostError } from '../../../src/core/errors.js';
import { configWith, rejection, startCommand } from './helpers.js';
import { remoteGate, waitUntil } from '../../helpers/wait.js';
import { ensureSudoUser, SUDO_TEST_USER, sudoUserFleetOptions, sudoUserSshConfig } from '../../helpers/sudoUser.js';

async function collect(conn: Connection, command: string, stdin?: Buffer | string): Promise<{ code: number | null; signal?: string; out: Buffer; err: string }> {
  const out: Buffer[] = [];
  let err = '';
  const r = await conn.exec(command, { onStdout: (d) => out.push(d), onStderr: (d) => (err += d.toString()), ...(stdin !== undefined ? { stdin } : {}) });
  return { ...r, out: Buffer.concat(out), err };
}

describe('Connection: commands on exec channels', () => {
  let fleet: TestFleet;
  let conn: Connection;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: 2 });
    conn = await connect('host1', { config: SshConfig.fromFiles([fleet.sshConfig]), agentSocket: null, maxChannels: 8 });
  });
  afterAll(async () => {
    await conn?.close();
    await fleet?.stop();
  });

  it('streams output: the first chunk arrives before the command ends', async () => {
    // The command cannot end before the test opens the gate, which it does only once the
    // first line has arrived.
    const gate = remoteGate(fleet.dir);
    const chunks: string[] = [];
    let ended = false;
    const running = conn.exec(`echo a; ${gate.wait}; echo b`, { onStdout: (d) => chunks.push(d.toString()) }).finally(() => (ended = true));
    await waitUntil('the first line', () => chunks.length > 0);
    expect(chunks).toEqual(['a\n']);
    expect(ended).toBe(false);
    await gate.open();
    expect((await running).code).toBe(0);
    expect(chunks.join('')).toBe('a\nb\n');
  });

  it('writes stdin then closes it, binary-safe both ways', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const r = await collect(conn, 'cat', data);
    expect(r.code).toBe(0);
    expect(r.out.equals(data)).toBe(true);
    // No stdin: closed at once, so a reader sees EOF.
    expect((await collect(conn, 'wc -c')).out.toString().trim()).toBe('0');
    expect((await collect(conn, 'cat', 'text in\n')).out.toString()).toBe('text in\n');
  });

  it('rejects with the error a consumer callback throws, and carries on', async () => {
    const boom = new Error('consumer failed');
    const err = await rejection(
      conn.exec('echo one; sleep 5; echo two', {
        onStdout: () => {
          throw boom;
        },
      }),
    );
    expect(err).toBe(boom);
    expect(conn.load.open).toBe(0);
    expect((await collect(conn, 'echo fine')).out.toString()).toBe('fine\n');
  });

  it('reports an exit by signal', async () => {
    const r = await collect(conn, 'kill -TERM $$');
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGTERM');
  });

  it('cancels through an AbortSignal: rejects at once and frees the channel', async () => {
    const ac = new AbortController();
    const command = startCommand(conn, 'sleep 30', { signal: ac.signal });
    await command.started;
    const t0 = Date.now();
    ac.abort();
    const err = (await rejection(command.result)) as HostError;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(HostError);
    expect(err.kind).toBe('cancelled');
    expect(err.format()).toBe('host1: command cancelled');
    expect(conn.load.open).toBe(0);
    // An already aborted signal never opens a channel.
    const done = new AbortController();
    done.abort();
    expect(((await rejection(conn.exec('true', { signal: done.signal }))) as HostError).kind).toBe('cancelled');
  });

  it('times out a command with HostError timeout', async () => {
    const err = (await rejection(conn.exec('sleep 30', { timeoutMs: 300 }))) as HostError;
    expect(err.kind).toBe('timeout');
    expect(err.format()).toBe('host1: command timed out after 0.3s');
    // The connection is still good.
    expect((await collect(conn, 'echo still')).out.toString()).toBe('still\n');
  });

  it('runs many commands at once on one connection, at most maxChannels channels open', async () => {
    // Every command waits at a gate: the first 8 hold every channel, the rest queue.
    const gate = remoteGate(fleet.dir);
    let peak = 0;
    const watcher = setInterval(() => (peak = Math.max(peak, conn.load.open)), 5);
    const all = Promise.all(Array.from({ length: 30 }, (_, i) => collect(conn, `${gate.wait}; echo ${i}`)));
    await waitUntil('8 open channels and 22 queued commands', () => conn.load.open === 8 && conn.load.queued === 22);
    await gate.open();
    const results = await all;
    clearInterval(watcher);
    expect(results.map((r) => r.out.toString().trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(peak).toBe(8);
    expect(conn.load).toEqual({ open: 0, queued: 0 });
  });

  it('gives a queued command cancelled when aborted while waiting for a channel', async () => {
    const busy = Array.from({ length: 8 }, () => conn.exec('sleep 0.5'));
    const ac = new AbortController();
    const queued = conn.exec('echo never', { signal: ac.signal });
    expect(conn.load.queued).toBe(1);
    ac.abort();
    expect(((await rejection(queued)) as HostError).kind).toBe('cancelled');
    await Promise.all(busy);
  });

  it('rejects running and later commands with unreachable when the connection drops', async () => {
    // Reached through host1: stopping host1 cuts the transport while host2's command runs on.
    const cfg = await configWith(fleet, 'cfg.drop', 'Host host2\n  ProxyJump host1');
    const c2 = await connect('host2', { config: SshConfig.fromFiles([cfg]), agentSocket: null });
    try {
      const command = startCommand(c2, 'sleep 30');
      const running = rejection(command.result);
      await command.started;
      await fleet.stopHost('host1');
      const err = (await running) as HostError;
      expect(err).toBeInstanceOf(HostError);
      expect(err.kind).toBe('unreachable');
      expect(err.format()).toMatch(new RegExp(`^host2: connection to 127\\.0\\.0\\.1 port ${fleet.host('host2').port} lost`));
      expect(err.message).not.toContain('\n');
      expect(c2.closed).toBe(true);
      expect(((await rejection(c2.exec('true'))) as HostError).kind).toBe('unreachable');
    } finally {
      await c2.close();
      await fleet.startHost('host1');
      conn = await connect('host1', { config: SshConfig.fromFiles([fleet.sshConfig]), agentSocket: null, maxChannels: 8 });
    }
  });

  it('close() rejects a running command with cancelled', async () => {
    const c3 = await connect('host2', { config: SshConfig.fromFiles([fleet.sshConfig]), agentSocket: null });
    const command = startCommand(c3, 'sleep 30');
    const running = rejection(command.result);
    await command.started;
    await c3.close();
    expect(((await running) as HostError).kind).toBe('cancelled');
  });

  it('opens an SFTP session that holds a channel slot until closed', async () => {
    const sftp = await conn.sftp();
    expect(conn.load.open).toBe(1);
    const entries = await new Promise<string[]>((resolve, reject) =>
      sftp.readdir(fleet.host('host1').root, (err, list) => (err ? reject(err) : resolve(list.map((e) => e.filename)))),
    );
    expect(entries).toEqual([]);
    const closed = new Promise((r) => sftp.once('close', r));
    sftp.end();
    await closed;
    expect(conn.load.open).toBe(0);
  });
});

// sshd refuses SSH signal requests for root logins (no post-auth privilege separation
// for root), so the remote kill is proven with the unprivileged sudo test user.
const sudo = await ensureSudoUser();

describe.skipIf(!sudo.ok)(`Connection as an unprivileged user${sudo.ok ? '' : ` (skipped: ${sudo.skip})`}`, () => {
  let fleet: TestFleet;
  let conn: Connection;
  beforeAll(async () => {
    if (!sudo.ok) return;
    fleet = await startTestFleet({ hosts: 1, ...sudoUserFleetOptions(sudo.user) });
    const cfg = await sudoUserSshConfig(fleet, sudo.user);
    conn = await connect('host1', { config: SshConfig.fromFiles([cfg]), agentSocket: null });
  });
  afterAll(async () => {
    await conn?.close();
    await fleet?.stop();
  });

  it('logs in as the user, who has passwordless sudo', async () => {
    expect((await collect(conn, 'id -un; sudo -n id -un')).out.toString()).toBe(`${SUDO_TEST_USER}\nroot\n`);
  });

  it('cancelling a command sends it TERM through the SSH signal request', async () => {
    const ac = new AbortController();
    const marker = `37.${process.pid % 1000}`;
    const command = startCommand(conn, `sleep ${marker}; echo survived`, { signal: ac.signal });
    await command.started;
    ac.abort();
    const err = (await rejection(command.result)) as HostError;
    expect(err.kind).toBe('cancelled');
    let left = '';
    for (let i = 0; i < 30; i++) {
      left = (await collect(conn, `pgrep -f "slee[p] ${marker}" || true`)).out.toString().trim();
      if (!left) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe('');
  });
});

describe('Connection on a noisy shell', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: 1, shellNoise: 'Welcome to host1! Last login: never' });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('keeps the noise out of a framed payload', async () => {
    const conn = await connect('host1', { config: SshConfig.fromFiles([fleet.sshConfig]), agentSocket: null });
    try {
      const r = await collect(conn, "printf '\\n@@KONF-BEGIN@@\\n'; printf 'a\\0b' | od -An -c; printf '@@KONF-END@@\\n'");
      expect(r.code).toBe(0);
      const text = r.out.toString();
      expect(text.startsWith('Welcome to host1! Last login: never\n')).toBe(true);
      const framed = /\n@@KONF-BEGIN@@\n([\s\S]*)@@KONF-END@@\n$/.exec(text);
      expect(framed?.[1]?.replace(/\s+/g, ' ').trim()).toBe('a \\0 b');
    } finally {
      await conn.close();
    }
  });
});
