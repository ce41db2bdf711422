import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { remoteFor } from '../../helpers/channel.js';
import { ensureSudoUser, SUDO_TEST_USER as SUDO_USER } from '../../helpers/sudoUser.js';
import { ensurePasswordSudoUser, PASSWORD_SUDO_USER as PASSWORD_USER } from '../../helpers/passwordSudoUser.js';

const sudoUser = await ensureSudoUser();
const passwordUser = sudoUser.ok ? await ensurePasswordSudoUser() : sudoUser;
const users = sudoUser.ok && passwordUser.ok ? { ok: true as const } : { ok: false as const, reason: sudoUser.ok ? (passwordUser.ok ? '' : passwordUser.skip) : sudoUser.skip };
const skipReason = users.ok ? '' : ` (skipped: ${users.reason})`;
if (!users.ok) console.log(`sudo tests skipped: ${users.reason}`);

describe.skipIf(!users.ok)(`an unprivileged SSH user, with and without become=sudo${skipReason}`, () => {
  let fleet: TestFleet;
  let root: string;
  beforeAll(async () => {
    // A noisy login shell too: sudo's output framing must survive it.
    fleet = await startTestFleet({ hosts: ['s1'], user: SUDO_USER, shellNoise: 'motd: authorised use only' });
    root = fleet.host('s1').root;
    mkdirSync(path.join(root, 'etc/private'), { recursive: true });
    writeFileSync(path.join(root, 'etc/shadow.conf'), 'root-only secret\n', { mode: 0o600 });
    chmodSync(path.join(root, 'etc/shadow.conf'), 0o600);
    writeFileSync(path.join(root, 'etc/private/inner.conf'), 'inner\n');
    chmodSync(path.join(root, 'etc/private'), 0o700);
    writeFileSync(path.join(root, 'etc/public.conf'), 'public\n');
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('without become: root-only files are reported unreadable per file; writing is refused cleanly', async () => {
    const remote = remoteFor(fleet, 's1');
    const entries = await remote.readState(['/etc/shadow.conf', '/etc/private/inner.conf', '/etc/public.conf', '/etc/nope']);
    expect(entries[0]).toMatchObject({ state: 'unreadable', error: expect.stringMatching(/Permission denied/) });
    expect(entries[1]).toMatchObject({ state: 'unreadable', error: expect.stringMatching(/Permission denied/) });
    expect(entries[2]).toMatchObject({ state: 'file', content: Buffer.from('public\n'), owner: 'root' });
    expect(entries[3]?.state).toBe('missing');
    const run = await remote.run('#!/bin/sh\nid -un\n');
    expect(run.stdout).toBe(`${SUDO_USER}\n`);
    await expect(remote.write([{ action: 'file', path: '/etc/new.conf', content: Buffer.from('x') }])).rejects.toThrow(/cannot write \/etc\/new\.conf \(writing the temp file\).*Permission denied.*nothing was changed/);
    expect(existsSync(path.join(root, 'etc/new.conf'))).toBe(false);
  });

  it("tar's errors and konf's own status lines never mix: 400 root-only files among 400 missing paths, each classified right", async () => {
    // The read script lists paths for tar while tar already reports the ones it cannot open,
    // both on stderr; a status line written between the pieces of one of tar's messages
    // would turn a missing path into 'could not be read' and lose a 'Permission denied'; and
    // every one of tar's 400 messages counts, not only the last 200 lines of stderr.
    mkdirSync(path.join(root, 'etc/mixed'), { recursive: true });
    const paths: string[] = [];
    for (let i = 0; i < 400; i++) {
      writeFileSync(path.join(root, `etc/mixed/locked-${i}.conf`), 'root only\n', { mode: 0o600 });
      paths.push(`/etc/mixed/locked-${i}.conf`, `/etc/mixed/absent-${i}.conf`);
    }
    const entries = await remoteFor(fleet, 's1').readState(paths);
    const wrong = entries.filter((e, i) => (i % 2 === 0 ? !(e.state === 'unreadable' && /Permission denied/.test(e.error)) : e.state !== 'missing'));
    expect(wrong).toEqual([]);
  });

  it('with become=sudo: reads a root-only 0600 file, writes root-owned files, runs hooks as root, takes the lock', async () => {
    const remote = remoteFor(fleet, 's1', { become: 'sudo' });
    const entries = await remote.readState(['/etc/shadow.conf', '/etc/private/inner.conf']);
    expect(entries[0]).toMatchObject({ state: 'file', content: Buffer.from('root-only secret\n'), mode: 0o600, owner: 'root', uid: 0 });
    expect(entries[1]).toMatchObject({ state: 'file', content: Buffer.from('inner\n') });

    await remote.write([
      { action: 'file', path: '/etc/shadow.conf', content: Buffer.from('rotated secret\n') },
      { action: 'file', path: '/etc/private/daemon.conf', content: Buffer.from('d\n'), owner: 'daemon', group: 'daemon', mode: 0o640 },
      { action: 'file', path: '/etc/sudo-made/new.conf', content: Buffer.from('n\n') },
    ]);
    const shadow = statSync(path.join(root, 'etc/shadow.conf'));
    expect([shadow.uid, shadow.gid, shadow.mode & 0o7777]).toEqual([0, 0, 0o600]);
    expect(readFileSync(path.join(root, 'etc/shadow.conf'), 'utf8')).toBe('rotated secret\n');
    const d = statSync(path.join(root, 'etc/private/daemon.conf'));
    expect([d.uid, d.gid, d.mode & 0o7777]).toEqual([1, 1, 0o640]);
    expect(statSync(path.join(root, 'etc/sudo-made/new.conf')).uid).toBe(0);
    expect(readdirSync(path.join(root, 'etc/private')).filter((n) => n.startsWith('.konf-tmp-'))).toEqual([]);

    const lines: string[] = [];
    const run = await remote.run('#!/bin/sh\nid -u\necho "$SECRET_SWITCH"\n', { env: { SECRET_SWITCH: 'value with spaces' }, onLine: (l) => lines.push(l.line) });
    expect(run).toMatchObject({ code: 0, stdout: '0\nvalue with spaces\n' });
    expect(lines).toEqual(['0', 'value with spaces']);

    await remote.acquireLock({ operator: 'carol', jumpHost: 'jump', pid: 1, operation: 'deploy', opId: 'sudo-op' });
    expect(statSync(path.join(root, 'var/lib/konf/lock')).uid).toBe(0);
    expect((await remote.readLock())?.operator).toBe('carol');
    expect(await remote.releaseLock('sudo-op')).toBe(true);
  });
});

describe.skipIf(!users.ok)(`become=sudo for a user whose sudo needs a password${skipReason}`, () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['p1'], user: PASSWORD_USER });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('fails with a clear sudo-failed error and does nothing', async () => {
    const remote = remoteFor(fleet, 'p1', { become: 'sudo' });
    const err = await remote.readState(['/etc/x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'sudo-failed', host: 'p1' });
    expect((err as Error).message).toMatch(/sudo -n failed \(a password is required\): konf_become=sudo needs passwordless sudo/);
    await expect(remote.write([{ action: 'file', path: '/etc/x', content: Buffer.from('x') }])).rejects.toMatchObject({ kind: 'sudo-failed' });
    await expect(remote.run('true')).rejects.toMatchObject({ kind: 'sudo-failed' });
    await expect(remote.acquireLock({ operator: 'x', jumpHost: 'y', pid: 1, operation: 'deploy', opId: 'z' })).rejects.toMatchObject({ kind: 'sudo-failed' });
    expect(existsSync(path.join(fleet.host('p1').root, 'etc'))).toBe(false);
    // without become the same user works
    expect((await remoteFor(fleet, 'p1').run('id -un')).stdout).toBe(`${PASSWORD_USER}\n`);
  });
});
