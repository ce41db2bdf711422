/**
 * The host side of etc/validate and confirm-or-revert over real sshd: file checks on the
 * staged temps before any rename, set checks after the swap (a failure swaps everything
 * back from the journal), staging for `konf diff --validate`, and a revert armed before
 * the first rename that the host runs on its own unless it is disarmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, isRunning, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { CheckFailedError, type Armed } from '../../../src/core/remote/remoteHost.js';
import type { CheckResult, RemoteChecks } from '../../../src/core/remote/checks.js';
import { parseJournal } from '../../../src/core/remote/journal.js';
import type { WriteOp } from '../../../src/core/remote/types.js';
import { remoteFor } from '../../helpers/channel.js';
import { filesOf, readTree } from '../../helpers/tree.js';
import { waitForFile } from '../../helpers/wait.js';

const header = { kind: 'deploy', snapshot: 'abc123', operator: 'alice', jumpHost: 'jump1', since: '2026-01-02T03:04:05.000Z' };
const lockReq = (opId: string) => ({ operator: 'alice', jumpHost: 'jump1', pid: 4242, operation: 'deploy', opId });

function leftovers(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.name.startsWith('.konf-tmp-')) out.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** Checks that look at content with tools every host has: `ok` lines pass, anything else fails naming the line. */
const GOOD_FILE = 'if grep -vn "^ok" %s; then echo "syntax error in $KONF_FILE" >&2; exit 1; fi; echo "$KONF_FILE fine (greeting=$greeting)"';
const checks = (over: Partial<RemoteChecks> = {}): RemoteChecks => ({ env: { greeting: 'hi', KONF_ROOT: '/' }, files: [], sets: [], timeoutSec: 30, ...over });

