import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { describeLock } from '../../../src/core/remote/remoteHost.js';
import { remoteFor } from '../../helpers/channel.js';

describe('host locks over real sshd', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['l1', 'l2'] });
  });
  afterAll(async () => {
    await fleet?.stop();
  });
  const alice = { operator: 'alice', jumpHost: 'jump1', pid: 4242, operation: 'deploy', opId: 'op-alice' };
  const bob = { operator: 'bob', jumpHost: 'jump2', pid: 777, operation: 'rollback', opId: 'op-bob' };

  it('one holder at a time: the second gets "locked by … since …"; release only by the holder', async () => {
    const a = remoteFor(fleet, 'l1');
    const b = remoteFor(fleet, 'l1');
    expect(await a.readLock()).toBeUndefined();
    const { lock, broken } = await a.acquireLock(alice);
    expect(broken).toBeUndefined();
    const file = path.join(fleet.host('l1').root, 'var/lib/konf/lock');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(lock);

    const err = await b.acquireLock(bob).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'locked' });
    expect((err as Error).message).toBe(`locked by alice@jump1 (pid 4242, deploy) since ${lock.since}`);
    expect(await b.readLock()).toEqual(lock);
    // a second attempt of the holder itself is refused too: locks are not re-entrant
    await expect(a.acquireLock(alice)).rejects.toMatchObject({ kind: 'locked' });

    expect(await b.releaseLock('op-bob')).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(await a.releaseLock('op-alice')).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(await a.releaseLock('op-alice')).toBe(false);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('breakLock removes a stale lock explicitly and says whose it was', async () => {
    const r = remoteFor(fleet, 'l1');
    const first = await r.acquireLock(alice);
    const taken = await r.acquireLock(bob, { breakLock: true });
    expect(taken.broken).toEqual(first.lock);
    expect(describeLock(taken.broken!)).toMatch(/^alice@jump1 \(pid 4242, deploy\) since /);
    expect((await r.readLock())?.operator).toBe('bob');
    expect(await r.releaseLock('op-alice')).toBe(false);
    expect(await r.releaseLock('op-bob')).toBe(true);
    // breaking when nothing is held just takes the lock
    expect((await r.acquireLock(alice, { breakLock: true })).broken).toBeUndefined();
    expect(await r.releaseLock('op-alice')).toBe(true);
  });

  it('exactly one of many concurrent acquirers wins', async () => {
    const tries = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => remoteFor(fleet, 'l2').acquireLock({ ...alice, operator: `op${i}`, opId: `id-${i}` })),
    );
    const won = tries.filter((t) => t.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const t of tries) if (t.status === 'rejected') expect(String(t.reason)).toMatch(/locked by op\d@jump1/);
    const holder = await remoteFor(fleet, 'l2').readLock();
    expect(await remoteFor(fleet, 'l2').releaseLock(holder!.opId)).toBe(true);
  });

  it('a damaged lock file still blocks and still shows', async () => {
    const dir = path.join(fleet.host('l2').root, 'var/lib/konf');
    mkdirSync(dir, { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'lock'), 'garbage');
    await expect(remoteFor(fleet, 'l2').acquireLock(alice)).rejects.toThrow(/locked by \?@\? \(pid 0, \?\) since \?/);
    expect((await remoteFor(fleet, 'l2').readLock())?.operator).toBe('?');
    rmSync(path.join(dir, 'lock'));
  });

  it('refuses a lock folder that leads outside the root', async () => {
    const root = fleet.host('l2').root;
    rmSync(path.join(root, 'var'), { recursive: true, force: true });
    const outside = path.join(fleet.dir, 'outside-var');
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, path.join(root, 'var'));
    await expect(remoteFor(fleet, 'l2').acquireLock(alice)).rejects.toMatchObject({ kind: 'root-escape' });
    expect(readdirSync(outside)).toEqual([]);
    rmSync(path.join(root, 'var'));
  });
});
