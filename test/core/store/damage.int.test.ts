/**
 * A damaged snapshot store is an environment fault, not a bug (issue 11, item 9): a missing
 * or corrupt object, a missing or unreadable manifest, a lost commit get a StoreDamagedError
 * (a HostError: exit 3) naming the snapshot, the path and what is wrong (missing vs corrupt)
 * with the `git --git-dir … fsck` line to check the store, never a generic Error (exit 70),
 * and a corrupt object is not called missing.
 */
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../../src/core/errors.js';
import { SnapshotStore } from '../../../src/core/store/snapshotStore.js';
import { StoreDamagedError } from '../../../src/core/store/damage.js';
import type { SnapshotInfo } from '../../../src/core/store/types.js';
import { file, loosen, rawGit, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: SnapshotStore;
let snap: SnapshotInfo;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  store = await SnapshotStore.open(dir);
  await store.save('web1', [file('/etc/motd', 'welcome\n')], { reason: 'manual', operator: 'alice', op: 'op-0' });
  snap = await store.save('web1', [file('/etc/app.conf', 'port=80\n'), file('/etc/motd', 'hello\n')], { reason: 'pre-deploy', operator: 'alice', op: 'op-1' });  // Snapshots are written as packs; these tests damage single loose objects (as fetched ones are).
  await loosen(store.gitDir);
});
afterEach(async () => {
  await cleanup();
});

const objectFile = (oid: string) => path.join(store.gitDir, 'objects', oid.slice(0, 2), oid.slice(2));
const oidOf = async (rev: string) => (await rawGit(store.gitDir, 'rev-parse', rev)).trim();

async function damage(promise: Promise<unknown>): Promise<StoreDamagedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'a damaged store must be reported as such').toBeInstanceOf(StoreDamagedError);
  const e = err as StoreDamagedError;
  expect(e).toBeInstanceOf(HostError);
  expect(e.kind).toBe('store-damaged');
  expect(e.host).toBe('web1');
  expect(e.message).toContain(`check it with: git --git-dir ${store.gitDir} fsck`);
  return e;
}

async function overwrite(oid: string, bytes: string): Promise<void> {
  await chmod(objectFile(oid), 0o644);
  await writeFile(objectFile(oid), bytes);
}

