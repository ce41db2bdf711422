import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/core/errors.js';
import { parseProxyJump } from '../../../src/core/ssh/proxyJump.js';
import { SshConfig } from '../../../src/core/ssh/sshConfig.js';
import { defaultConfigFiles, localEnv } from '../../../src/core/ssh/sshTokens.js';

const env = localEnv({ home: '/home/ada', localUser: 'ada', localHostname: 'jump.example.com', uid: 1000, env: { KEYS: '/srv/keys' } });

function cfg(...texts: string[]): SshConfig {
  return SshConfig.fromText(
    texts.map((text, i) => ({ file: `/cfg/${i === 0 ? 'fleet' : 'user'}_config`, text })),
    env,
  );
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('ssh config resolution', () => {
  it('uses OpenSSH defaults when nothing is set', () => {
    const h = cfg('').resolve('web1');
    expect(h).toMatchObject({
      alias: 'web1',
      hostName: 'web1',
      port: 22,
      user: 'ada',
      identitiesOnly: false,
      identityFilesExplicit: false,
      proxyJump: [],
      strictHostKeyChecking: 'yes',
      serverAliveIntervalMs: 15_000,
      serverAliveCountMax: 3,
      hashKnownHosts: false,
    });
    expect(h.identityFiles).toEqual(['/home/ada/.ssh/id_ed25519', '/home/ada/.ssh/id_ecdsa', '/home/ada/.ssh/id_rsa']);
    expect(h.userKnownHostsFiles).toEqual(['/home/ada/.ssh/known_hosts', '/home/ada/.ssh/known_hosts2']);
    expect(h.globalKnownHostsFiles).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    expect(h.connectTimeoutMs).toBeUndefined();
  });

  it('expands %h in HostName and tokens, ~ and ${ENV} in IdentityFile', () => {
    const h = cfg(
      [
        'Host web*',
        '  HostName %h.example.com',
        '  User deploy',
        '  Port 2222',
        '  IdentityFile ~/.ssh/id_%h_%r_%p',
        '  IdentityFile %d/keys/%u-%n-%L-%l-%i-%%',
        '  IdentityFile ${KEYS}/fleet',
        '  IdentityFile "~/with space"',
      ].join('\n'),
    ).resolve('web1');
    expect(h.hostName).toBe('web1.example.com');
    expect(h.identityFilesExplicit).toBe(true);
    expect(h.identityFiles).toEqual([
      '/home/ada/.ssh/id_web1.example.com_deploy_2222',
      '/home/ada/keys/ada-web1-jump-jump.example.com-1000-%',
      '/srv/keys/fleet',
      '/home/ada/with space',
    ]);
  });

  it('takes the first obtained value across files, fleet file first; IdentityFile accumulates', () => {
    const c = cfg(
      ['Host web1', '  User deploy', '  IdentityFile ~/.ssh/fleet_key', '', 'Host *', '  ConnectTimeout 7'].join('\n'),
      ['Host web1', '  User root', '  Port 2200', '  IdentityFile ~/.ssh/personal', 'Host *', '  ConnectTimeout 30', '  ServerAliveInterval 5', '  ServerAliveCountMax 2'].join('\n'),
    );
    const h = c.resolve('web1');
    expect(h.user).toBe('deploy');
    expect(h.port).toBe(2200);
    expect(h.connectTimeoutMs).toBe(7000);
    expect(h.serverAliveIntervalMs).toBe(5000);
    expect(h.serverAliveCountMax).toBe(2);
    expect(h.identityFiles).toEqual(['/home/ada/.ssh/fleet_key', '/home/ada/.ssh/personal']);
    expect(h.sources.user).toBe('/cfg/fleet_config:2');
    expect(h.sources.port).toBe('/cfg/user_config:3');
  });

  it('within one file, the first matching Host section wins, so specific blocks go first', () => {
    const c = cfg(['Host *', '  User everyone', 'Host web1', '  User special'].join('\n'));
    expect(c.resolve('web1').user).toBe('everyone');
  });

  it('matches Host patterns with *, ?, lists, negation, case-insensitively', () => {
    const c = cfg(
      [
        'Host *.prod !db?.prod',
        '  User produser',
        'Host db?.prod',
        '  User dbadmin',
        'Host alpha beta',
        '  Port 1022',
        'Host *',
        '  User fallback',
      ].join('\n'),
    );
    expect(c.resolve('web.prod').user).toBe('produser');
    expect(c.resolve('WEB.PROD').user).toBe('produser');
    expect(c.resolve('db1.prod').user).toBe('dbadmin');
    expect(c.resolve('db12.prod').user).toBe('produser');
    expect(c.resolve('beta').port).toBe(1022);
    expect(c.resolve('gamma').user).toBe('fallback');
    expect(c.resolve('gamma').port).toBe(22);
  });

  it('reads keywords case-insensitively and accepts key=value', () => {
    const h = cfg(['Host x', '  hostname=10.0.0.9', '  PORT 2022', '  identitiesonly yes'].join('\n')).resolve('x');
    expect(h.hostName).toBe('10.0.0.9');
    expect(h.port).toBe(2022);
    expect(h.identitiesOnly).toBe(true);
  });

  it('reads several UserKnownHostsFile, GlobalKnownHostsFile, none, HashKnownHosts, HostKeyAlias', () => {
    const h = cfg(
      ['Host x', '  UserKnownHostsFile ~/.ssh/kh_fleet /etc/konf/known_hosts', '  GlobalKnownHostsFile none', '  HashKnownHosts yes', '  HostKeyAlias Web-Alias'].join('\n'),
    ).resolve('x');
    expect(h.userKnownHostsFiles).toEqual(['/home/ada/.ssh/kh_fleet', '/etc/konf/known_hosts']);
    expect(h.globalKnownHostsFiles).toEqual([]);
    expect(h.hashKnownHosts).toBe(true);
    expect(h.hostKeyAlias).toBe('web-alias');
  });

  it('maps StrictHostKeyChecking: yes by default, ask as yes (with a warning), accept-new, no/off only when set', () => {
    const r = (v: string) => cfg(`Host x\n  StrictHostKeyChecking ${v}\n`).resolve('x');
    expect(r('accept-new').strictHostKeyChecking).toBe('accept-new');
    expect(r('no').strictHostKeyChecking).toBe('no');
    expect(r('off').strictHostKeyChecking).toBe('no');
    expect(r('yes').strictHostKeyChecking).toBe('yes');
    const ask = r('ask');
    expect(ask.strictHostKeyChecking).toBe('yes');
    expect(ask.warnings[0]).toMatch(/\/cfg\/fleet_config:2: StrictHostKeyChecking ask is treated as yes/);
    const e = configError(() => r('maybe'));
    expect(e.format()).toBe('/cfg/fleet_config:2: invalid StrictHostKeyChecking value "maybe"');
  });

  it('reports bad values with file and line', () => {
    expect(configError(() => cfg('Host x\n  Port http\n').resolve('x')).format()).toBe('/cfg/fleet_config:2: invalid Port port "http"');
    expect(configError(() => cfg('\n\nHost x\n  ConnectTimeout soon\n').resolve('x')).format()).toBe(
      '/cfg/fleet_config:4: invalid ConnectTimeout value "soon" (expected seconds)',
    );
    expect(configError(() => cfg('Host x\n  IdentityFile ~/.ssh/%z\n').resolve('x')).format()).toMatch(/^\/cfg\/fleet_config:2: IdentityFile: unknown or unavailable token %z/);
    expect(configError(() => cfg('Host x\n  IdentityFile ${NOPE}/k\n').resolve('x')).format()).toMatch(/^\/cfg\/fleet_config:2: environment variable \$\{NOPE\} is not set/);
    // Only the host being resolved is checked.
    expect(cfg('Host x\n  Port http\n').resolve('y').port).toBe(22);
  });

  it('reports Match blocks as unsupported, naming file:line (warning by default, error on request)', () => {
    const c = cfg(['Host a', '  User one', '', '# comment', 'Match host *.example.com exec "true"', '  User matched', 'Host *', '  Port 2022'].join('\n'));
    const h = c.resolve('a');
    expect(h.user).toBe('one');
    expect(h.port).toBe(2022);
    expect(h.warnings).toEqual(['/cfg/fleet_config:5: "Match host *.example.com exec true" is not supported by konf; the block is ignored']);
    const e = configError(() => c.resolve('a', { matchBlocks: 'error' }));
    expect(e.file).toBe('/cfg/fleet_config');
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/Match .* is not supported/);
  });

  it('refuses ProxyCommand (except none) and lets the first of ProxyJump/ProxyCommand win', () => {
    expect(configError(() => cfg('Host x\n  ProxyCommand nc %h %p\n').resolve('x')).format()).toBe('/cfg/fleet_config:2: ProxyCommand is not supported by konf; use ProxyJump');
    expect(cfg('Host x\n  ProxyCommand none\n  ProxyJump bastion\n').resolve('x').proxyJump).toEqual([]);
    expect(cfg('Host x\n  ProxyJump bastion\nHost *\n  ProxyCommand nc %h %p\n').resolve('x').proxyJump).toEqual([{ host: 'bastion' }]);
  });

  it('follows Include (relative to the top file folder, glob in the file name, inside Host blocks)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'konf-sshcfg-'));
    try {
      await mkdir(path.join(dir, 'conf.d'));
      await writeFile(path.join(dir, 'conf.d', '10-web.conf'), 'Host web1\n  Port 2201\n');
      await writeFile(path.join(dir, 'conf.d', '20-all.conf'), 'User included\n');
      await writeFile(path.join(dir, 'conf.d', 'ignored.txt'), 'User nope\n');
      await writeFile(path.join(dir, 'only-db.conf'), 'Port 5432\n');
      await writeFile(path.join(dir, 'ssh_config'), 'Include conf.d/*.conf\nHost db\n  Include only-db.conf\nHost *\n  Port 22\n');
      const c = SshConfig.fromFiles([path.join(dir, 'ssh_config'), path.join(dir, 'missing_config')], env);
      expect(c.resolve('web1')).toMatchObject({ port: 2201, user: 'included' });
      expect(c.resolve('db')).toMatchObject({ port: 5432, user: 'included' });
      expect(c.resolve('other')).toMatchObject({ port: 22, user: 'included' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists the default config files with the fleet file first', () => {
    expect(defaultConfigFiles('/repo/etc/ssh_config', env)).toEqual(['/repo/etc/ssh_config', '/home/ada/.ssh/config', '/etc/ssh/ssh_config']);
  });
});

describe('ProxyJump', () => {
  it('parses hops: user@host:port, [v6]:port, ssh:// URIs, none', () => {
    expect(parseProxyJump('bastion')).toEqual([{ host: 'bastion' }]);
    expect(parseProxyJump('ops@gw.example.com:2222, inner ,ssh://root@[fe80::1]:22,[::1]')).toEqual([
      { host: 'gw.example.com', user: 'ops', port: 2222 },
      { host: 'inner' },
      { host: 'fe80::1', user: 'root', port: 22 },
      { host: '::1' },
    ]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(() => parseProxyJump('a,,b')).toThrow(ConfigError);
    expect(() => parseProxyJump('host:notaport')).toThrow(/invalid ProxyJump port/);
  });

  it('builds the hop chain as OpenSSH does (last hop reached through the earlier ones)', () => {
    const c = cfg(
      [
        'Host target',
        '  HostName 10.0.0.5',
        '  ProxyJump j1,admin@j2:2202',
        'Host j2',
        '  User j2user',
        '  ProxyJump ignored-because-overridden',
        'Host single',
        '  ProxyJump j2',
        'Host inner',
        '  ProxyJump outer',
        'Host loop1',
        '  ProxyJump loop2',
        'Host loop2',
        '  ProxyJump loop1',
      ].join('\n'),
    );
    const chain = c.resolveChain('target');
    expect(chain.map((h) => [h.alias, h.user, h.port])).toEqual([
      ['j1', 'ada', 22],
      ['j2', 'admin', 2202],
      ['target', 'ada', 22],
    ]);
    expect(chain[2]?.hostName).toBe('10.0.0.5');
    // A single hop keeps its own ProxyJump from the config.
    expect(c.resolveChain('single').map((h) => h.alias)).toEqual(['ignored-because-overridden', 'j2', 'single']);
    expect(c.resolveChain('inner').map((h) => h.alias)).toEqual(['outer', 'inner']);
    expect(() => c.resolveChain('loop1')).toThrow(/longer than 8 hops/);
  });
});
