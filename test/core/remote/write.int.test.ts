import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { opensshChannel } from '../../../src/testfleet/opensshExec.js';
import { RemoteHost, WriteError } from '../../../src/core/remote/remoteHost.js';
import { HostError } from '../../../src/core/errors.js';
import type { WrittenFile } from '../../../src/core/remote/types.js';
import { remoteFor } from '../../helpers/channel.js';

const isRoot = process.getuid?.() === 0;

function temps(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('.konf-tmp-')) : [];
}

/** All descendant pids of pid (from /proc). */
function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of kids.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until a konf temp file in dir holds some but not all of `size` bytes. */
function partialTemp(dir: string, size: number): Promise<string> {
  return waitFor('a partial temp file', () => {
    for (const n of temps(dir)) {
      try {
        const s = statSync(path.join(dir, n)).size;
        if (s > 0 && s < size) return n;
      } catch {
        // raced with removal
      }
    }
    return undefined;
  });
}

describe('RemoteHost.write over real sshd', () => {
  let fleet: TestFleet;
  let root: string;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['w1'] });
    root = fleet.host('w1').root;
  });
  afterAll(async () => {
    await fleet?.stop();
  });
  const at = (p: string) => path.join(root, p);

  it('writes new files in new folders, replaces, keeps live mode, writes symlinks, removes', async () => {
    mkdirSync(at('etc/app'), { recursive: true });
    writeFileSync(at('etc/app/keep-mode.conf'), 'old\n');
    chmodSync(at('etc/app/keep-mode.conf'), 0o600);
    writeFileSync(at('etc/app/to-link'), 'a file that becomes a link\n');
    writeFileSync(at('etc/app/gone'), 'to be removed\n');
    const bin = randomBytes(300_000);
    const seen: WrittenFile[] = [];
    const remote = remoteFor(fleet, 'w1');
    const result = await remote.write(
      [
        { action: 'file', path: '/etc/new/deep/dir/app.conf', content: Buffer.from('new file\n') },
        { action: 'file', path: '/etc/app/keep-mode.conf', content: Buffer.from('new content\n') },
        { action: 'file', path: '/etc/app/declared.conf', content: Buffer.from('x\n'), mode: 0o640 },
        { action: 'file', path: '/usr/local/bin/suid', content: Buffer.from('#!/bin/sh\n'), mode: 0o4755 },
        { action: 'file', path: '/etc/app/blob.bin', content: bin },
        { action: 'file', path: '/etc/app/empty', content: Buffer.alloc(0) },
        { action: 'symlink', path: '/etc/app/to-link', target: 'keep-mode.conf' },
        { action: 'symlink', path: '/etc/app/new-link', target: '/etc/app/declared.conf' },
        { action: 'remove', path: '/etc/app/gone' },
        { action: 'remove', path: '/etc/app/never-existed' },
      ],
      { onFile: (f) => seen.push(f) },
    );
    expect(result.files.map((f) => f.path)).toEqual(seen.map((f) => f.path));
    expect(seen).toHaveLength(10);
    expect(result.createdDirs).toEqual(['/etc/new', '/etc/new/deep', '/etc/new/deep/dir', '/usr', '/usr/local', '/usr/local/bin']);
    expect(readFileSync(at('etc/new/deep/dir/app.conf'), 'utf8')).toBe('new file\n');
    expect(statSync(at('etc/new/deep/dir/app.conf')).mode & 0o7777).toBe(0o644);
    expect(statSync(at('etc/new/deep')).mode & 0o7777).toBe(0o755);
    expect(readFileSync(at('etc/app/keep-mode.conf'), 'utf8')).toBe('new content\n');
    expect(statSync(at('etc/app/keep-mode.conf')).mode & 0o7777).toBe(0o600);
    expect(statSync(at('etc/app/declared.conf')).mode & 0o7777).toBe(0o640);
    expect(statSync(at('usr/local/bin/suid')).mode & 0o7777).toBe(0o4755);
    expect(readFileSync(at('etc/app/blob.bin')).equals(bin)).toBe(true);
    expect(readFileSync(at('etc/app/empty')).length).toBe(0);
    expect(readlinkSync(at('etc/app/to-link'))).toBe('keep-mode.conf');
    expect(readlinkSync(at('etc/app/new-link'))).toBe('/etc/app/declared.conf');
    expect(existsSync(at('etc/app/gone'))).toBe(false);
    expect(temps(at('etc/app'))).toEqual([]);

    // read back through konf: what was written is what is read
    const live = await remote.readState(['/etc/app/blob.bin', '/etc/app/to-link']);
    expect(live[0]).toMatchObject({ state: 'file', size: bin.length });
    expect(live[1]).toMatchObject({ state: 'symlink', target: 'keep-mode.conf' });
  });

  it('applies declared owner and group, and keeps the live owner when none is declared', async () => {
    if (!isRoot) {
      console.log('skip: chown to another user needs root (run the suite as root, as CI does)');
      return;
    }
    mkdirSync(at('srv'), { recursive: true });
    writeFileSync(at('srv/daemon.conf'), 'old\n');
    chownSync(at('srv/daemon.conf'), 1, 1);
    chmodSync(at('srv/daemon.conf'), 0o2750);
    writeFileSync(at('srv/group-only'), 'old\n');
    chownSync(at('srv/group-only'), 1, 1);
    await remoteFor(fleet, 'w1').write([
      { action: 'file', path: '/srv/nobody.conf', content: Buffer.from('a\n'), owner: 'nobody', group: 'nogroup', mode: 0o600 },
      { action: 'file', path: '/srv/daemon.conf', content: Buffer.from('b\n') },
      { action: 'file', path: '/srv/group-only', content: Buffer.from('c\n'), group: 'root' },
      { action: 'file', path: '/srv/setuid-owned', content: Buffer.from('d\n'), owner: 'daemon', mode: 0o4750 },
      { action: 'symlink', path: '/srv/link', target: 'nobody.conf', owner: 'daemon', group: 'daemon' },
    ]);
    const nob = statSync(at('srv/nobody.conf'));
    expect([nob.uid, nob.mode & 0o7777]).toEqual([65534, 0o600]);
    const dae = statSync(at('srv/daemon.conf'));
    expect([dae.uid, dae.gid, dae.mode & 0o7777]).toEqual([1, 1, 0o2750]);
    const grp = statSync(at('srv/group-only'));
    expect([grp.uid, grp.gid]).toEqual([1, 0]);
    const suid = statSync(at('srv/setuid-owned'));
    expect([suid.uid, suid.mode & 0o7777]).toEqual([1, 0o4750]);
    const link = lstatSync(at('srv/link'));
    expect([link.uid, link.gid]).toEqual([1, 1]);

    await expect(remoteFor(fleet, 'w1').write([{ action: 'file', path: '/srv/x', content: Buffer.from('x'), owner: 'no-such-user-konf' }])).rejects.toThrow(
      /cannot write \/srv\/x \(setting owner\/group\).*invalid user.*nothing was changed/,
    );
    expect(existsSync(at('srv/x'))).toBe(false);
    expect(temps(at('srv'))).toEqual([]);
  });

  it('refuses .. and a symlinked parent leading outside the root; writes nothing outside', async () => {
    const outside = path.join(fleet.dir, 'outside');
    mkdirSync(outside, { recursive: true });
    mkdirSync(at('etc'), { recursive: true });
    symlinkSync(outside, at('etc/evil'));
    symlinkSync(path.join(fleet.dir, 'outside-not-yet'), at('etc/dangling'));
    mkdirSync(at('opt/real'), { recursive: true });
    symlinkSync(at('opt/real'), at('etc/inside-alias'));
    writeFileSync(at('etc/victim.conf'), 'old\n');
    const remote = remoteFor(fleet, 'w1');

    await expect(remote.write([{ action: 'file', path: '../x', content: Buffer.from('x') }])).rejects.toMatchObject({ kind: 'root-escape' });
    await expect(remote.write([{ action: 'file', path: '/etc/../../x', content: Buffer.from('x') }])).rejects.toMatchObject({ kind: 'root-escape' });

    const escaped = remote.write([
      { action: 'file', path: '/etc/victim.conf', content: Buffer.from('new\n') },
      { action: 'file', path: '/etc/evil/pwned.conf', content: Buffer.from('x') },
    ]);
    await expect(escaped).rejects.toMatchObject({ kind: 'root-escape' });
    await expect(escaped).rejects.toThrow(/refusing to write \/etc\/evil\/pwned\.conf.*outside konf_root/);
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(at('etc/victim.conf'), 'utf8')).toBe('old\n');
    expect(temps(at('etc'))).toEqual([]);

    await expect(remote.write([{ action: 'file', path: '/etc/evil/sub/dir/x', content: Buffer.from('x') }])).rejects.toMatchObject({ kind: 'root-escape' });
    await expect(remote.write([{ action: 'file', path: '/etc/dangling/x', content: Buffer.from('x') }])).rejects.toMatchObject({ kind: 'root-escape' });
    await expect(remote.write([{ action: 'remove', path: '/etc/evil/something' }])).rejects.toMatchObject({ kind: 'root-escape' });
    await expect(remote.write([{ action: 'symlink', path: '/etc/evil/l', target: '/x' }])).rejects.toMatchObject({ kind: 'root-escape' });
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(fleet.dir, 'outside-not-yet'))).toBe(false);

    // a symlinked parent that stays inside the root is fine
    await remote.write([{ action: 'file', path: '/etc/inside-alias/ok.conf', content: Buffer.from('ok\n') }]);
    expect(readFileSync(at('opt/real/ok.conf'), 'utf8')).toBe('ok\n');

    // a target that is itself a symlink to outside is replaced, not followed
    writeFileSync(path.join(outside, 'target.conf'), 'outside\n');
    symlinkSync(path.join(outside, 'target.conf'), at('etc/points-out.conf'));
    await remote.write([{ action: 'file', path: '/etc/points-out.conf', content: Buffer.from('inside\n') }]);
    expect(readFileSync(path.join(outside, 'target.conf'), 'utf8')).toBe('outside\n');
    expect(lstatSync(at('etc/points-out.conf')).isFile()).toBe(true);
  });

  it('stops at the first failure, names the file, and changes nothing', async () => {
    mkdirSync(at('var/fail/in-the-way'), { recursive: true });
    writeFileSync(at('var/fail/first.conf'), 'old\n');
    const err = await remoteFor(fleet, 'w1')
      .write([
        { action: 'file', path: '/var/fail/first.conf', content: Buffer.from('new\n') },
        { action: 'file', path: '/var/fail/new/made.conf', content: Buffer.from('new\n') },
        { action: 'file', path: '/var/fail/in-the-way', content: Buffer.from('new\n') },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).message).toMatch(/cannot write \/var\/fail\/in-the-way \(a directory is in the way\); nothing was changed/);
    expect((err as WriteError).applied).toEqual([]);
    expect(readFileSync(at('var/fail/first.conf'), 'utf8')).toBe('old\n');
    expect(existsSync(at('var/fail/new'))).toBe(false);
    expect(temps(at('var/fail'))).toEqual([]);
  });

  it('a connection cut mid-upload (stdin ends early) leaves the old file and no temp', async () => {
    mkdirSync(at('var/cut'), { recursive: true });
    writeFileSync(at('var/cut/big.dat'), 'old content\n');
    const inner = opensshChannel(fleet.sshConfig, 'w1');
    // A channel that delivers only the first half of stdin, then closes it.
    const cutting = {
      host: 'w1',
      exec: (cmd: string, o: Parameters<typeof inner.exec>[1] = {}) => {
        const full = o.stdin as Buffer;
        return inner.exec(cmd, { ...o, stdin: full.subarray(0, Math.floor(full.length / 2)) });
      },
    };
    const remote = new RemoteHost(cutting, { host: 'w1', root, become: '' });
    await expect(remote.write([{ action: 'file', path: '/var/cut/big.dat', content: randomBytes(4_000_000) }])).rejects.toThrow(/upload was cut short.*nothing was changed/);
    expect(readFileSync(at('var/cut/big.dat'), 'utf8')).toBe('old content\n');
    expect(temps(at('var/cut'))).toEqual([]);
  });

  it('killing the ssh client mid-transfer (abort) leaves the old file intact', async () => {
    mkdirSync(at('var/abort'), { recursive: true });
    writeFileSync(at('var/abort/big.dat'), 'old content\n');
    const size = 50 * 1024 * 1024;
    const remote = new RemoteHost(opensshChannel(fleet.sshConfig, 'w1', { stdinBytesPerSecond: 20 * 1024 * 1024 }), { host: 'w1', root, become: '' });
    const ac = new AbortController();
    const writing = remote.write([{ action: 'file', path: '/var/abort/big.dat', content: randomBytes(size) }], { signal: ac.signal });
    writing.catch(() => undefined);
    await partialTemp(at('var/abort'), size);
    ac.abort();
    await expect(writing).rejects.toMatchObject({ kind: 'cancelled' });
    expect(readFileSync(at('var/abort/big.dat'), 'utf8')).toBe('old content\n');
    // the remote script sees the upload end early and removes its own temp
    await waitFor('the temp to be cleaned up', () => (temps(at('var/abort')).length === 0 ? true : undefined), 10_000);
  });

  it('a write killed on the host mid-transfer leaves the old file and a temp that the next write removes', async () => {
    mkdirSync(at('var/crash'), { recursive: true });
    writeFileSync(at('var/crash/big.dat'), 'old content\n');
    const size = 50 * 1024 * 1024;
    const remote = new RemoteHost(opensshChannel(fleet.sshConfig, 'w1', { stdinBytesPerSecond: 20 * 1024 * 1024 }), { host: 'w1', root, become: '' });
    const writing = remote.write([{ action: 'file', path: '/var/crash/big.dat', content: randomBytes(size) }]);
    writing.catch(() => undefined);
    const temp = await partialTemp(at('var/crash'), size);
    // Like the machine dying: SIGKILL every process of the write's session on the host.
    const sshd = fleet.host('w1').pid as number;
    const script = descendants(sshd).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('eval "$(head -c');
      } catch {
        return false;
      }
    });
    expect(script.length).toBeGreaterThan(0);
    const victims = script.flatMap((p) => [p, ...descendants(p)]);
    for (const p of victims) process.kill(p, 'SIGKILL');
    await expect(writing).rejects.toBeInstanceOf(HostError);
    expect(readFileSync(at('var/crash/big.dat'), 'utf8')).toBe('old content\n');
    expect(temps(at('var/crash'))).toEqual([temp]);

    // the next write to that folder removes the leftover
    const res = await remoteFor(fleet, 'w1').write([{ action: 'file', path: '/var/crash/other.conf', content: Buffer.from('x\n') }]);
    expect(res.staleTempsRemoved).toBe(1);
    expect(temps(at('var/crash'))).toEqual([]);
    expect(readFileSync(at('var/crash/big.dat'), 'utf8')).toBe('old content\n');
  });

  it('stopping the sshd mid-transfer leaves the old file intact', async () => {
    mkdirSync(at('var/stop'), { recursive: true });
    writeFileSync(at('var/stop/big.dat'), 'old content\n');
    const size = 50 * 1024 * 1024;
    const remote = new RemoteHost(opensshChannel(fleet.sshConfig, 'w1', { stdinBytesPerSecond: 20 * 1024 * 1024 }), { host: 'w1', root, become: '' });
    const writing = remote.write([{ action: 'file', path: '/var/stop/big.dat', content: randomBytes(size) }]);
    writing.catch(() => undefined);
    await partialTemp(at('var/stop'), size);
    await fleet.stopHost('w1');
    await expect(writing).rejects.toBeInstanceOf(HostError);
    expect(readFileSync(at('var/stop/big.dat'), 'utf8')).toBe('old content\n');
    await fleet.startHost('w1');
    await remoteFor(fleet, 'w1').write([{ action: 'file', path: '/var/stop/small', content: Buffer.from('x') }]);
    expect(temps(at('var/stop'))).toEqual([]);
    expect(readFileSync(at('var/stop/big.dat'), 'utf8')).toBe('old content\n');
  });

  it('with an opId, writes only while this operation holds the host lock', async () => {
    const remote = remoteFor(fleet, 'w1');
    const op = [{ action: 'file' as const, path: '/etc/locked-write.conf', content: Buffer.from('x\n') }];
    await expect(remote.write(op, { opId: 'op-1' })).rejects.toMatchObject({ kind: 'locked' });
    await remote.acquireLock({ operator: 'bob', jumpHost: 'jump9', pid: 7, operation: 'deploy', opId: 'op-2' });
    await expect(remote.write(op, { opId: 'op-1' })).rejects.toThrow(/locked by bob@jump9 \(pid 7, deploy\).*nothing was written/);
    expect(existsSync(at('etc/locked-write.conf'))).toBe(false);
    await remote.write(op, { opId: 'op-2' });
    expect(readFileSync(at('etc/locked-write.conf'), 'utf8')).toBe('x\n');
    expect(await remote.releaseLock('op-2')).toBe(true);
  });
});

describe('RemoteHost.write on a host with a noisy login shell', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['noisy'], shellNoise: 'Last login: yesterday\nHave a lot of fun...' });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('writes and reports correctly', async () => {
    const root = fleet.host('noisy').root;
    const res = await remoteFor(fleet, 'noisy').write([{ action: 'file', path: '/etc/noisy.conf', content: Buffer.from('quiet\n'), mode: 0o640 }]);
    expect(res.files).toEqual([{ path: '/etc/noisy.conf', action: 'file' }]);
    expect(res.createdDirs).toEqual(['/etc']);
    expect(readFileSync(path.join(root, 'etc/noisy.conf'), 'utf8')).toBe('quiet\n');
    expect(statSync(path.join(root, 'etc/noisy.conf')).mode & 0o7777).toBe(0o640);
  });
});
