/**
 * The deployed record (issue 15) is read with the files in one round trip; a diff reads
 * with `large: 'hash'` (issue 16), which keeps no bytes of a file over 8 MiB. The record is
 * still read whole, however large it grows: a record read as "none" would judge drift
 * wrongly. Over a local `sh -c` channel with the real GNU tar (no sshd needed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RemoteHost } from '../../../src/core/remote/remoteHost.js';
import type { ExecChannel } from '../../../src/core/remote/types.js';
import { LARGE_FILE_BYTES } from '../../../src/core/remote/types.js';
import { readHost } from '../../../src/core/ops/hostState.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function localChannel(counter: { execs: number } = { execs: 0 }): ExecChannel {
  return {
    host: 'local',
    exec: (command, o = {}) =>
      new Promise((resolve, reject) => {
        counter.execs++;
        const child = spawn('sh', ['-c', command]);
        child.stdout.on('data', (d: Buffer) => {
          // Backpressure like the real channels: paused until the reader took the chunk.
          const wait = o.onStdout?.(d);
          if (wait instanceof Promise) {
            child.stdout.pause();
            void wait.then(() => child.stdout.resume());
          }
        });
        child.stderr.on('data', (d: Buffer) => o.onStderr?.(d));
        child.stdin.on('error', () => undefined);
        child.once('error', reject);
        child.once('close', (code, signal) => resolve(signal ? { code: null, signal } : { code }));
        child.stdin.end(o.stdin ?? '');
      }),
  };
}

describe('readHost: the deployed record beside the files', () => {
  let dir: string;
  let root: string;
  const big = Buffer.alloc(LARGE_FILE_BYTES + 1024, 'b');
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'konf-record-read-'));
    root = path.join(dir, 'root');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    mkdirSync(path.join(root, 'var/lib/konf'), { recursive: true });
    writeFileSync(path.join(root, 'etc/big.bin'), big);
    writeFileSync(path.join(root, 'etc/a.conf'), 'a\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const writeRecord = (pad: number) => {
    const doc = {
      v: 1,
      host: 'local',
      op: 'op-1',
      operator: 'tester',
      files: { '/etc/a.conf': { sha256: sha('a\n'), mode: '0644', created: true }, '/etc/big.bin': { sha256: sha(big), mode: '0644', created: false } },
      // Another jump host's future field, or just many files: only the size matters here.
      note: 'x'.repeat(pad),
    };
    writeFileSync(path.join(root, 'var/lib/konf/deployed.json'), JSON.stringify(doc), { mode: 0o600 });
  };

  for (const large of ['hash', 'spool'] as const) {
    it(`a record over ${LARGE_FILE_BYTES} bytes is read whole with large: '${large}' (the large file itself only hashed${large === 'spool' ? ' and spooled' : ''})`, async () => {
      writeRecord(LARGE_FILE_BYTES + 10);
      const remote = new RemoteHost(localChannel(), { host: 'local', root, become: '' });
      const read = await readHost(remote, ['/etc/a.conf', '/etc/big.bin'], undefined, large);
      expect(read.record).toEqual({
        '/etc/a.conf': { sha256: sha('a\n'), mode: 0o644, created: true },
        '/etc/big.bin': { sha256: sha(big), mode: 0o644, created: false },
      });
      const bigEntry = read.live[1];
      expect(bigEntry).toMatchObject({ path: '/etc/big.bin', state: 'file', size: big.length, sha256: sha(big) });
      expect(bigEntry?.state === 'file' ? bigEntry.content : 'not a file').toBeUndefined();
      expect(read.live[0]).toMatchObject({ path: '/etc/a.conf', state: 'file', content: Buffer.from('a\n') });
    });
  }

  it('a small record is read in the same round trip as the files', async () => {
    writeRecord(10);
    const counter = { execs: 0 };
    const remote = new RemoteHost(localChannel(counter), { host: 'local', root, become: '' });
    const read = await readHost(remote, ['/etc/a.conf'], undefined, 'hash');
    expect(read.record?.['/etc/a.conf']).toEqual({ sha256: sha('a\n'), mode: 0o644, created: true });
    expect(read.journal).toBe(false);
    expect(read.lock).toBeUndefined();
    expect(counter.execs).toBe(1);
  });
});