describe('etc/validate and confirm-or-revert on the host', () => {
  let fleet: TestFleet;
  let tmp: string;
  let root: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-checks-'));
    fleet = await startTestFleet({ hosts: ['v1'] });
    root = fleet.host('v1').root;
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  const at = (p: string) => path.join(root, p);
  const journalFile = () => at('var/lib/konf/journal');
  const seed = (dir: string) => {
    rmSync(at(dir), { recursive: true, force: true });
    mkdirSync(at(dir), { recursive: true });
    writeFileSync(at(`${dir}/a.conf`), 'ok old a\n');
    writeFileSync(at(`${dir}/b.conf`), 'ok old b\n');
  };
  const ops = (dir: string, a: string, b = 'ok new b\n'): WriteOp[] => [
    { action: 'file', path: `/${dir}/a.conf`, content: Buffer.from(a) },
    { action: 'file', path: `/${dir}/b.conf`, content: Buffer.from(b) },
    { action: 'file', path: `/${dir}/sub/c.conf`, content: Buffer.from('ok c\n') },
  ];

  it('file checks run on the staged temps with the switches and KONF_FILE; passing checks let the write go on', async () => {
    seed('f1');
    const r = remoteFor(fleet, 'v1');
    await r.acquireLock(lockReq('op-f1'));
    const seen: CheckResult[] = [];
    await r.write(ops('f1', 'ok new a\n'), {
      opId: 'op-f1',
      journal: header,
      checks: checks({ files: [0, 1].map((op) => ({ id: 7, op, path: `/f1/${op === 0 ? 'a' : 'b'}.conf`, command: GOOD_FILE })) }),
      onCheck: (c) => seen.push(c),
    });
    expect(seen).toEqual([
      { id: 7, op: 0, ok: true, code: 0, output: ['/f1/a.conf fine (greeting=hi)'] },
      { id: 7, op: 1, ok: true, code: 0, output: ['/f1/b.conf fine (greeting=hi)'] },
    ]);
    expect(readFileSync(at('f1/a.conf'), 'utf8')).toBe('ok new a\n');
    expect(await r.releaseLock('op-f1', { closeJournal: 'op-f1' })).toBe(true);
    expect(leftovers(at('f1'))).toEqual([]);
  });

  it('a failing file check: its own output, nothing renamed, no temp, folder or journal left', async () => {
    seed('f2');
    const before = filesOf(await readTree(at('f2')));
    const r = remoteFor(fleet, 'v1');
    await r.acquireLock(lockReq('op-f2'));
    const err = await r
      .write(ops('f2', 'ok line\nbroken line\n'), { opId: 'op-f2', journal: header, checks: checks({ files: [{ id: 3, op: 0, path: '/f2/a.conf', command: GOOD_FILE }, { id: 3, op: 1, path: '/f2/b.conf', command: GOOD_FILE }] }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    const e = err as CheckFailedError;
    expect(e.stage).toBe('file');
    expect(e.nothingChanged).toBe(true);
    expect(e.kind).toBe('check-failed');
    // Every check ran (the reviewer sees every problem), the failing one with its own words.
    expect(e.results.map((c) => [c.op, c.ok, c.code])).toEqual([
      [0, false, 1],
      [1, true, 0],
    ]);
    expect(e.results[0]?.output).toEqual(['2:broken line', 'syntax error in /f2/a.conf']);
    expect(filesOf(await readTree(at('f2')))).toEqual(before);
    expect(existsSync(at('f2/sub'))).toBe(false);
    expect(leftovers(at('f2'))).toEqual([]);
    expect(existsSync(journalFile())).toBe(false);
    expect(await r.releaseLock('op-f2')).toBe(true);
  });

  it('a check that cannot run (unknown command) or runs too long fails with its status', async () => {
    seed('f3');
    const r = remoteFor(fleet, 'v1');
    const results = await r.stageAndCheck(ops('f3', 'ok\n'), checks({ timeoutSec: 1, files: [{ id: 1, op: 0, path: '/f3/a.conf', command: 'no-such-validator %s' }, { id: 2, op: 1, path: '/f3/b.conf', command: 'sleep 30; true %s' }] }));
    expect(results.map((c) => [c.id, c.ok, c.code])).toEqual([
      [1, false, 127],
      [2, false, 124],
    ]);
    expect(results[0]?.output.join('\n')).toMatch(/no-such-validator: not found/);
  });

  it('staging for konf diff --validate renames nothing and leaves nothing, even folders it had to create', async () => {
    seed('f4');
    const before = filesOf(await readTree(at('f4')));
    const r = remoteFor(fleet, 'v1');
    const results = await r.stageAndCheck(ops('f4', 'bad\n'), checks({ files: [0, 1, 2].map((op) => ({ id: op, op, path: `/f4/x${op}`, command: GOOD_FILE })) }));
    expect(results.map((c) => c.ok)).toEqual([false, true, true]);
    expect(results[0]?.output).toContain('1:bad');
    expect(filesOf(await readTree(at('f4')))).toEqual(before);
    expect(existsSync(at('f4/sub'))).toBe(false);
    expect(leftovers(at('f4'))).toEqual([]);
  });

  it('a failing set check after the swap puts every file back from the journal at once', async () => {
    seed('s1');
    const before = filesOf(await readTree(at('s1')));
    const r = remoteFor(fleet, 'v1');
    await r.acquireLock(lockReq('op-s1'));
    // The set check sees the whole new set in place (b.conf is new when it runs).
    const setCheck = `grep -q "new b" "$KONF_ROOT/s1/b.conf" && echo "b is new" && grep -q "^ok" "$KONF_ROOT/s1/a.conf" || { echo "a.conf: emerg: unknown directive" >&2; exit 2; }`;
    const err = await r
      .write(ops('s1', 'nope\n'), { opId: 'op-s1', journal: header, checks: checks({ env: { KONF_ROOT: root }, sets: [{ id: 9, command: setCheck }] }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailedError);
    const e = err as CheckFailedError;
    expect(e.stage).toBe('set');
    expect(e.hostRestored).toBe(true);
    expect(e.results).toEqual([{ id: 9, op: -1, ok: false, code: 2, output: ['b is new', 'a.conf: emerg: unknown directive'] }]);
    expect(filesOf(await readTree(at('s1')))).toEqual(before);
    expect(parseJournal('v1', readFileSync(journalFile(), 'utf8'), root).state).toBe('restored');
    expect(await r.releaseLock('op-s1', { closeJournal: 'op-s1' })).toBe(true);
    expect(leftovers(at('s1'))).toEqual([]);
    expect(existsSync(at('s1/sub'))).toBe(false);
  });

  describe('confirm-or-revert', () => {
    const revertDir = (op: string) => at(`var/lib/konf/revert-${op}`);
    const revertPid = (op: string) => Number(readFileSync(path.join(revertDir(op), 'pid'), 'utf8').split(' ')[0]);
    const hook = (marker: string) => ({ name: '10-mark', content: Buffer.from(`#!/bin/sh\necho "post-rollback on $KONF_HOST: $KONF_CHANGED" > "${marker}"\necho hook ran\n`) });

    it('confirmed over a connection: disarmed, journal closed, lock released, the revert program gone, nothing reverted', async () => {
      seed('r1');
      const r = remoteFor(fleet, 'v1');
      await r.acquireLock(lockReq('op-r1'));
      let armed: Armed | undefined;
      await r.write(ops('r1', 'ok new a\n'), { opId: 'op-r1', journal: header, arm: { seconds: 30, hooks: [hook(path.join(tmp, 'r1-hook'))], env: { KONF_HOST: 'v1' } }, onArmed: (a) => (armed = a) });
      expect(armed?.seconds).toBe(30);
      expect(armed?.how).toBe('process');
      const pid = revertPid('op-r1');
      expect(isRunning(pid)).toBe(true);
      expect(readdirSync(revertDir('op-r1')).sort()).toEqual(['armed', 'deadline', 'env', 'hooks', 'log', 'pid', 'revert.sh']);
      const c = await remoteFor(fleet, 'v1').confirmAndRelease('op-r1');
      expect(c).toEqual({ decision: 'disarmed', released: true });
      expect(existsSync(revertDir('op-r1'))).toBe(false);
      expect(existsSync(journalFile())).toBe(false);
      expect(existsSync(at('var/lib/konf/lock'))).toBe(false);
      // The revert program sees it was disarmed within its one-second step and ends.
      const deadline = Date.now() + 10_000;
      while (isRunning(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(isRunning(pid)).toBe(false);
      expect(readFileSync(at('r1/a.conf'), 'utf8')).toBe('ok new a\n');
      expect(existsSync(path.join(tmp, 'r1-hook'))).toBe(false);
      expect(leftovers(at('r1'))).toEqual([]);
    });

    it('not confirmed: at the deadline the host puts every file back and runs the post-rollback hooks by itself', async () => {
      seed('r2');
      const before = filesOf(await readTree(at('r2')));
      const marker = path.join(tmp, 'r2-hook');
      const r = remoteFor(fleet, 'v1');
      await r.acquireLock(lockReq('op-r2'));
      await r.write(ops('r2', 'ok new a\n'), { opId: 'op-r2', journal: header, arm: { seconds: 2, hooks: [hook(marker)], env: { KONF_HOST: 'v1', KONF_CHANGED: '/r2/a.conf' } } });
      expect(readFileSync(at('r2/a.conf'), 'utf8')).toBe('ok new a\n');
      // No connection, no konf: the host alone.
      expect(await waitForFile(path.join(revertDir('op-r2'), 'status'))).toBe('reverted\n');
      expect(filesOf(await readTree(at('r2')))).toEqual(before);
      expect(readFileSync(marker, 'utf8')).toBe('post-rollback on v1: /r2/a.conf\n');
      // Too late to confirm: the host took the decision.
      expect(await remoteFor(fleet, 'v1').confirmAndRelease('op-r2')).toEqual({ decision: 'reverted', released: false });
      // konf's own recovery finds it done, reads its log and puts nothing back twice.
      const rec = await remoteFor(fleet, 'v1').recoverJournal({ expectOp: 'op-r2' });
      expect(rec.complete).toBe(true);
      expect(rec.restored).toEqual([]);
      expect(rec.revert?.decision).toBe('reverted');
      expect(rec.revert?.log.join('\n')).toMatch(/deadline passed: putting the host back[\s\S]*post-rollback hook 00-10-mark exited with status 0[\s\S]*reverted/);
      expect(await r.releaseLock('op-r2', { closeJournal: 'op-r2' })).toBe(true);
      expect(existsSync(revertDir('op-r2'))).toBe(false);
      expect(leftovers(at('r2'))).toEqual([]);
    });

    it("konf's own recovery before the deadline disarms the revert: it never runs", async () => {
      seed('r3');
      const before = filesOf(await readTree(at('r3')));
      const marker = path.join(tmp, 'r3-hook');
      const r = remoteFor(fleet, 'v1');
      await r.acquireLock(lockReq('op-r3'));
      await r.write(ops('r3', 'ok new a\n'), { opId: 'op-r3', journal: header, arm: { seconds: 30, hooks: [hook(marker)], env: {} } });
      const pid = revertPid('op-r3');
      const rec = await remoteFor(fleet, 'v1').recoverJournal({ expectOp: 'op-r3' });
      expect(rec.complete).toBe(true);
      expect(rec.revert?.decision).toBe('disarmed');
      expect(filesOf(await readTree(at('r3')))).toEqual(before);
      const deadline = Date.now() + 10_000;
      while (isRunning(pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(isRunning(pid)).toBe(false);
      expect(readFileSync(path.join(revertDir('op-r3'), 'log'), 'utf8')).toMatch(/disarmed/);
      expect(existsSync(path.join(revertDir('op-r3'), 'status'))).toBe(false);
      expect(existsSync(marker)).toBe(false);
      expect(await r.releaseLock('op-r3', { closeJournal: 'op-r3' })).toBe(true);
      expect(leftovers(at('r3'))).toEqual([]);
    });

    it('a write that fails after arming disarms its revert as it puts the files back', async () => {
      seed('r4');
      const before = filesOf(await readTree(at('r4')));
      const r = remoteFor(fleet, 'v1');
      await r.acquireLock(lockReq('op-r4'));
      const err = await r
        .write(ops('r4', 'nope\n'), { opId: 'op-r4', journal: header, checks: checks({ sets: [{ id: 1, command: 'exit 1' }] }), arm: { seconds: 30, hooks: [], env: {} } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckFailedError);
      expect(filesOf(await readTree(at('r4')))).toEqual(before);
      expect(existsSync(path.join(revertDir('op-r4'), 'disarmed'))).toBe(true);
      expect(existsSync(path.join(revertDir('op-r4'), 'armed'))).toBe(false);
      expect(await r.releaseLock('op-r4', { closeJournal: 'op-r4' })).toBe(true);
      expect(existsSync(revertDir('op-r4'))).toBe(false);
    });
  });
});
