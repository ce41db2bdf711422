/** The streaming tar reader against archives GNU tar itself writes (the format read scripts stream). */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTar, TarReader, tarQuoted, type TarItem } from '../../../src/core/remote/tar.js';
import { spawnSync } from 'node:child_process';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('TarReader on GNU tar archives', () => {
  let dir: string;
  let archive: Buffer;
  const longName = `${'deep-folder-name/'.repeat(8)}${'a-very-long-file-name-'.repeat(6)}.conf`;
  const longTarget = `/${'t'.repeat(150)}/target`;
  const big = Buffer.alloc(300_000, 'big line\n');
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'konf-tar-'));
    const at = (p: string) => path.join(dir, p);
    mkdirSync(at(path.dirname(longName)), { recursive: true });
    writeFileSync(at(longName), 'long name\n');
    writeFileSync(at('small.conf'), 'hello\n');
    writeFileSync(at('empty'), '');
    writeFileSync(at('exact512'), Buffer.alloc(512, 'x'));
    writeFileSync(at('big.bin'), big);
    writeFileSync(at('ünïcode name'), 'utf8\n');
    symlinkSync('small.conf', at('link'));
    symlinkSync(longTarget, at('longlink'));
    execFileSync('mkfifo', [at('fifo')]);
    const names = [longName, 'small.conf', 'empty', 'exact512', 'big.bin', 'ünïcode name', 'link', 'longlink', 'fifo', '.', 'deep-folder-name'].map((n) => `./${n}`);
    archive = execFileSync('tar', ['-cf', '-', '-H', 'gnu', '--no-recursion', '--hard-dereference', '-C', dir, ...names], { maxBuffer: 1 << 26 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function check(items: TarItem[]): void {
    const by = new Map(items.map((i) => [i.name, i]));
    expect(items).toHaveLength(11);
    expect(by.get(longName)?.content?.toString()).toBe('long name\n');
    expect(by.get('small.conf')).toMatchObject({ size: 6, sha256: sha(Buffer.from('hello\n')), header: { type: 'file', mode: statSync(path.join(dir, 'small.conf')).mode & 0o7777 } });
    expect(by.get('empty')).toMatchObject({ size: 0, content: Buffer.alloc(0) });
    expect(by.get('exact512')?.content?.equals(Buffer.alloc(512, 'x'))).toBe(true);
    expect(by.get('big.bin')?.content?.equals(big)).toBe(true);
    expect(by.get('ünïcode name')?.content?.toString()).toBe('utf8\n');
    expect(by.get('link')?.header).toMatchObject({ type: 'symlink', linkname: 'small.conf' });
    expect(by.get('longlink')?.header).toMatchObject({ type: 'symlink', linkname: longTarget });
    expect(by.get('fifo')?.header.type).toBe('fifo');
    expect(by.get('')?.header.type).toBe('directory');
    expect(by.get('deep-folder-name')?.header.type).toBe('directory');
    const st = statSync(path.join(dir, 'small.conf'));
    expect(by.get('small.conf')?.header).toMatchObject({ uid: st.uid, gid: st.gid });
    expect(by.get('small.conf')?.header.uname).not.toBe('');
  }

  it('reads every member, whatever the chunk sizes', async () => {
    check(await parseTar(archive));
    for (const size of [1, 7, 511, 512, 513, 4096, 65_536]) {
      const reader = new TarReader({ largeBytes: Number.POSITIVE_INFINITY, large: 'hash' });
      for (let o = 0; o < archive.length; o += size) await reader.push(archive.subarray(o, o + size));
      check(await reader.end());
    }
  });

  it('hashes large members without keeping them, or spools them', async () => {
    const hashed = await parseTar(archive, { largeBytes: 100_000, large: 'hash' });
    const bigItem = hashed.find((i) => i.name === 'big.bin');
    expect(bigItem).toMatchObject({ size: big.length, sha256: sha(big) });
    expect(bigItem?.content).toBeUndefined();
    expect(hashed.find((i) => i.name === 'small.conf')?.content?.toString()).toBe('hello\n');
    const spooled = await parseTar(archive, { largeBytes: 100_000, large: 'spool' });
    const file = spooled.find((i) => i.name === 'big.bin')?.spool as string;
    expect(readFileSync(file).equals(big)).toBe(true);
  });

  it('rejects a damaged or truncated archive', async () => {
    const damaged = Buffer.from(archive);
    damaged[1024 + 10] = (damaged[1024 + 10] as number) ^ 0xff;
    await expect(parseTar(damaged)).rejects.toThrow(/checksum/);
    await expect(parseTar(archive.subarray(0, 1500))).rejects.toThrow(/ends in the middle/);
    expect(await parseTar(Buffer.alloc(0))).toEqual([]);
  });
});

describe("tarQuoted: names as GNU tar's messages write them", () => {
  it("matches tar's own message for every kind of odd name (so a missing file is found by its message)", () => {
    const odd = ['a\nb', 'back\\slash', 'tab\there', 'é accent', 'colon: space', 'colon:x', 'ctl\u0001x', 'del\u007fx', "q\"u'o", '-lead', 'dash -C x', 'bell\u0007 cr\r v\u000b f\u000c b\u0008 esc\u001b', 'ques??=x', '日本'];
    const names = odd.map((n) => `./no-such-dir-konf/${n}`);
    const r = spawnSync('tar', ['-cf', '/dev/null', '--no-recursion', '--null', '-T', '-'], { input: names.map((n) => `${n}\0`).join(''), env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
    const lines = r.stderr.split('\n').filter((l) => l.endsWith(': Cannot stat: No such file or directory'));
    expect(lines).toEqual(names.map((n) => `tar: ${tarQuoted(n)}: Cannot stat: No such file or directory`));
  });
});
