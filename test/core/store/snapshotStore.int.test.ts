import { spawn } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import type { LiveEntry } from '../../../src/core/remote/types.js';
import { SnapshotStore } from '../../../src/core/store/snapshotStore.js';
import type { SnapshotMeta } from '../../../src/core/store/types.js';
import { byPath, file, missing, rawGit, symlink, tempDir } from './helpers.js';

const meta = (over: Partial<SnapshotMeta> = {}): SnapshotMeta => ({ reason: 'manual', operator: 'alice', op: 'op-1', ...over });

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

function allBytes(): Buffer {
  return Buffer.from(Array.from({ length: 256 }, (_, i) => i));
}

function sample(): LiveEntry[] {
  return [
    file('/etc/binary.bin', Buffer.concat([allBytes(), allBytes().reverse()]), { mode: 0o600 }),
    file('/etc/sudoers.d/admins', 'alice ALL=(ALL) ALL\n', { mode: 0o440, owner: 'root', group: 'root' }),
    file('/usr/local/bin/tool', '#!/bin/sh\necho hi\n', { mode: 0o4755, owner: 'root', group: 'staff', uid: 0, gid: 50 }),
    file('/home/deploy/.profile', 'export A=1\n', { mode: 0o644, owner: 'deploy', group: 'deploy', uid: 1001, gid: 1001 }),
    file('/etc/empty', ''),
    file('/etc/no-newline', 'x'),
    file('/etc/crlf', 'a\r\nb\r\n'),
    symlink('/etc/localtime', '../usr/share/zoneinfo/Europe/Zurich'),
    symlink('/etc/dangling', '/nowhere/at/all'),
    missing('/etc/motd'),
    { path: '/etc/nginx/conf.d', state: 'dir', mode: 0o755, uid: 0, gid: 0, owner: 'root', group: 'root' },
    { path: '/etc/shadow-like', state: 'unreadable', error: 'Permission denied' },
    // Names git would refuse or that need care in a tree.
    file('/srv/app/.git/config', '[core]\n'),
    file('/srv/app/.gitmodules', '[submodule "x"]\n'),
    file('/srv/%percent', 'p'),
    file('/srv/with space/and:colon', 's'),
    file('/srv/new\nline', 'n'),
    file('/srv/ünïcødé/😀', 'u'),
    // Tree ordering edge: git sorts "a-b" < "a.b" < "a/" < "a0".
    file('/srv/a/x', '1'),
    file('/srv/a-b', '2'),
    file('/srv/a.b', '3'),
    file('/srv/a0', '4'),
  ];
}

