import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { connect, mapConnectError, type ConnectOptions } from '../../../src/core/ssh/connect.js';
import { IdentityCache, openSshPrivatePublicBlob } from '../../../src/core/ssh/auth.js';
import { HostKeyError } from '../../../src/core/ssh/knownHosts.js';
import { SshConfig } from '../../../src/core/ssh/sshConfig.js';
import { HostError } from '../../../src/core/errors.js';
import { anyHostBlock, authorize, configWith, keygen, rejection, run, standaloneConfig, startAgent, type Agent } from './helpers.js';

describe('connect to the real test fleet', () => {
  let fleet: TestFleet;
  let agent: Agent | undefined;

  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['host1', 'host2', 'host3', 'down'], unreachable: ['down'] });
  });
  afterAll(async () => {
    await agent?.stop();
    await fleet?.stop();
  });

  const opts = (file: string, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
    config: SshConfig.fromFiles([file]),
    agentSocket: null,
    ...extra,
  });

  async function echo(host: string, o: ConnectOptions): Promise<string> {
    const conn = await connect(host, o);
    try {
      const out: Buffer[] = [];
      const r = await conn.exec('echo "$SSH_CONNECTION"', { onStdout: (d) => out.push(d) });
      expect(r.code).toBe(0);
      return Buffer.concat(out).toString().trim();
    } finally {
      await conn.close();
    }
  }

  it('connects with strict host key checking and runs a command', async () => {
    const logs: string[] = [];
    const conn = await connect('host1', opts(fleet.sshConfig, { log: (l) => logs.push(l) }));
    try {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const r = await conn.exec('echo hello; echo oops >&2; exit 3', { onStdout: (d) => out.push(d), onStderr: (d) => err.push(d) });
      expect(r).toEqual({ code: 3 });
      expect(Buffer.concat(out).toString()).toBe('hello\n');
      expect(Buffer.concat(err).toString()).toBe('oops\n');
      expect(conn.resolved).toMatchObject({ alias: 'host1', hostName: '127.0.0.1', port: fleet.host('host1').port, strictHostKeyChecking: 'yes' });
    } finally {
      await conn.close();
    }
    expect(conn.closed).toBe(true);
    expect(logs.join('\n')).toMatch(/host1: Host '\[127\.0\.0\.1\]:\d+' is known and matches the ED25519 host key/);
  });

  it('refuses a changed host key with the offered SHA256 fingerprint and the offending file:line', async () => {
    const h1 = fleet.host('host1');
    const wrong = path.join(fleet.dir, 'known_hosts.wrong');
    await writeFile(wrong, `# keys\n[127.0.0.1]:${h1.port} ${fleet.host('host2').hostKey}\n`);
    const cfg = await configWith(fleet, 'cfg.mismatch', `Host host1\n  UserKnownHostsFile ${wrong}`);
    const err = await rejection(connect('host1', opts(cfg)));
    expect(err).toBeInstanceOf(HostKeyError);
    const e = err as HostKeyError;
    expect(e.kind).toBe('host-key-mismatch');
    const { stdout } = await run('ssh-keygen', ['-lf', `${h1.hostKeyFile}.pub`]);
    const fp = stdout.split(' ')[1] as string;
    expect(fp).toMatch(/^SHA256:/);
    const expected = (await run('ssh-keygen', ['-lf', `${fleet.host('host2').hostKeyFile}.pub`])).stdout.split(' ')[1] as string;
    expect(e.format()).toBe(
      `host1: WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The fingerprint for the ED25519 key sent by the remote host is ${fp}. ` +
        `Offending ED25519 key in ${wrong}:2 (${expected}); remove with: ssh-keygen -f '${wrong}' -R '[127.0.0.1]:${h1.port}'. ` +
        `Host key for [127.0.0.1]:${h1.port} has changed and you have requested strict checking. Host key verification failed.`,
    );
    expect(e.longMessage.split('\n')).toHaveLength(15);
  });

  it('refuses a changed host key under StrictHostKeyChecking no too: no session is opened', async () => {
    const h1 = fleet.host('host1');
    const wrong = path.join(fleet.dir, 'known_hosts.wrong-lax');
    await writeFile(wrong, `[127.0.0.1]:${h1.port} ${fleet.host('host2').hostKey}\n`);
    const cfg = await configWith(fleet, 'cfg.mismatch-lax', `Host host1\n  UserKnownHostsFile ${wrong}\n  StrictHostKeyChecking no`);
    const logs: string[] = [];
    const err = await rejection(connect('host1', opts(cfg, { log: (l) => logs.push(l) })));
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as HostKeyError).kind).toBe('host-key-mismatch');
    expect((err as HostKeyError).format()).toContain(`has changed and konf refuses a changed host key whatever StrictHostKeyChecking says (it is no here). Host key verification failed.`);
    expect(logs.join('\n')).not.toMatch(/authenticated to/);
    expect(await readFile(wrong, 'utf8')).toBe(`[127.0.0.1]:${h1.port} ${fleet.host('host2').hostKey}\n`);
  });

  it('refuses an unknown host, and accept-new records it (then strict checking passes, OpenSSH agrees)', async () => {
    const h3 = fleet.host('host3');
    const fresh = path.join(fleet.dir, 'known_hosts.fresh');
    await writeFile(fresh, '');
    const strictCfg = await configWith(fleet, 'cfg.fresh', `Host host3\n  UserKnownHostsFile ${fresh}`);
    const err = await rejection(connect('host3', opts(strictCfg)));
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).kind).toBe('host-key-unknown');
    expect((err as HostError).format()).toMatch(new RegExp(`^host3: Host key verification failed: no ED25519 host key is known for \\[127\\.0\\.0\\.1\\]:${h3.port} in .*known_hosts\\.fresh`));
    expect(await readFile(fresh, 'utf8')).toBe('');

    const acceptCfg = await configWith(fleet, 'cfg.accept', `Host host3\n  UserKnownHostsFile ${fresh}\n  StrictHostKeyChecking accept-new`);
    const logs: string[] = [];
    await echo('host3', opts(acceptCfg, { log: (l) => logs.push(l) }));
    expect(await readFile(fresh, 'utf8')).toBe(`[127.0.0.1]:${h3.port} ${h3.hostKey}\n`);
    expect(logs.join('\n')).toContain(`Permanently added '[127.0.0.1]:${h3.port}' (ED25519) to the list of known hosts`);

    // Recorded: a strict connection now succeeds, through konf and through OpenSSH.
    await echo('host3', opts(strictCfg));
    const viaOpenSsh = await run('ssh', ['-F', strictCfg, 'host3', 'echo ok']);
    expect(viaOpenSsh.stdout).toBe('ok\n');
    expect(await readFile(fresh, 'utf8')).toBe(`[127.0.0.1]:${h3.port} ${h3.hostKey}\n`);
  });

  it('accept-new given as an option overrides StrictHostKeyChecking yes of the config', async () => {
    const fresh = path.join(fleet.dir, 'known_hosts.opt');
    const cfg = await configWith(fleet, 'cfg.opt', `Host host2\n  UserKnownHostsFile ${fresh}`);
    await echo('host2', opts(cfg, { strictHostKeyChecking: 'accept-new' }));
    expect(await readFile(fresh, 'utf8')).toContain(fleet.host('host2').hostKey);
  });

  it('accepts a known_hosts hashed by ssh-keygen -H', async () => {
    const hashed = path.join(fleet.dir, 'known_hosts.hashed');
    await copyFile(fleet.knownHosts, hashed);
    await run('ssh-keygen', ['-H', '-f', hashed]);
    expect(await readFile(hashed, 'utf8')).not.toContain('127.0.0.1');
    const cfg = await configWith(fleet, 'cfg.hashed', `Host host1 host2\n  UserKnownHostsFile ${hashed}`);
    expect(await echo('host2', opts(cfg))).toMatch(new RegExp(` ${fleet.host('host2').port}$`));
  });

  it('looks the key up under HostKeyAlias when set', async () => {
    const aliased = path.join(fleet.dir, 'known_hosts.alias');
    await writeFile(aliased, `web-primary ${fleet.host('host1').hostKey}\n`);
    const cfg = await configWith(fleet, 'cfg.alias', `Host host1\n  HostKeyAlias web-primary\n  UserKnownHostsFile ${aliased}`);
    expect(await echo('host1', opts(cfg))).toMatch(new RegExp(` ${fleet.host('host1').port}$`));
    const other = await configWith(fleet, 'cfg.alias2', `Host host1\n  HostKeyAlias web-other\n  UserKnownHostsFile ${aliased}`);
    expect(((await rejection(connect('host1', opts(other)))) as HostError).format()).toMatch(/^host1: Host key verification failed: no ED25519 host key is known for web-other /);
  });

  it('refuses a revoked host key', async () => {
    const h1 = fleet.host('host1');
    const revoked = path.join(fleet.dir, 'known_hosts.revoked');
    await writeFile(revoked, `[127.0.0.1]:${h1.port} ${h1.hostKey}\n@revoked * ${h1.hostKey}\n`);
    const cfg = await configWith(fleet, 'cfg.revoked', `Host host1\n  UserKnownHostsFile ${revoked}\n  StrictHostKeyChecking no`);
    const err = await rejection(connect('host1', opts(cfg)));
    expect((err as HostError).kind).toBe('host-key-revoked');
    expect((err as HostError).format()).toMatch(/^host1: WARNING: REVOKED HOST KEY DETECTED!/);
  });

  it('jumps through one fleet host to another (ProxyJump), verifying both host keys', async () => {
    const cfg = await configWith(fleet, 'cfg.jump', 'Host host2\n  ProxyJump host1');
    const logs: string[] = [];
    const conn = await connect('host2', opts(cfg, { log: (l) => logs.push(l) }));
    try {
      expect(conn.chain.map((h) => h.alias)).toEqual(['host1', 'host2']);
      const out: Buffer[] = [];
      await conn.exec('echo "$SSH_CONNECTION"', { onStdout: (d) => out.push(d) });
      expect(Buffer.concat(out).toString().trim()).toMatch(new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${fleet.host('host2').port}$`));
    } finally {
      await conn.close();
    }
    const text = logs.join('\n');
    expect(text).toContain(`host2: [host1] connecting to 127.0.0.1 port ${fleet.host('host1').port}`);
    expect(text).toMatch(/host2: \[host1\] Host '\[127\.0\.0\.1\]:\d+' is known and matches/);
    expect(text).toMatch(/host2: Host '\[127\.0\.0\.1\]:\d+' is known and matches/);
    expect(text).toContain('(through the jump chain)');
  });

  it('jumps through several hops, including user@host:port forms', async () => {
    const h1 = fleet.host('host1');
    const cfg = await configWith(fleet, 'cfg.jump2', `Host host3\n  ProxyJump ${fleet.user}@127.0.0.1:${h1.port},host2`);
    await writeFile(cfg, `${await readFile(cfg, 'utf8')}\n${anyHostBlock(fleet)}\n`);
    const conn = await connect('host3', opts(cfg));
    try {
      expect(conn.chain.map((h) => `${h.alias}:${h.port}`)).toEqual([`127.0.0.1:${h1.port}`, `host2:${fleet.host('host2').port}`, `host3:${fleet.host('host3').port}`]);
      expect((await conn.exec('true')).code).toBe(0);
    } finally {
      await conn.close();
    }
  });

  it('names the jump host when its key is wrong or the next hop is refused', async () => {
    const h1 = fleet.host('host1');
    const wrong = path.join(fleet.dir, 'known_hosts.wrong-jump');
    await writeFile(wrong, `[127.0.0.1]:${h1.port} ${fleet.host('host3').hostKey}\n`);
    const cfg = await configWith(fleet, 'cfg.jumpwrong', `Host host1\n  UserKnownHostsFile ${wrong}\nHost host2\n  ProxyJump host1`);
    const err = (await rejection(connect('host2', opts(cfg)))) as HostError;
    expect(err.kind).toBe('host-key-mismatch');
    expect(err.host).toBe('host2');
    expect(err.format()).toMatch(/^host2: jump host host1: WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!/);

    const down = fleet.host('down');
    const cfg2 = await configWith(fleet, 'cfg.jumpdown', 'Host down\n  ProxyJump host1');
    const err2 = (await rejection(connect('down', opts(cfg2)))) as HostError;
    expect(err2.kind).toBe('unreachable');
    expect(err2.format()).toMatch(new RegExp(`^down: ssh: connect to host 127\\.0\\.0\\.1 port ${down.port} via host1: `));
  });

  it('gives unreachable quickly for a host nobody listens on', async () => {
    const t0 = Date.now();
    const err = (await rejection(connect('down', opts(fleet.sshConfig)))) as HostError;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(HostError);
    expect(err.kind).toBe('unreachable');
    expect(err.format()).toBe(`down: ssh: connect to host 127.0.0.1 port ${fleet.host('down').port}: Connection refused`);
  });

  it('a host that refuses costs one TCP connect: no passphrase asked, no SSH client, same words', async () => {
    const key = await keygen(path.join(fleet.dir, 'locked_key_down'), 'correct horse');
    const cfg = await standaloneConfig(fleet, 'cfg.down-locked', ['down', 'host1'], [`IdentityFile ${key}`]);
    const asked: string[] = [];
    const logs: string[] = [];
    const o = opts(cfg, {
      identities: new IdentityCache(),
      log: (l) => logs.push(l),
      passphrase: async (file) => {
        asked.push(file);
        return 'correct horse';
      },
    });
    const err = (await rejection(connect('down', o))) as HostError;
    expect(err.kind).toBe('unreachable');
    expect(err.format()).toBe(`down: ssh: connect to host 127.0.0.1 port ${fleet.host('down').port}: Connection refused`);
    // The identity file was never opened for a host nobody listens on (before: its passphrase was asked first).
    expect(asked).toEqual([]);
    expect(logs.join('\n')).not.toContain('offering');
    // A host that answers still gets the key, its passphrase asked then.
    await authorize(fleet, key);
    await echo('host1', o);
    expect(asked).toEqual([key]);
  });

  it('times out on a server that never speaks SSH (ConnectTimeout)', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const cfg = await configWith(fleet, 'cfg.mute', `Host mute\n  HostName 127.0.0.1\n  Port ${port}\n  ConnectTimeout 1\n${anyHostBlock(fleet)}`);
      const t0 = Date.now();
      const err = (await rejection(connect('mute', opts(cfg)))) as HostError;
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(err.kind).toBe('timeout');
      expect(err.format()).toBe(`mute: ssh: connect to host 127.0.0.1 port ${port}: Connection timed out (no SSH session within 1s)`);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('maps name resolution failures like OpenSSH', () => {
    const hop = SshConfig.fromText([{ file: 'x', text: 'Host nx\n  HostName no-such-host.invalid\n' }]).resolve('nx');
    const e = Object.assign(new Error('getaddrinfo ENOTFOUND no-such-host.invalid'), { code: 'ENOTFOUND' });
    const mapped = mapConnectError(e, hop, 'nx');
    expect(mapped.kind).toBe('unreachable');
    expect(mapped.format()).toBe('nx: ssh: Could not resolve hostname no-such-host.invalid: Name or service not known');
  });

  it('fails authentication with an unauthorised key, in OpenSSH words', async () => {
    const key = await keygen(path.join(fleet.dir, 'stranger_key'));
    const cfg = await standaloneConfig(fleet, 'cfg.stranger', ['host1'], [`IdentityFile ${key}`]);
    const err = (await rejection(connect('host1', opts(cfg)))) as HostError;
    expect(err.kind).toBe('auth-failed');
    expect(err.format()).toBe(`host1: ${fleet.user}@127.0.0.1: Permission denied (publickey).`);
  });

  it('explains an encrypted key without agent, uses a passphrase from the provider (asked once), never logs it', async () => {
    const key = await keygen(path.join(fleet.dir, 'locked_key'), 'correct horse');
    await authorize(fleet, key);
    const cfg = await standaloneConfig(fleet, 'cfg.locked', ['host1', 'host2'], [`IdentityFile ${key}`]);
    const err = (await rejection(connect('host1', opts(cfg)))) as HostError;
    expect(err.kind).toBe('auth-failed');
    expect(err.message).toMatch(/Permission denied \(publickey\)\. key .*locked_key is encrypted and no ssh-agent is running; run ssh-add .*locked_key$/);

    const asked: string[] = [];
    const logs: string[] = [];
    const identities = new IdentityCache();
    const o = opts(cfg, {
      identities,
      log: (l) => logs.push(l),
      passphrase: async (file) => {
        asked.push(file);
        return 'correct horse';
      },
    });
    await echo('host1', o);
    await echo('host2', o);
    expect(asked).toEqual([key]);
    expect(logs.join('\n')).not.toContain('correct horse');
    expect(logs.join('\n')).toContain('offering key');

    const bad = (await rejection(connect('host1', opts(cfg, { passphrase: async () => 'wrong' })))) as HostError;
    expect(bad.kind).toBe('auth-failed');
    expect(bad.message).toMatch(/key .*locked_key: bad passphrase/);
  });

  it('authenticates through a real ssh-agent, honouring IdentitiesOnly', async () => {
    agent = await startAgent(fleet.dir);
    const key = await keygen(path.join(fleet.dir, 'agent_key'), 'agent secret');
    await authorize(fleet, key);
    await agent.add(key, 'agent secret');
    // The public half is read from the encrypted key itself when no .pub lies beside it.
    const pubBlob = Buffer.from((await readFile(`${key}.pub`, 'utf8')).split(' ')[1] as string, 'base64');
    expect(openSshPrivatePublicBlob(await readFile(key, 'utf8'))?.equals(pubBlob)).toBe(true);
    await rm(`${key}.pub`);

    // The identity file is encrypted, but the agent holds it: no passphrase needed.
    const viaFile = await standaloneConfig(fleet, 'cfg.agent1', ['host1'], [`IdentityFile ${key}`, 'IdentitiesOnly yes']);
    const logs: string[] = [];
    await echo('host1', opts(viaFile, { agentSocket: agent.socket, log: (l) => logs.push(l) }));
    expect(logs.join('\n')).toMatch(/offering ssh-agent \(1 key\(s\)\)/);

    // Without IdentitiesOnly, agent keys are offered even when no identity file exists.
    const noFile = await standaloneConfig(fleet, 'cfg.agent2', ['host1'], [`IdentityFile ${fleet.dir}/absent_key`]);
    await echo('host1', opts(noFile, { agentSocket: agent.socket }));

    // With IdentitiesOnly and an identity file the agent does not hold, the agent key is not offered.
    const other = await keygen(path.join(fleet.dir, 'other_key'));
    const only = await standaloneConfig(fleet, 'cfg.agent3', ['host1'], [`IdentityFile ${other}`, 'IdentitiesOnly yes']);
    const err = (await rejection(connect('host1', opts(only, { agentSocket: agent.socket })))) as HostError;
    expect(err.kind).toBe('auth-failed');

    // An agent that is not running is skipped, not fatal.
    await echo('host1', opts(fleet.sshConfig, { agentSocket: path.join(fleet.dir, 'no-agent.sock') }));
  });

  it('cancels a connect through an AbortSignal', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = (await rejection(connect('host1', opts(fleet.sshConfig, { signal: ac.signal })))) as HostError;
    expect(err.kind).toBe('cancelled');
  });

  it('a jump connection dies with its jump host', async () => {
    const cfg = await configWith(fleet, 'cfg.jumpdie', 'Host host2\n  ProxyJump host1');
    const conn = await connect('host2', opts(cfg));
    const closed = new Promise<HostError>((r) => conn.onClose(r));
    try {
      await fleet.stopHost('host1');
      const reason = await closed;
      expect(reason.kind).toBe('unreachable');
      const err = (await rejection(conn.exec('true'))) as HostError;
      expect(err.kind).toBe('unreachable');
      expect(err.format()).toMatch(/^host2: connection to 127\.0\.0\.1 port \d+ lost/);
    } finally {
      await conn.close();
      await fleet.startHost('host1');
    }
  });
});
