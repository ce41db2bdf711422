/**
 * The host-side journal over real sshd: a journaled write keeps the old versions beside
 * their targets until it is closed; the host alone can put every file back (the recover
 * script, and the write script itself when its connection is gone between two renames).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { JournaledWriteError } from '../../../src/core/remote/remoteHost.js';
import { parseJournal, shellWords } from '../../../src/core/remote/journal.js';
import type { WriteOp } from '../../../src/core/remote/types.js';
import { remoteFor } from '../../helpers/channel.js';
import { filesOf, readTree } from '../../helpers/tree.js';
import { slowRenames, type SlowRenames } from '../../helpers/slowRenames.js';

const header = { kind: 'deploy', snapshot: 'abc123', operator: 'alice', jumpHost: 'jump1', since: '2026-01-02T03:04:05.000Z' };
const lockReq = (opId: string) => ({ operator: 'alice', jumpHost: 'jump1', pid: 4242, operation: 'deploy', opId });

/** Every konf temp or backup left anywhere under root. */
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

describe('journal text', () => {
  it('reads shell-quoted words, quotes inside quotes, comments and a torn last line', () => {
    expect(shellWords("# c\nkonf_je 0 file 1 '/a b' 'it'\\''s' ''\nkonf_jdo")).toEqual([
      ['konf_je', '0', 'file', '1', '/a b', "it's", ''],
      ['konf_jdo'],
    ]);
    const j = parseJournal(
      'h',
      [
        'konf_jv 1',
        "konf_jop 'op-1' 'deploy' 'run1' 'snap' 'alice' 'jump1' 'now'",
        'konf_jpid 10 20 10',
        "konf_je 0 file 1 0 '/r/etc/a' '/r/etc/.konf-tmp-run1-0-a' '/r/etc/.konf-tmp-run1-b0'",
        "konf_je 1 remove 0 2 '/r/x/y/z' '' '/r/x/y/.konf-tmp-run1-b1'",
        'konf_jstate staged',
        'konf_jdone 0',
        'konf_jdo',
      ].join('\n'),
      '/r',
    );
    expect(j).toMatchObject({ version: 1, op: 'op-1', kind: 'deploy', snapshot: 'snap', operator: 'alice', done: [0], state: 'staged' });
    expect(j.entries.map((e) => [e.path, e.kind, e.existed, e.dirs])).toEqual([
      ['/etc/a', 'file', true, 0],
      ['/x/y/z', 'remove', false, 2],
    ]);
    expect(() => parseJournal('h', 'konf_jv 9\n', '/')).toThrow(/version 9/);
  });
});

