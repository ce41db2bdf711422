/**
 * Snapshots recorded together go to the store as one pack (packWriter.ts): git reads the
 * packs konf writes (verify-pack, fsck --strict, cat-file), objects already packed are not
 * written again (their pack is freshened for gc), and a pack repacked away meanwhile is
 * not relied on.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashObject } from '../../../src/core/store/gitObjects.js';
import { crc32, encodePack, idxObjectIds, PackWriter, type PackObject } from '../../../src/core/store/packWriter.js';
import { PACKS_BEFORE_TIDY, SnapshotStore } from '../../../src/core/store/snapshotStore.js';
import type { SnapshotMeta } from '../../../src/core/store/types.js';
import { file, rawGit, tempDir } from './helpers.js';

const exec = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

const meta = (over: Partial<SnapshotMeta> = {}): SnapshotMeta => ({ reason: 'pre-deploy', operator: 'alice', op: 'op-1', ...over });
const packDir = (gitDir: string) => path.join(gitDir, 'objects', 'pack');
const packs = async (gitDir: string) => (await readdir(packDir(gitDir)).catch(() => [] as string[])).filter((f) => f.endsWith('.pack')).sort();
/** "<oid> <type> …" lines of git verify-pack -v: the objects a pack holds. */
async function packedIds(gitDir: string, pack: string): Promise<string[]> {
  const out = await rawGit(gitDir, 'verify-pack', '-v', path.join(packDir(gitDir), pack));
  return out.split('\n').filter((l) => /^[0-9a-f]{40} (blob|tree|commit) /.test(l)).map((l) => l.slice(0, 40));
}