describe('SnapshotStore', () => {
  it('creates a private state folder and store (0700), fixing a loose existing one', async () => {
    const state = path.join(dir, 'var');
    await mkdir(state, { mode: 0o755 });
    await chmod(state, 0o755);
    const store = await SnapshotStore.open(state);
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect((await stat(store.gitDir)).mode & 0o777).toBe(0o700);
    expect(store.gitDir).toBe(path.join(state, 'store'));
    expect((await rawGit(store.gitDir, 'rev-parse', '--is-bare-repository')).trim()).toBe('true');
    // Re-opening an existing store is fine.
    await SnapshotStore.open(state);
  });

  it('several instances opening the same fresh store at once all work', async () => {
    const state = path.join(dir, 'fresh');
    const stores = await Promise.all(Array.from({ length: 5 }, () => SnapshotStore.open(state)));
    await Promise.all(stores.map((s, i) => s.save(`h${i}`, [file('/etc/a', String(i))], meta())));
    expect(await stores[0]?.hosts()).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
  });

  it('round-trips contents byte-exact with modes, owners, symlinks, absent, dirs and unreadable', async () => {
    const store = await SnapshotStore.open(path.join(dir, 'var'));
    const entries = sample();
    const info = await store.save('web1', entries, meta({ reason: 'pre-deploy', message: 'before nginx change' }));
    expect(info.id).toMatch(/^[0-9a-f]{40}$/);
    expect(info.files).toBe(entries.length);
    const snap = await store.load('web1', info.id);
    expect(byPath(snap.entries)).toEqual(byPath(entries));
    const bin = snap.entries.find((e) => e.path === '/etc/binary.bin');
    expect(bin?.state === 'file' && bin.content?.equals(Buffer.concat([allBytes(), allBytes().reverse()]))).toBe(true);
    expect(snap.info).toEqual(info);
    const fsck = await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress');
    expect(fsck).toBe('');
  });

  it('stores real git content: files at hosts/<host>/files/<path>, a manifest, no git symlinks', async () => {
    const store = await SnapshotStore.open(dir);
    const info = await store.save('web1', sample(), meta());
    const ref = 'refs/konf/hosts/web1';
    expect((await rawGit(store.gitDir, 'rev-parse', ref)).trim()).toBe(info.id);
    const tree = await rawGit(store.gitDir, 'ls-tree', '-r', '--name-only', ref);
    expect(tree).toContain('hosts/web1/manifest.json\n');
    expect(tree).toContain('hosts/web1/files/etc/sudoers.d/admins\n');
    expect(tree).toContain('hosts/web1/files/srv/with space/and:colon\n');
    expect(tree).not.toContain('localtime'); // symlinks are manifest data only
    const modes = await rawGit(store.gitDir, 'ls-tree', '-r', ref);
    expect(modes).not.toMatch(/^120000/m);
    expect(await rawGit(store.gitDir, 'show', `${ref}:hosts/web1/files/etc/sudoers.d/admins`)).toBe('alice ALL=(ALL) ALL\n');
    const manifest = JSON.parse(await rawGit(store.gitDir, 'show', `${ref}:hosts/web1/manifest.json`)) as {
      host: string;
      entries: Record<string, unknown>[];
    };
    expect(manifest.host).toBe('web1');
    expect(manifest.entries.find((e) => e.path === '/usr/local/bin/tool')).toMatchObject({ mode: '4755', owner: 'root', group: 'staff', gid: 50 });
    expect(manifest.entries.find((e) => e.path === '/etc/localtime')).toMatchObject({ state: 'symlink', target: '../usr/share/zoneinfo/Europe/Zurich' });
    expect(manifest.entries.find((e) => e.path === '/etc/motd')).toEqual({ path: '/etc/motd', state: 'absent' });
  });

  it('discard takes back the newest snapshot only: the ref returns to the one before (or goes), a snapshot followed by another stays', async () => {
    const store = await SnapshotStore.open(dir);
    const a = await store.save('web1', [file('/etc/a', '1')], meta({ op: 'op-a' }));
    const b = await store.save('web1', [file('/etc/a', '2')], meta({ reason: 'pre-deploy', op: 'op-b' }));
    expect(await store.discard('web1', b.id)).toBe(true);
    expect((await store.history('web1')).map((h) => h.id)).toEqual([a.id]);
    // The next snapshot's changes are counted against the one left (a), not the one taken back.
    const c = await store.save('web1', [file('/etc/a', '1')], meta({ op: 'op-c' }));
    expect((await store.history('web1'))[0]).toMatchObject({ id: c.id, changed: [] });
    // Not the newest any more: kept.
    expect(await store.discard('web1', a.id)).toBe(false);
    expect((await store.history('web1')).map((h) => h.id)).toEqual([c.id, a.id]);
    // A host's only snapshot: its history goes, as if never recorded.
    const only = await store.save('db1', [file('/etc/a', 'x')], meta());
    expect(await store.discard('db1', only.id)).toBe(true);
    expect(await store.history('db1')).toEqual([]);
    await rawGit(path.join(dir, 'store'), 'fsck', '--no-dangling');
  });

  it('lists history newest first with reason, operator, op, message and git trailers', async () => {
    const store = await SnapshotStore.open(dir);
    const a = await store.save('web1', [file('/etc/a', '1')], meta({ reason: 'initial', operator: 'alice', op: 'op-a' }));
    const b = await store.save('web1', [file('/etc/a', '2')], meta({ reason: 'pre-deploy', operator: 'bob', op: 'op-b', message: 'line one\n\nsecond paragraph\nKonf-Host: fake' }));
    const c = await store.save('web1', [file('/etc/a', '2')], meta({ reason: 'pre-rollback', operator: 'carol', op: 'op-c' }));
    await store.save('db1', [file('/etc/a', 'x')], meta());

    const history = await store.history('web1');
    expect(history.map((h) => h.id)).toEqual([c.id, b.id, a.id]);
    expect(history[1]).toMatchObject({ host: 'web1', reason: 'pre-deploy', operator: 'bob', op: 'op-b', files: 1, changed: ['/etc/a'] });
    expect(history[1]?.message).toBe('line one\n\nsecond paragraph\nKonf-Host: fake');
    expect(history[0]?.changed).toEqual([]);
    expect(history[0]?.message).toBeUndefined();
    expect(Date.parse(history[0]?.time ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(await store.history('nobody')).toEqual([]);
    expect(await store.history('web1', { limit: 2 })).toHaveLength(2);

    // What plain git sees.
    const ref = 'refs/konf/hosts/web1';
    const body = await rawGit(store.gitDir, 'log', '-1', '--format=%B', b.id);
    expect(body).toContain('snapshot web1: pre-deploy\n\nline one');
    expect(body).toMatch(/\n\nKonf-Host: web1\nKonf-Reason: pre-deploy\nKonf-Operator: bob\nKonf-Op: op-b\nKonf-Files: 1\nKonf-Changed: \/etc\/a\n/);
    const hosts = await rawGit(store.gitDir, 'log', '--format=%(trailers:key=Konf-Host,valueonly,separator=)', ref);
    expect(hosts.split('\n').filter(Boolean)).toEqual(['web1', 'web1', 'web1']);
    const reasons = await rawGit(store.gitDir, 'log', '--format=%(trailers:key=Konf-Reason,valueonly,separator=)', ref);
    expect(reasons.split('\n').filter(Boolean)).toEqual(['pre-rollback', 'pre-deploy', 'initial']);
    const idents = await rawGit(store.gitDir, 'log', '--format=%an <%ae>|%cn <%ce>', ref);
    expect(idents.split('\n').filter(Boolean)).toEqual([
      'carol <carol@konf>|carol <carol@konf>',
      'bob <bob@konf>|bob <bob@konf>',
      'alice <alice@konf>|alice <alice@konf>',
    ]);
    expect((await rawGit(store.gitDir, 'log', '-1', '--format=%s', ref)).trim()).toBe('snapshot web1: pre-rollback');

    expect((await store.latest('web1'))?.id).toBe(c.id);
    expect((await store.latest('web1', 'pre-deploy'))?.id).toBe(b.id);
    expect(await store.latest('web1', 'post-deploy')).toBeUndefined();
    const times = await store.lastSnapshotTimes();
    expect(Object.keys(times).sort()).toEqual(['db1', 'web1']);
    expect(times.web1).toBe(c.time);
    expect(await store.hosts()).toEqual(['db1', 'web1']);
  });

  it('computes changed paths against the previous snapshot (content, metadata, link, presence)', async () => {
    const store = await SnapshotStore.open(dir);
    const first = await store.save(
      'web1',
      [file('/etc/a', 'a'), file('/etc/b', 'b'), file('/etc/c', 'c'), symlink('/etc/l', 'x'), file('/etc/gone', 'g'), missing('/etc/still-missing'), file('/etc/same', 's')],
      meta(),
    );
    expect(first.changed).toEqual(['/etc/a', '/etc/b', '/etc/c', '/etc/gone', '/etc/l', '/etc/same']);
    const second = await store.save(
      'web1',
      [
        file('/etc/a', 'A'), // content
        file('/etc/b', 'b', { mode: 0o600 }), // mode
        file('/etc/c', 'c', { owner: 'www-data' }), // owner
        symlink('/etc/l', 'y'), // link target
        missing('/etc/gone'), // removed
        missing('/etc/still-missing'),
        missing('/etc/newly-watched'), // not recorded before, absent now: not a change
        file('/etc/same', 's'),
      ],
      meta(),
    );
    expect(second.changed).toEqual(['/etc/a', '/etc/b', '/etc/c', '/etc/gone', '/etc/l']);
    // A path no longer recorded counts as a change if it existed.
    const third = await store.save('web1', [file('/etc/a', 'A')], meta());
    expect(third.changed).toEqual(['/etc/b', '/etc/c', '/etc/l', '/etc/same']);
    expect((await store.history('web1')).map((h) => h.changed)).toEqual([third.changed, second.changed, first.changed]);
    // A fresh instance (no cache) computes the same.
    const other = await SnapshotStore.open(dir);
    const fourth = await other.save('web1', [file('/etc/a', 'A2')], meta());
    expect(fourth.changed).toEqual(['/etc/a']);
  });

  it('accepts abbreviated ids and refuses unknown, ambiguous-looking, malformed and foreign ids clearly', async () => {
    const store = await SnapshotStore.open(dir);
    const info = await store.save('web1', [file('/etc/a', '1')], meta());
    const other = await store.save('db1', [file('/etc/a', '1')], meta());
    expect((await store.load('web1', info.id.slice(0, 7))).info.id).toBe(info.id);
    expect((await store.load('web1', info.id.toUpperCase().slice(0, 10))).info.id).toBe(info.id);

    const unknown = store.load('web1', 'deadbeef');
    await expect(unknown).rejects.toBeInstanceOf(ConfigError);
    await expect(store.load('web1', 'deadbeef')).rejects.toThrow(/no snapshot deadbeef for web1 \(see `konf history web1`\)/);
    await expect(store.load('web1', 'HEAD')).rejects.toThrow(/konf history web1/);
    await expect(store.load('web1', '../../etc')).rejects.toBeInstanceOf(ConfigError);
    await expect(store.load('web1', other.id)).rejects.toThrow(/is of host db1, not web1/);
    // A tree or blob id is not a snapshot.
    const treeId = (await rawGit(store.gitDir, 'rev-parse', `${info.id}^{tree}`)).trim();
    await expect(store.load('web1', treeId)).rejects.toThrow(/no snapshot/);
  });

  it('refuses bad host names and paths', async () => {
    const store = await SnapshotStore.open(dir);
    for (const host of ['', '../x', 'a/b', 'x.lock', '-x', 'a..b', 'a b']) {
      await expect(store.save(host, [], meta())).rejects.toBeInstanceOf(ConfigError);
    }
    await expect(store.save('web1', [file('etc/relative', 'x')], meta())).rejects.toThrow(/absolute/);
    await expect(store.save('web1', [file('/etc/../x', 'x')], meta())).rejects.toThrow(/\.\./);
    await expect(store.save('web1', [file('/etc/x', 'a'), file('/etc/x', 'b')], meta())).rejects.toThrow(/twice/);
    await expect(store.save('web1', [file('/etc/x', 'a'), file('/etc/x/y', 'b')], meta())).rejects.toThrow(/clash/);
    expect(await store.history('web1')).toEqual([]);
  });

  it('keeps every commit of 20 parallel hosts and 5 parallel saves of one host; fsck clean', async () => {
    const store = await SnapshotStore.open(dir);
    const hosts = Array.from({ length: 20 }, (_, i) => `host${i}`);
    const infos = await Promise.all([
      ...hosts.map((h) => store.save(h, [file('/etc/hostname', `${h}\n`), file('/etc/common', 'same everywhere')], meta({ reason: 'pre-deploy' }))),
      ...Array.from({ length: 5 }, (_, i) => store.save('busy', [file('/etc/counter', String(i))], meta({ op: `op-${i}` }))),
    ]);
    expect(new Set(infos.map((i) => i.id)).size).toBe(25);
    for (const h of hosts) {
      const history = await store.history(h);
      expect(history).toHaveLength(1);
      expect((await store.load(h, history[0]?.id ?? '')).entries).toHaveLength(2);
    }
    const busy = await store.history('busy');
    expect(busy).toHaveLength(5);
    expect(new Set(busy.map((b) => b.op))).toEqual(new Set(['op-0', 'op-1', 'op-2', 'op-3', 'op-4']));
    // Linear: every commit's parent is the next older one.
    const parents = (await rawGit(store.gitDir, 'log', '--format=%H %P', 'refs/konf/hosts/busy')).trim().split('\n');
    parents.forEach((line, i) => {
      const [, parent] = line.split(' ');
      expect(parent).toBe(busy[i + 1]?.id);
    });
    expect(Object.keys(await store.lastSnapshotTimes())).toHaveLength(21);
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });

  it('two store instances (two processes) saving the same hosts concurrently lose nothing', async () => {
    const one = await SnapshotStore.open(dir);
    const two = await SnapshotStore.open(dir);
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      jobs.push(one.save('shared', [file('/etc/x', `one-${i}`)], meta({ op: `one-${i}` })));
      jobs.push(two.save('shared', [file('/etc/x', `two-${i}`)], meta({ op: `two-${i}` })));
      jobs.push(i % 2 === 0 ? one.save(`solo${i}`, [file('/etc/y', 'y')], meta()) : two.save(`solo${i}`, [file('/etc/y', 'y')], meta()));
    }
    await Promise.all(jobs);
    const history = await one.history('shared');
    expect(history).toHaveLength(16);
    expect(new Set(history.map((h) => h.op)).size).toBe(16);
    // Every snapshot's "changed" is relative to its real parent in the chain.
    for (const h of history.slice(0, -1)) expect(h.changed).toEqual(['/etc/x']);
    const parents = (await rawGit(one.gitDir, 'log', '--format=%H:%P', 'refs/konf/hosts/shared')).trim().split('\n').map((l) => l.split(':')[1]);
    expect(parents).toHaveLength(16);
    expect(parents.filter((p) => p === '')).toHaveLength(1); // one root
    expect(parents.every((p) => !p?.includes(' '))).toBe(true); // no merges: linear
    expect(await rawGit(one.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });

  it('still reads refs after git packs them (gc)', async () => {
    const store = await SnapshotStore.open(dir);
    const a = await store.save('web1', [file('/etc/a', '1')], meta());
    await rawGit(store.gitDir, 'gc', '--quiet', '--prune=now');
    const fresh = await SnapshotStore.open(dir);
    const b = await fresh.save('web1', [file('/etc/a', '2')], meta());
    expect((await fresh.history('web1')).map((h) => h.id)).toEqual([b.id, a.id]);
    expect(b.changed).toEqual(['/etc/a']);
    const loaded = await fresh.load('web1', a.id.slice(0, 8));
    expect(loaded.entries[0]?.state === 'file' && loaded.entries[0].content?.toString()).toBe('1');
    await fresh.maintain();
  });

  it('ignores the user\u2019s git configuration and environment', async () => {
    const saved = { ...process.env };
    try {
      process.env.GIT_DIR = path.join(dir, 'elsewhere');
      process.env.GIT_AUTHOR_NAME = 'Mallory';
      process.env.GIT_COMMITTER_EMAIL = 'mallory@example.com';
      process.env.HOME = path.join(dir, 'home-without-config');
      const store = await SnapshotStore.open(path.join(dir, 'state'));
      const info = await store.save('web1', [file('/etc/a', '1')], meta({ operator: 'root' }));
      const ident = await rawGit(store.gitDir, 'log', '-1', '--format=%an <%ae> %cn <%ce>', info.id);
      expect(ident.trim()).toBe('root <root@konf> root <root@konf>');
    } finally {
      process.env = saved;
    }
  });
});

describe('SnapshotStore across real processes', () => {
  it('a second konf process saving the same host at the same time loses nothing', async () => {
    const state = path.join(dir, 'var');
    const store = await SnapshotStore.open(state);
    const viteNode = path.resolve('node_modules/.bin/vite-node');
    const fixture = path.resolve('test/core/store/fixtures/saver.ts');
    const child = spawn(viteNode, [fixture, state, 'shared', '12', 'child'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void exited.then(() => (done = true));
    await ready;
    child.stdin.write('go\n');
    // Save from this process (3 at a time) for as long as the child saves, so the two overlap.
    const mine: string[] = [];
    while (!done) {
      const batch = await Promise.all(
        [0, 1, 2].map((k) => store.save('shared', [file('/etc/x', `parent-${mine.length}-${k}\n`)], meta({ operator: 'parent', op: `parent-${mine.length + k}` }))),
      );
      mine.push(...batch.map((b) => b.id));
    }
    expect(await exited).toBe(0);
    const childIds = JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
    expect(childIds).toHaveLength(12);
    const history = await store.history('shared');
    expect(history.map((h) => h.id).sort()).toEqual([...mine, ...childIds].sort());
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });
});

describe('ref updates of snapshots recorded together', () => {
  it('50 hosts snapshotted at once land in a few update-ref transactions, each host with its own history', async () => {
    const store = await SnapshotStore.open(dir);
    const hosts = Array.from({ length: 50 }, (_, i) => `h${String(i).padStart(2, '0')}`);
    const first = await Promise.all(hosts.map((h) => store.save(h, [file('/etc/x', `${h} one\n`)], meta({ op: `one-${h}` }))));
    const second = await Promise.all(hosts.map((h) => store.save(h, [file('/etc/x', `${h} two\n`)], meta({ op: `two-${h}` }))));
    // One git process per host before; now one transaction per batch: how many batches depends
    // on timing (saves that finish while a transaction runs join the next), never one per host.
    expect(store.refs.processes).toBeLessThanOrEqual(hosts.length / 2); // 100 saves: at least 4 a transaction on average
    for (const [i, h] of hosts.entries()) {
      const history = await store.history(h);
      expect(history.map((s) => s.id)).toEqual([second[i]?.id, first[i]?.id]);
      const snap = await store.load(h, second[i]?.id ?? '');
      expect(snap.entries.find((e) => e.path === '/etc/x')).toMatchObject({ content: Buffer.from(`${h} two\n`) });
    }
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });

  it('a batch is all or nothing: when one ref moved under it, each update is tried alone and only that one fails', async () => {
    const store = await SnapshotStore.open(dir);
    const a = await store.save('a', [file('/etc/x', 'a\n')], meta());
    const b = await store.save('b', [file('/etc/x', 'b\n')], meta());
    const c = await store.save('c', [file('/etc/x', 'c\n')], meta());
    const before = store.refs.processes;
    // Each ref moves to the other host's commit; c's update expects a commit c does not hold.
    const results = await Promise.all([
      store.refs.update({ ref: 'refs/konf/hosts/a', newOid: b.id, oldOid: a.id, message: 'a' }),
      store.refs.update({ ref: 'refs/konf/hosts/b', newOid: a.id, oldOid: b.id, message: 'b' }),
      store.refs.update({ ref: 'refs/konf/hosts/c', newOid: a.id, oldOid: b.id, message: 'c' }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]?.stderr).toMatch(/refs\/konf\/hosts\/c/);
    // One transaction that failed, then one update-ref each.
    expect(store.refs.processes - before).toBe(4);
    expect((await rawGit(store.gitDir, 'rev-parse', 'refs/konf/hosts/a')).trim()).toBe(b.id);
    expect((await rawGit(store.gitDir, 'rev-parse', 'refs/konf/hosts/b')).trim()).toBe(a.id);
    expect((await rawGit(store.gitDir, 'rev-parse', 'refs/konf/hosts/c')).trim()).toBe(c.id);
  });
});