describe('host-side journal over real sshd', () => {
  let fleet: TestFleet;
  let tmp: string;
  let slow: SlowRenames;
  let root: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-journal-'));
    slow = await slowRenames(tmp);
    fleet = await startTestFleet({ hosts: ['j1'], env: slow.env });
    root = fleet.host('j1').root;
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  const at = (p: string) => path.join(root, p);
  const journalFile = () => at('var/lib/konf/journal');

  /** Old state: a mode-0600 file, a symlink, a file to be removed. */
  function seed(dir: string): void {
    rmSync(at(dir), { recursive: true, force: true });
    mkdirSync(at(dir), { recursive: true });
    writeFileSync(at(`${dir}/a.conf`), 'old a\n');
    chmodSync(at(`${dir}/a.conf`), 0o600);
    symlinkSync('a.conf', at(`${dir}/link`));
    writeFileSync(at(`${dir}/gone.conf`), 'to be removed\n');
  }
  const ops = (dir: string): WriteOp[] => [
    { action: 'file', path: `/${dir}/a.conf`, content: Buffer.from('new a\n'), mode: 0o644 },
    { action: 'file', path: `/${dir}/new/deep/b.conf`, content: Buffer.from('new b\n') },
    { action: 'symlink', path: `/${dir}/link`, target: 'new/deep/b.conf' },
    { action: 'remove', path: `/${dir}/gone.conf` },
  ];

  it('keeps the old versions until closed; closing leaves nothing behind', async () => {
    seed('c1');
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-c1'));
    await r.write(ops('c1'), { opId: 'op-c1', journal: header });
    expect(readFileSync(at('c1/a.conf'), 'utf8')).toBe('new a\n');
    expect(existsSync(at('c1/gone.conf'))).toBe(false);
    const j = parseJournal('j1', readFileSync(journalFile(), 'utf8'), root);
    expect(j).toMatchObject({ op: 'op-c1', kind: 'deploy', snapshot: 'abc123', operator: 'alice', state: 'swapped', done: [0, 1, 2, 3] });
    expect(j.entries.map((e) => [e.path, e.existed])).toEqual([
      ['/c1/a.conf', true],
      ['/c1/new/deep/b.conf', false],
      ['/c1/link', true],
      ['/c1/gone.conf', true],
    ]);
    // The old versions of the three targets that existed, kept beside them in one folder.
    const kept = leftovers(at('c1'));
    expect(kept).toHaveLength(1);
    expect(readdirSync(at(`c1/${kept[0]}`)).sort()).toEqual(['a.conf', 'gone.conf', 'link']);
    expect(readFileSync(at(`c1/${kept[0]}/a.conf`), 'utf8')).toBe('old a\n');
    // nothing else may be written while the journal is open
    await expect(r.write([{ action: 'file', path: '/c1/other', content: Buffer.from('x') }], { opId: 'op-c1', journal: header })).rejects.toThrow(/journal is on the host.*nothing was written/);
    expect(await r.releaseLock('op-c1', { closeJournal: 'op-c1' })).toBe(true);
    expect(existsSync(journalFile())).toBe(false);
    expect(leftovers(at('c1'))).toEqual([]);
    expect(readdirSync(at('var/lib/konf'))).toEqual([]);
  });

  it('recovers an unclosed journal: every byte, mode and link back, created files and folders gone; repeatable', async () => {
    seed('c2');
    const before = filesOf(await readTree(at('c2')));
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-c2'));
    await r.write(ops('c2'), { opId: 'op-c2', journal: header });
    const rec = await r.recoverJournal({ expectOp: 'op-c2' });
    expect(rec.complete).toBe(true);
    expect(rec.journal?.op).toBe('op-c2');
    expect(rec.restored.sort()).toEqual(['/c2/a.conf', '/c2/gone.conf', '/c2/link', '/c2/new/deep/b.conf']);
    expect(filesOf(await readTree(at('c2')))).toEqual(before);
    expect(existsSync(at('c2/new'))).toBe(false);
    expect(statSync(at('c2/a.conf')).mode & 0o7777).toBe(0o600);
    // again: nothing left to do, nothing changes
    const again = await r.recoverJournal();
    expect(again.complete).toBe(true);
    expect(again.restored).toEqual([]);
    expect(filesOf(await readTree(at('c2')))).toEqual(before);
    expect(parseJournal('j1', readFileSync(journalFile(), 'utf8'), root).state).toBe('restored');
    expect(await r.releaseLock('op-c2', { closeJournal: 'op-c2' })).toBe(true);
    expect(leftovers(at('c2'))).toEqual([]);
    expect(existsSync(journalFile())).toBe(false);
  });

  it('a rename that fails mid-way: the host puts the earlier ones back itself', async () => {
    seed('c3');
    const before = filesOf(await readTree(at('c3')));
    // The third konf rename (journal, a.conf, then new/deep/b.conf) finds a folder in its way.
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-c3'));
    await slow.arm({ hold: 3, delayMs: 0 });
    const writing = r.write(ops('c3'), { opId: 'op-c3', journal: header });
    writing.catch(() => undefined);
    await slow.held();
    mkdirSync(at('c3/new/deep/b.conf'));
    writeFileSync(at('c3/new/deep/b.conf/in-the-way'), 'x');
    await slow.release();
    const err = await writing.catch((e: unknown) => e);
    await slow.disarm();
    expect(err).toBeInstanceOf(JournaledWriteError);
    expect((err as JournaledWriteError).hostRestored).toBe(true);
    expect((err as Error).message).toMatch(/cannot write \/c3\/new\/deep\/b\.conf \(renaming it into place\).*the host put every file back/);
    rmSync(at('c3/new'), { recursive: true });
    expect(filesOf(await readTree(at('c3')))).toEqual(before);
    expect(await r.releaseLock('op-c3', { closeJournal: 'op-c3' })).toBe(true);
    expect(leftovers(at('c3'))).toEqual([]);
  });

  it('a connection cut between two renames: the script stops there and the host puts every file back', async () => {
    rmSync(at('c4'), { recursive: true, force: true });
    mkdirSync(at('c4'), { recursive: true });
    const files: WriteOp[] = [];
    // One folder per file: a folder's files are renamed by one mv, so each rename here is one call.
    for (let i = 0; i < 30; i++) {
      mkdirSync(at(`c4/d${i}`));
      writeFileSync(at(`c4/d${i}/f`), `old ${i}\n`);
      files.push({ action: 'file', path: `/c4/d${i}/f`, content: Buffer.from(`new ${i}\n`) });
    }
    const before = filesOf(await readTree(at('c4')));
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-c4'));
    // call 1 renames the journal into place, calls 2… the folders' files: hold at the 11th folder.
    await slow.arm({ hold: 12, delayMs: 20 });
    const writing = r.write(files, { opId: 'op-c4', journal: header });
    writing.catch(() => undefined);
    await slow.held();
    expect(fleet.cutConnections('j1')).toBeGreaterThan(0);
    await expect(writing).rejects.toThrow();
    // The held rename goes on; the script must notice the lost connection at its next step.
    await slow.release();
    const rec = await remoteFor(fleet, 'j1').recoverJournal({ expectOp: 'op-c4' });
    await slow.disarm();
    expect(rec.complete).toBe(true);
    // no rename after the cut: at most the held one happened, and it was put back
    expect(await slow.calls()).toBeLessThan(12 + 12 + 2);
    expect(filesOf(await readTree(at('c4')))).toEqual(before);
    expect(await remoteFor(fleet, 'j1').releaseLock('op-c4', { closeJournal: 'op-c4' })).toBe(true);
    expect(leftovers(at('c4'))).toEqual([]);
  });
  it('5,000 files in one journaled write: every file with its content and mode, every entry journaled, one mv per folder', async () => {
    rmSync(at('big'), { recursive: true, force: true });
    const files: WriteOp[] = [];
    for (let i = 0; i < 5000; i++) {
      const p = `/big/d${String(i % 50).padStart(2, '0')}/f${String(i).padStart(5, '0')}.conf`;
      files.push({ action: 'file', path: p, content: Buffer.from(`# file ${i}\n`.repeat(1 + (i % 7))), ...(i % 2 ? { mode: 0o640 } : {}) });
    }
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-big'));
    // Counts the renames of konf temps (the wrapper holds nothing here).
    await slow.arm({ delayMs: 0 });
    const reported: string[] = [];
    const result = await r.write(files, { opId: 'op-big', journal: header, onFile: (f) => reported.push(f.path) });
    const calls = await slow.calls();
    await slow.disarm();
    expect(result.files).toHaveLength(5000);
    expect(new Set(reported).size).toBe(5000);
    for (const [i, f] of files.entries()) {
      if (f.action !== 'file') continue;
      expect(readFileSync(at(f.path.slice(1))).equals(f.content), f.path).toBe(true);
      expect(statSync(at(f.path.slice(1))).mode & 0o7777, f.path).toBe(i % 2 ? 0o640 : 0o644);
    }
    // The journal's rename (1) and one mv per folder (50): not one per file.
    expect(calls).toBe(51);
    const j = parseJournal('j1', readFileSync(journalFile(), 'utf8'), root);
    expect(j.entries).toHaveLength(5000);
    expect(j.entries.every((e, i) => e.path === files[i]?.path && !e.existed)).toBe(true);
    expect(j.done).toEqual(files.map((_, i) => i));
    expect(j.state).toBe('swapped');
    expect(leftovers(at('big'))).toEqual([]);
    expect(await r.releaseLock('op-big', { closeJournal: 'op-big' })).toBe(true);
    expect(existsSync(journalFile())).toBe(false);
  }, 180_000);

  it('a connection cut mid-way through a 1,000-file batch (after 9 of 20 folders were renamed): the host puts every file back', async () => {
    rmSync(at('mid'), { recursive: true, force: true });
    const files: WriteOp[] = [];
    for (let i = 0; i < 1000; i++) {
      const rel = `mid/d${String(i % 20).padStart(2, '0')}/f${String(i).padStart(4, '0')}`;
      mkdirSync(path.dirname(at(rel)), { recursive: true });
      // Half exist (their old versions must come back), half are new (they must go).
      if (i % 2 === 0) writeFileSync(at(rel), `old ${i}\n`);
      files.push({ action: 'file', path: `/${rel}`, content: Buffer.from(`new ${i}\n`) });
    }
    const before = filesOf(await readTree(at('mid')));
    const r = remoteFor(fleet, 'j1');
    await r.acquireLock(lockReq('op-mid'));
    // call 1 renames the journal into place, calls 2… one folder each: hold at the 10th folder.
    await slow.arm({ hold: 11, delayMs: 0 });
    const writing = r.write(files, { opId: 'op-mid', journal: header });
    writing.catch(() => undefined);
    try {
      await slow.held();
      // Mid-way for real: the first folder's files are the new versions, the last folder's the old.
      expect(readFileSync(at('mid/d00/f0000'), 'utf8')).toBe('new 0\n');
      expect(readFileSync(at('mid/d18/f0018'), 'utf8')).toBe('old 18\n');
      expect(existsSync(at('mid/d19/f0019'))).toBe(false);
      expect(fleet.cutConnections('j1')).toBeGreaterThan(0);
      await expect(writing).rejects.toThrow();
    } finally {
      // Released and no longer counted (the wrapper's count is slow: one mkdir per earlier call).
      await slow.disarm();
    }
    const rec = await remoteFor(fleet, 'j1').recoverJournal({ expectOp: 'op-mid' });
    expect(rec.complete).toBe(true);
    expect(filesOf(await readTree(at('mid')))).toEqual(before);
    expect(await remoteFor(fleet, 'j1').releaseLock('op-mid', { closeJournal: 'op-mid' })).toBe(true);
    expect(leftovers(at('mid'))).toEqual([]);
    expect(existsSync(journalFile())).toBe(false);
  }, 180_000);
});