describe('a damaged snapshot store', () => {
  it('a missing file object: names snapshot, path and "missing"', async () => {
    await rm(objectFile(await oidOf(`${snap.id}:hosts/web1/files/etc/app.conf`)));
    const e = await damage(store.load('web1', snap.id));
    expect(e.message).toMatch(new RegExp(`^snapshot store damaged: snapshot ${snap.id.slice(0, 12)} of web1: /etc/app\\.conf is missing \\(object [0-9a-f]{12}`));
  });

  it('a corrupt file object is called corrupt, not missing', async () => {
    await overwrite(await oidOf(`${snap.id}:hosts/web1/files/etc/app.conf`), 'garbage');
    const e = await damage(store.load('web1', snap.id));
    expect(e.message).toMatch(/: \/etc\/app\.conf is corrupt \(object [0-9a-f]{12}/);
    expect(e.message).not.toMatch(/missing/);
  });

  it('a missing manifest object', async () => {
    await rm(objectFile(await oidOf(`${snap.id}:hosts/web1/manifest.json`)));
    const e = await damage(store.load('web1', snap.id));
    expect(e.message).toMatch(/: the manifest hosts\/web1\/manifest\.json is missing \(object/);
  });

  it('a corrupt manifest object', async () => {
    const manifest = await oidOf(`${snap.id}:hosts/web1/manifest.json`);
    await overwrite(manifest, 'garbage');
    expect((await damage(store.load('web1', snap.id))).message).toMatch(/: the manifest hosts\/web1\/manifest\.json is corrupt/);
  });

  it('a snapshot whose tree has no manifest at all', async () => {
    const tree = (await rawGit(store.gitDir, 'hash-object', '-w', '-t', 'tree', '/dev/null')).trim(); // the empty tree
    const commit = (
      await rawGit(store.gitDir, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit-tree', tree, '-p', snap.id, '-m', 'konf snapshot web1 (manual)\n\nKonf-Host: web1\nKonf-Reason: manual\n')
    ).trim();
    await rawGit(store.gitDir, 'update-ref', 'refs/konf/hosts/web1', commit);
    const e = await damage(store.load('web1', commit));
    expect(e.message).toMatch(/: the snapshot has no manifest \(hosts\/web1\/manifest\.json\)/);
  });

  it('a lost commit in the history: history and latest say so', async () => {
    await rm(objectFile(snap.id));
    const e = await damage(store.history('web1'));
    expect(e.message).toMatch(/^snapshot store damaged: the history of web1 \(refs\/konf\/hosts\/web1\) cannot be read/);
    await damage(store.latest('web1', 'pre-deploy'));
    // An id that was never in the store is still a usage error, not damage.
    await expect(store.load('web1', 'abcdef12')).rejects.toThrow(/no snapshot abcdef12 for web1/);
  });

  it('a corrupt commit is called corrupt', async () => {
    await overwrite(snap.id, 'garbage');
    const e = await damage(store.load('web1', snap.id));
    expect(e.message).toMatch(/snapshot [0-9a-f]{12} of web1: the commit is corrupt \(object [0-9a-f]{12}\)/);
  });
});

describe('a damaged pack (how snapshots are written)', () => {
  let packed: SnapshotInfo;
  let gitDir: string;
  let done: () => Promise<void>;
  beforeEach(async () => {
    const t = await tempDir();
    done = t.cleanup;
    const packedStore = await SnapshotStore.open(t.dir);
    gitDir = packedStore.gitDir;
    packed = await packedStore.save('web1', [file('/etc/app.conf', 'port=80\n'.repeat(50)), file('/etc/motd', 'hello\n')], { reason: 'pre-deploy', operator: 'alice', op: 'op-1' });
    store = packedStore;
  });
  afterEach(async () => {
    await done();
  });

  it('bytes of a packed file object overwritten: corrupt, not missing', async () => {
    const pack = (await readdir(path.join(gitDir, 'objects', 'pack'))).find((f) => f.endsWith('.pack')) as string;
    expect(pack, 'the snapshot is in a pack').toBeDefined();
    const blob = await oidOf(`${packed.id}:hosts/web1/files/etc/app.conf`);
    // verify-pack -v: "<oid> <type> <size> <size-in-pack> <offset>"
    const line = (await rawGit(gitDir, 'verify-pack', '-v', path.join(gitDir, 'objects', 'pack', pack))).split('\n').find((l) => l.startsWith(blob)) as string;
    const [, , , inPack, offset] = line.trim().split(/\s+/).map(Number);
    const file = path.join(gitDir, 'objects', 'pack', pack);
    const bytes = await readFile(file);
    const at = (offset as number) + Math.floor((inPack as number) / 2);
    bytes.fill(0x55, at, at + 4);
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    const e = await damage(store.load('web1', packed.id));
    // git stops at a corrupt packed object (a loose one it skips): the object is named, not the path.
    expect(e.message).toContain(`snapshot ${packed.id.slice(0, 12)} of web1: an object it needs is corrupt (object ${blob.slice(0, 12)})`);
    expect(e.message).not.toMatch(/missing/);
  });

  it('the pack gone: every object of the snapshot is missing, history says so', async () => {
    for (const f of await readdir(path.join(gitDir, 'objects', 'pack'))) await rm(path.join(gitDir, 'objects', 'pack', f));
    const e = await damage(store.history('web1'));
    expect(e.message).toMatch(/^snapshot store damaged: the history of web1 \(refs\/konf\/hosts\/web1\) cannot be read/);
  });
});
