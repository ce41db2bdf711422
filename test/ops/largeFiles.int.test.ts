/**
 * Files over LARGE_FILE_BYTES, end to end through the built CLI on a real sshd and a real
 * git store: the diff compares them by size and SHA-256, the deploy snapshots the old
 * bytes (streamed through a spool file) and writes the new ones, the rollback brings the
 * old bytes back exactly. Plus the remote layer: hashed, not held; spooled privately.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LARGE_FILE_BYTES } from '../../src/core/remote/types.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { remoteFor } from '../helpers/channel.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Text-like content (a large text file must not be line-diffed either) of `size` bytes. */
function bigText(size: number, seed: string): Buffer {
  const line = Buffer.from(`${seed} ${'x'.repeat(70)}\n`);
  const out = Buffer.alloc(size);
  for (let o = 0; o < size; o += line.length) line.copy(out, o);
  return out;
}

describe(`files over ${LARGE_FILE_BYTES / 1024 / 1024} MiB`, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const size = LARGE_FILE_BYTES + 1024 * 1024;
  const desired = bigText(size, 'desired');
  const old = bigText(size + 7, 'old live');
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['big1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-large-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
    await mkdir(path.join(repo, 'etc/files/srv'), { recursive: true });
    await writeFile(path.join(repo, 'etc/serverconfig/default'), '');
    await writeFile(path.join(repo, 'etc/files/srv/data.txt'), desired);
    await writeFile(path.join(repo, 'etc/files/srv/small.conf'), 'small\n');
    await bindRepoToFleet(repo, fleet);
    await mkdir(path.join(fleet.host('big1').root, 'srv'), { recursive: true });
    await writeFile(path.join(fleet.host('big1').root, 'srv/data.txt'), old);
    await writeFile(path.join(fleet.host('big1').root, 'srv/small.conf'), 'small\n');
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the read hashes a large file without holding it, or spools it to a private file', async () => {
    const remote = remoteFor(fleet, 'big1');
    const [hashed] = await remote.readState(['/srv/data.txt'], { large: 'hash' });
    expect(hashed).toMatchObject({ state: 'file', size: old.length, sha256: sha(old) });
    expect(hashed?.state === 'file' && hashed.content).toBeUndefined();
    expect(hashed?.state === 'file' && hashed.spool).toBeUndefined();
    const [spooled, small] = await remote.readState(['/srv/data.txt', '/srv/small.conf']);
    expect(spooled).toMatchObject({ state: 'file', size: old.length, sha256: sha(old) });
    const file = spooled?.state === 'file' ? (spooled.spool as string) : '';
    expect((await readFile(file)).equals(old)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(small).toMatchObject({ state: 'file', content: Buffer.from('small\n') });
  });

  it('diff compares by size and SHA-256; deploy snapshots the old bytes and writes the new; rollback restores them', async () => {
    const d = await konf(['diff', 'big1', '--json']);
    expect(d.code).toBe(1);
    const out = JSON.parse(d.stdout) as { hosts: { files: { path: string; kind: string; binary?: Record<string, unknown>; unified?: string }[] }[] };
    const change = out.hosts[0]?.files.find((f) => f.path === '/srv/data.txt');
    expect(change).toMatchObject({ kind: 'binary', binary: { fromSize: old.length, fromSha: sha(old), toSize: desired.length, toSha: sha(desired) } });
    expect(change?.unified).toBeUndefined();
    const text = await konf(['diff', 'big1']);
    expect(text.stdout).toContain('compared by size and SHA-256, contents not shown');

    const dep = await konf(['deploy', 'big1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect((await readFile(path.join(fleet.host('big1').root, 'srv/data.txt'))).equals(desired)).toBe(true);
    expect((await konf(['diff', 'big1'])).code).toBe(0);

    const rb = await konf(['rollback', 'big1', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect((await readFile(path.join(fleet.host('big1').root, 'srv/data.txt'))).equals(old)).toBe(true);
    // The streamed blob is an ordinary git object: git itself checks it.
    const store = path.join(state, 'store');
    expect(existsSync(store)).toBe(true);
    expect(execFileSync('git', ['--git-dir', store, 'fsck', '--strict', '--no-dangling', '--no-progress'], { encoding: 'utf8' })).toBe('');
    const hist = JSON.parse((await konf(['history', 'big1', '--json'])).stdout) as { id: string; reason: string }[];
    const preDeploy = hist.find((h) => h.reason === 'pre-deploy');
    const blob = execFileSync('git', ['--git-dir', store, 'cat-file', 'blob', `${preDeploy?.id}:hosts/big1/files/srv/data.txt`], { maxBuffer: 64 * 1024 * 1024 });
    expect(blob.equals(old)).toBe(true);
  });
});