describe('the packs konf writes are the ones git reads', () => {
  it('encodePack: git verify-pack accepts pack and index; cat-file gives every object back byte for byte', async () => {
    await exec('git', ['init', '--bare', '--quiet', dir]);
    const objects: PackObject[] = [Buffer.alloc(0), Buffer.from('x\n'), randomBytes(70_000), Buffer.from('a'.repeat(5000))].map((content) => ({ type: 'blob', oid: hashObject('blob', content), content }));
    const { pack, idx, name } = encodePack(objects);
    await mkdir(packDir(dir), { recursive: true });
    await writeFile(path.join(packDir(dir), `pack-${name}.pack`), pack);
    await writeFile(path.join(packDir(dir), `pack-${name}.idx`), idx);
    expect(await packedIds(dir, `pack-${name}.pack`)).toEqual(expect.arrayContaining(objects.map((o) => o.oid)));
    // git's own index of the same pack is byte-identical to ours.
    const own = path.join(dir, 'git-own.idx');
    await exec('git', ['--git-dir', dir, 'index-pack', '-o', own, path.join(packDir(dir), `pack-${name}.pack`)]);
    expect(Buffer.compare(await readFile(own), idx)).toBe(0);
    for (const o of objects) {
      const { stdout } = await exec('git', ['--git-dir', dir, 'cat-file', 'blob', o.oid], { encoding: 'buffer', maxBuffer: 1 << 20 });
      expect(Buffer.compare(stdout, o.content), o.oid).toBe(0);
    }
    expect(idxObjectIds(idx)?.length).toBe(objects.length * 20);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});

describe('snapshots recorded together: one pack', () => {
  it('20 hosts saved at once: a pack or two instead of hundreds of object files; fsck is clean; each snapshot loads', async () => {
    const store = await SnapshotStore.open(dir);
    const hosts = Array.from({ length: 20 }, (_, i) => `h${String(i).padStart(2, '0')}`);
    const files = (h: string) => Array.from({ length: 40 }, (_, k) => file(`/etc/app/f${k}.conf`, `${h} file ${k}\n`));
    const infos = await Promise.all(hosts.map((h) => store.save(h, files(h), meta({ op: `op-${h}` }))));
    expect(store.packs.packsWritten).toBeGreaterThanOrEqual(1);
    expect(store.packs.packsWritten).toBeLessThanOrEqual(3);
    expect(await packs(store.gitDir)).toHaveLength(store.packs.packsWritten);
    // No loose object: every one of the 20 × (40 blobs + manifest + 5 trees + commit) is packed.
    const loose = (await readdir(path.join(store.gitDir, 'objects'))).filter((d) => /^[0-9a-f]{2}$/.test(d));
    expect(loose).toEqual([]);
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
    for (const [i, h] of hosts.entries()) {
      const snap = await store.load(h, infos[i]?.id ?? '');
      expect(snap.entries.find((e) => e.path === '/etc/app/f7.conf')).toMatchObject({ content: Buffer.from(`${h} file 7\n`) });
    }
  });

  it('a later process writes only what is new, and freshens the pack it reuses (as git does for gc)', async () => {
    const first = await SnapshotStore.open(dir);
    const content = Array.from({ length: 30 }, (_, k) => file(`/etc/f${k}`, `content ${k}\n`));
    await first.save('web1', content, meta());
    const [old] = await packs(first.gitDir);
    expect(old).toBeDefined();
    const longAgo = new Date('2020-01-01T00:00:00Z');
    await utimes(path.join(packDir(first.gitDir), old as string), longAgo, longAgo);

    // Another konf process: the same 30 files plus one changed.
    const second = await SnapshotStore.open(dir);
    const changed = [...content.slice(1), file('/etc/f0', 'changed\n')];
    const snap = await second.save('web1', changed, meta({ op: 'op-2' }));
    const now = await packs(second.gitDir);
    expect(now).toHaveLength(2);
    const added = now.find((p) => p !== old) as string;
    // The new commit, its trees (root, hosts, web1, files, etc), the manifest and the one changed blob.
    const ids = await packedIds(second.gitDir, added);
    expect(ids).toContain(snap.id);
    expect(ids).toContain(hashObject('blob', Buffer.from('changed\n')));
    expect(ids).not.toContain(hashObject('blob', Buffer.from('content 5\n')));
    expect(ids.length).toBeLessThanOrEqual(8);
    expect((await stat(path.join(packDir(second.gitDir), old as string))).mtimeMs).toBeGreaterThan(longAgo.getTime() + 1000);
    expect(await rawGit(second.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });

  it('objects whose pack was repacked away meanwhile are found in the new pack, or written again when gone', async () => {
    const store = await SnapshotStore.open(dir);
    const content = [file('/etc/a', 'a\n'), file('/etc/b', 'b\n')];
    await store.save('web1', content, meta());
    // A second writer that has read the first pack's index (its first save loaded it).
    const other = new PackWriter(store.gitDir);
    await other.write([{ type: 'blob', oid: hashObject('blob', Buffer.from('z\n')), content: Buffer.from('z\n') }]);
    expect(other.packsWritten).toBe(1);
    // git repack -a -d: every object now in one new pack, the old packs gone.
    await rawGit(store.gitDir, 'repack', '-a', '-d', '-q');
    const afterRepack = await packs(store.gitDir);
    expect(afterRepack).toHaveLength(1);
    const a: PackObject = { type: 'blob', oid: hashObject('blob', Buffer.from('a\n')), content: Buffer.from('a\n') };
    await other.write([a]);
    expect(other.packsWritten, 'found in the repacked pack: nothing to write').toBe(1);
    // The pack file gone (its index still listed): the writer does not rely on it.
    const b: PackObject = { type: 'blob', oid: hashObject('blob', Buffer.from('b\n')), content: Buffer.from('b\n') };
    await rm(path.join(packDir(store.gitDir), afterRepack[0] as string));
    await other.write([b]);
    expect(other.packsWritten).toBe(2);
    const { stdout } = await exec('git', ['--git-dir', store.gitDir, 'cat-file', 'blob', b.oid], { encoding: 'utf8' });
    expect(stdout).toBe('b\n');
  });

  it('tidy: past 24 packs the small ones are rolled together; every snapshot stays readable', async () => {
    const store = await SnapshotStore.open(dir);
    expect(await store.tidy(), 'no pack yet: nothing to do').toBe(false);
    const ids: string[] = [];
    // One save at a time: each is its own pack.
    for (let i = 0; i < PACKS_BEFORE_TIDY + 6; i++) ids.push((await store.save(`h${i % 3}`, [file('/etc/x', `round ${i}\n`), file('/etc/same', 'same\n')], meta({ op: `op-${i}` }))).id);
    expect(await packs(store.gitDir)).toHaveLength(PACKS_BEFORE_TIDY + 6);
    expect(await store.tidy()).toBe(true);
    const after = await packs(store.gitDir);
    expect(after.length).toBeLessThanOrEqual(6);
    expect(await store.tidy(), 'few packs now: nothing to do').toBe(false);
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
    for (const [i, id] of ids.entries()) {
      const snap = await store.load(`h${i % 3}`, id);
      expect(snap.entries.find((e) => e.path === '/etc/x')).toMatchObject({ content: Buffer.from(`round ${i}\n`) });
    }
    // The writer does not rely on the packs rolled away: a new snapshot of known contents is complete.
    const next = await store.save('h0', [file('/etc/x', 'round 0\n'), file('/etc/same', 'same\n')], meta({ op: 'op-next' }));
    expect((await store.load('h0', next.id)).entries).toHaveLength(2);
    expect(await rawGit(store.gitDir, 'fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
  });
});
