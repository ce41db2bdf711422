/**
 * A write of thousands of files on a host whose command lines are short. Linux gives a
 * command line (arguments and environment) a quarter of the stack limit, never less than
 * 128 KiB: this sshd runs every command under `ulimit -s 1024` (a ForceCommand wrapper:
 * 256 KiB; a smaller stack makes dash itself crash on a script this size), so any host
 * program handed every file's name at once (stat, chown, chmod, ln, sha256sum…) fails with
 * "Argument list too long" past ~1,700 long names — as it would past ~14,000 on a stock
 * host. konf hands them over in runs that fit (ARG_BUDGET).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import type { WriteOp } from '../../../src/core/remote/types.js';
import { remoteFor } from '../../helpers/channel.js';

const header = { kind: 'deploy', snapshot: 'abc123', operator: 'alice', jumpHost: 'jump1', since: '2026-01-02T03:04:05.000Z' };
const lockReq = (opId: string) => ({ operator: 'alice', jumpHost: 'jump1', pid: 4242, operation: 'deploy', opId });

const COUNT = 3000;
/** Long names: 3,000 of them are ~450 KB of staging paths, far more than this host takes on one command line. */
const name = (i: number) => `/wide/service-${'x'.repeat(56)}-${String(i).padStart(5, '0')}.conf`;

describe('a write of 3,000 long-named files on a host with 256 KiB command lines (real sshd, ulimit -s 1024)', () => {
  let fleet: TestFleet;
  let tmp: string;
  let root: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-argmax-'));
    const wrapper = path.join(tmp, 'short-lines.sh');
    await writeFile(wrapper, '#!/bin/sh\nulimit -s 1024 || exit 99\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n', { mode: 0o755 });
    fleet = await startTestFleet({ hosts: ['a1'], extraSshdConfig: [`ForceCommand ${wrapper}`] });
    root = fleet.host('a1').root;
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const files = (round: number): WriteOp[] =>
    Array.from({ length: COUNT }, (_, i) => ({ action: 'file' as const, path: name(i), content: Buffer.from(`round=${round}\nindex=${i}\n`), ...(i % 3 === 0 ? { mode: 0o640 } : {}) }));

  const expectWritten = (ops: WriteOp[]) => {
    for (const [i, f] of ops.entries()) {
      if (f.action !== 'file') continue;
      const at = path.join(root, f.path);
      expect(readFileSync(at).equals(f.content), f.path).toBe(true);
      expect(statSync(at).mode & 0o7777, f.path).toBe(i % 3 === 0 ? 0o640 : 0o644);
    }
    expect(readdirSync(path.join(root, 'wide')).filter((n) => n.startsWith('.konf-tmp-'))).toEqual([]);
  };

  it('the host really takes no more than 256 KiB of arguments (the rest of this file depends on it)', async () => {
    const r = await fleet.ssh('a1', 'getconf ARG_MAX; /bin/true "$(head -c 300000 /dev/zero | tr "\\0" x)" || echo too-long');
    expect(r.stdout.toString().trim().split('\n')).toEqual(['262144', 'too-long']);
  });

  it('new files: every one written with its content and mode, nothing left behind (journaled)', async () => {
    const r = remoteFor(fleet, 'a1');
    const ops = files(1);
    await r.acquireLock(lockReq('op-new'));
    const result = await r.write(ops, { opId: 'op-new', journal: header });
    expect(result.files).toHaveLength(COUNT);
    expect(await r.releaseLock('op-new', { closeJournal: 'op-new' })).toBe(true);
    expectWritten(ops);
  }, 120_000);

  it('every file changed in one trip: the check of what was read, the backups and the renames all fit', async () => {
    const r = remoteFor(fleet, 'a1');
    const ops = files(2);
    const read = await r.readState(ops.map((o) => o.path));
    const result = await r.write(ops, { opId: 'op-change', journal: header, oneTrip: { lock: lockReq('op-change'), unchangedSince: read } });
    expect(result.files).toHaveLength(COUNT);
    // The one-trip write was taken (its check of the read states passed) and released the lock.
    expect(result).toMatchObject({ released: true });
    expectWritten(ops);
  }, 120_000);
});
