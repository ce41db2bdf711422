/**
 * The snapshot store's shared remote (storeRemote.ts) with real git: two stores (two jump
 * hosts' state folders) and one bare remote.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SnapshotStore } from '../../../src/core/store/snapshotStore.js';
import { jumpHostId, StoreRemote, type AuditLine } from '../../../src/core/store/storeRemote.js';
import { file, rawGit, tempDir } from './helpers.js';

const meta = (op: string) => ({ reason: 'manual' as const, operator: 'alice', op });

describe('StoreRemote', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let remoteDir: string;

  async function jump(name: string, url = remoteDir, timeoutMs = 10_000): Promise<{ store: SnapshotStore; remote: StoreRemote }> {
    const store = await SnapshotStore.open(path.join(dir, name));
    return { store, remote: new StoreRemote(store.gitDir, { url, timeoutMs, origin: 'test' }, await jumpHostId(path.join(dir, name))) };
  }

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    remoteDir = path.join(dir, 'shared.git');
    await rawGit(remoteDir, 'init', '--bare', '--quiet', remoteDir);
  });
  afterEach(async () => cleanup());

  it("B fetches A's snapshots with their ids; B's next snapshot builds on them; A fast-forwards to it", async () => {
    const a = await jump('a');
    const b = await jump('b');
    const first = await a.store.save('web1', [file('/etc/motd', 'v1\n')], meta('op1'));
    expect((await a.remote.push()).pushed).toEqual(['refs/konf/hosts/web1']);
    // Nothing left to push: a second push sends nothing.
    expect((await a.remote.push()).pushed).toEqual([]);

    const fetched = await b.remote.fetch();
    expect(fetched).toMatchObject({ ok: true, updated: ['web1'], merged: [], warnings: [] });
    expect((await b.store.history('web1')).map((s) => s.id)).toEqual([first.id]);
    expect((await b.store.load('web1', first.id)).entries).toEqual([file('/etc/motd', 'v1\n')]);

    const second = await b.store.save('web1', [file('/etc/motd', 'v2\n')], meta('op2'));
    expect(second.changed).toEqual(['/etc/motd']);
    expect((await b.remote.push()).pushed).toEqual(['refs/konf/hosts/web1']);
    await a.remote.fetch();
    expect((await a.store.history('web1')).map((s) => s.id)).toEqual([second.id, first.id]);
    // A linear chain: B's snapshot's parent is A's.
    expect((await rawGit(a.store.gitDir, 'rev-parse', `${second.id}^`)).trim()).toBe(first.id);
  });

  it('snapshots of one host made apart (one jump host offline) are joined, none lost; history skips the join', async () => {
    const a = await jump('a');
    const b = await jump('b');
    const base = await a.store.save('web1', [file('/etc/motd', 'base\n')], meta('op0'));
    await a.remote.push();
    await b.remote.fetch();
    const fromA = await a.store.save('web1', [file('/etc/motd', 'a\n')], meta('opA'));
    const fromB = await b.store.save('web1', [file('/etc/motd', 'b\n')], meta('opB'));
    expect((await b.remote.push()).pushed).toEqual(['refs/konf/hosts/web1']);
    // A's push is rejected (B moved the ref), fetched, checked, joined, pushed again (the join an hour later).
    const later = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
    const pushed = await a.remote.push();
    later.mockRestore();
    expect(pushed).toMatchObject({ ok: true, pushed: ['refs/konf/hosts/web1'], queued: [] });
    await b.remote.fetch();
    for (const side of [a, b]) {
      const ids = (await side.store.history('web1')).map((s) => s.id);
      expect(new Set(ids)).toEqual(new Set([base.id, fromA.id, fromB.id]));
      expect(ids).toHaveLength(3);
    }
    const tip = (await rawGit(remoteDir, 'rev-parse', 'refs/konf/hosts/web1')).trim();
    expect((await rawGit(remoteDir, 'log', '-1', '--format=%B', tip))).toContain('Konf-Merge: web1');
    expect((await rawGit(remoteDir, 'rev-list', '--parents', '-1', tip)).trim().split(' ')).toHaveLength(3);
    await rawGit(remoteDir, 'fsck', '--strict');
    // The newest snapshot's time, read for all hosts at once, is a snapshot's, not the join's.
    for (const side of [a, b]) {
      const newest = await side.store.latest('web1');
      expect([fromA.time, fromB.time]).toContain(newest?.time);
      expect(await side.store.lastSnapshotTimes()).toEqual({ web1: newest?.time });
    }
    // The next snapshot builds on the join, whose tree is the newer side's (B's, or the shared store's on a tie).
    const next = await b.store.save('web1', [file('/etc/motd', 'b\n')], meta('opC'));
    expect(next.changed).toEqual([]);
  });

  it('a rejected push whose fetch then fails says the snapshots stay queued; the next push joins and sends them', async () => {
    // The remote over an "ssh" that serves pushes but not fetches (the link drops between the two).
    const fakeSsh = path.join(dir, 'push-only-ssh');
    await writeFile(fakeSsh, `#!/bin/sh\nshift\ncase "$*" in git-upload-pack*) echo "connection lost" >&2; exit 255;; esac\nexec sh -c "$*"\n`);
    await chmod(fakeSsh, 0o755);
    const a = await jump('a');
    const b = await jump('b');
    await a.store.save('web1', [file('/etc/motd', 'base\n')], meta('op0'));
    await a.remote.push();
    await b.remote.fetch();
    const fromA = await a.store.save('web1', [file('/etc/motd', 'a\n')], meta('opA'));
    await b.store.save('web1', [file('/etc/motd', 'b\n')], meta('opB'));
    await b.remote.push();
    const saved = { cmd: process.env.GIT_SSH_COMMAND, variant: process.env.GIT_SSH_VARIANT };
    process.env.GIT_SSH_COMMAND = fakeSsh;
    process.env.GIT_SSH_VARIANT = 'simple';
    let pushed;
    try {
      const flaky = new StoreRemote(a.store.gitDir, { url: `gitserver:${remoteDir}`, timeoutMs: 10_000, origin: 'test' }, a.remote.jumpId);
      pushed = await flaky.push();
    } finally {
      for (const [key, value] of [['GIT_SSH_COMMAND', saved.cmd], ['GIT_SSH_VARIANT', saved.variant]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(pushed).toMatchObject({ ok: false, pushed: [], queued: ['refs/konf/hosts/web1'] });
    expect(pushed.warnings).toEqual([
      expect.stringMatching(/^could not fetch from the shared snapshot store gitserver:.* \(test\): .*connection lost/),
      expect.stringMatching(/refused refs\/konf\/hosts\/web1 \(another jump host moved them\) and they could not be fetched to join; they stay queued$/),
    ]);
    // The link is back: the next push fetches, joins and sends A's snapshot.
    expect(await a.remote.push()).toMatchObject({ ok: true, pushed: ['refs/konf/hosts/web1'] });
    expect(await rawGit(remoteDir, 'rev-list', 'refs/konf/hosts/web1')).toContain(fromA.id);
  });

  it('two jump hosts pushing different hosts at the same time both land', async () => {
    const a = await jump('a');
    const b = await jump('b');
    await a.store.save('web1', [file('/etc/motd', 'w\n')], meta('op1'));
    await b.store.save('db1', [file('/etc/motd', 'd\n')], meta('op2'));
    const [pa, pb] = await Promise.all([a.remote.push(), b.remote.push()]);
    expect(pa.ok && pb.ok).toBe(true);
    const refs = await rawGit(remoteDir, 'for-each-ref', '--format=%(refname)');
    expect(refs.trim().split('\n').sort()).toEqual(['refs/konf/hosts/db1', 'refs/konf/hosts/web1']);
  });

  it('an unreachable remote is a warning; snapshots stay queued and go with the next push', async () => {
    const missing = path.join(dir, 'not-yet.git');
    const a = await jump('a', missing);
    const snap = await a.store.save('web1', [file('/etc/motd', 'v1\n')], meta('op1'));
    const fetched = await a.remote.fetch();
    expect(fetched.ok).toBe(false);
    expect(fetched.warnings[0]).toMatch(/could not fetch from the shared snapshot store .*not-yet\.git \(test\): .*does not appear to be a git repository/);
    const pushed = await a.remote.push();
    expect(pushed).toMatchObject({ ok: false, pushed: [], queued: ['refs/konf/hosts/web1'] });
    expect(pushed.warnings[0]).toMatch(/could not push 1 ref\(s\) to .*: .*; they stay queued and the next konf run pushes them/);
    // The remote comes back: the queued snapshot is pushed.
    await rawGit(missing, 'init', '--bare', '--quiet', missing);
    expect((await a.remote.push()).pushed).toEqual(['refs/konf/hosts/web1']);
    expect((await rawGit(missing, 'rev-parse', 'refs/konf/hosts/web1')).trim()).toBe(snap.id);
  });

  it('a remote that does not answer is given up after the timeout, its processes stopped', async () => {
    // An ssh that never answers (GIT_SSH_COMMAND passes through to network commands).
    const fakeSsh = path.join(dir, 'hang-ssh');
    const pidFile = path.join(dir, 'hang.pid');
    await writeFile(fakeSsh, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    await chmod(fakeSsh, 0o755);
    const saved = process.env.GIT_SSH_COMMAND;
    process.env.GIT_SSH_COMMAND = fakeSsh;
    try {
      const a = await jump('a', 'ssh://gitserver.invalid/konf.git', 1000);
      await a.store.save('web1', [file('/etc/motd', 'v1\n')], meta('op1'));
      const t0 = Date.now();
      const fetched = await a.remote.fetch();
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(fetched.warnings[0]).toMatch(/no answer within 1 s/);
      // The hanging "ssh" was stopped with git (its process group), not left behind.
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      const alive = existsSync(`/proc/${pid}`) && !(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ') Z ')).includes(') Z ');
      expect(alive).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.GIT_SSH_COMMAND;
      else process.env.GIT_SSH_COMMAND = saved;
    }
  });

  it("a remote ref that is not a konf history of that host is not taken", async () => {
    const a = await jump('a');
    // Someone pushes an unrelated commit as web1's ref.
    const other = path.join(dir, 'other.git');
    await rawGit(other, 'init', '--bare', '--quiet', other);
    const tree = (await rawGit(other, 'hash-object', '-t', 'tree', '-w', '/dev/null')).trim();
    const commit = (await rawGit(other, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit-tree', tree, '-m', 'not konf')).trim();
    await rawGit(other, 'push', '--quiet', remoteDir, `${commit}:refs/konf/hosts/web1`);
    const fetched = await a.remote.fetch();
    expect(fetched.warnings).toEqual([expect.stringMatching(/refs\/konf\/hosts\/web1 there is not a konf snapshot history of web1; not taken/)]);
    expect(await a.store.history('web1')).toEqual([]);
  });

  it("each jump host's audit records go to its own ref; others read them after a fetch", async () => {
    const a = await jump('a');
    const b = await jump('b');
    const line = (op: string, start: string): AuditLine => ({ op, start, json: JSON.stringify({ v: 1, op, start, kind: 'deploy' }) });
    expect(await a.remote.recordAudit([line('op1', '2026-01-01T10:00:00.000Z'), line('op2', '2026-01-01T11:00:00.000Z')])).toBe(2);
    // Already recorded lines are not added again; new ones are.
    expect(await a.remote.recordAudit([line('op1', '2026-01-01T10:00:00.000Z'), line('op2', '2026-01-01T11:00:00.000Z'), line('op3', '2026-01-01T12:00:00.000Z')])).toBe(1);
    await a.remote.push();
    await b.remote.fetch({ audit: true });
    const shared = (await b.remote.sharedAudit()).map((j) => (JSON.parse(j) as { op: string }).op);
    expect(shared.sort()).toEqual(['op1', 'op2', 'op3']);
    // A does not list its own records as "shared" (it has them in its own file).
    await a.remote.fetch({ audit: true });
    expect(await a.remote.sharedAudit()).toEqual([]);
    expect(a.remote.jumpId).not.toBe(b.remote.jumpId);
  });
});
