/**
 * A deploy writes the repository as it is (issue 10, item 1), through the built CLI on a
 * real host: hooks are read when they run (a hook replaced during a deploy runs in its
 * new version), and a repository that changes while a deploy runs stops the host before
 * its first write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, KONF_MAIN } from '../helpers/konfBin.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

describe('a deploy writes the repository as it is', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const root = () => fleet.host('app1').root;

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['app1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-fresh-repo-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), '');
    await put(path.join(repo, 'etc/serverconfig/app1'), '');
    await put(path.join(repo, 'etc/files/etc/app.conf'), 'version 1\n');
    // The pre-deploy hook says it started, then waits while $KONF_ROOT/hold exists.
    await put(path.join(repo, 'hooks/pre-deploy/10-wait'), '#!/bin/sh\n: > "$KONF_ROOT/pre-started"\nwhile [ -f "$KONF_ROOT/hold" ]; do sleep 0.05; done\n', 0o755);
    await put(path.join(repo, 'hooks/post-deploy/10-say'), '#!/bin/sh\necho "old post hook"\n', 0o755);
    await bindRepoToFleet(repo, fleet);
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Runs `konf deploy app1 --yes`, calling `during` once the pre-deploy hook is running (inotify), then releasing it. */
  async function deployWith(during: () => Promise<void>): Promise<{ code: number | null; out: string }> {
    await rm(path.join(root(), 'pre-started'), { force: true });
    await put(path.join(root(), 'hold'), 'x');
    let started!: () => void;
    const preStarted = new Promise<void>((resolve) => (started = resolve));
    const watcher = watch(root(), (_event, name) => {
      if (name === 'pre-started') started();
    });
    const child = spawn(process.execPath, [KONF_MAIN, '--repo', repo, '--state', state, 'deploy', 'app1', '--yes'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await Promise.race([preStarted, done.then(() => Promise.reject(new Error(`konf ended first:\n${out}`)))]);
    } finally {
      watcher.close();
    }
    await during();
    await rm(path.join(root(), 'hold'), { force: true });
    return { code: await done, out };
  }

  it('a hook replaced during the deploy runs in its new version', async () => {
    await put(path.join(root(), 'etc/app.conf'), 'version 0\n');
    const res = await deployWith(() => put(path.join(repo, 'hooks/post-deploy/10-say'), '#!/bin/sh\necho "new post hook"\n', 0o755));
    expect(res.code, res.out).toBe(0);
    expect(res.out).toContain('new post hook');
    expect(res.out).not.toContain('old post hook');
  });

  it('the repository changed while the deploy ran: the host stops before its first write', async () => {
    await put(path.join(root(), 'etc/app.conf'), 'version 0\n');
    const res = await deployWith(() => put(path.join(repo, 'etc/files/etc/app.conf'), 'version 2\n'));
    expect(res.code, res.out).toBe(3);
    expect(res.out).toMatch(/app1 +✗ app1: the repository changed while this deploy ran; nothing was written \(run it again\)/);
    expect(await readFile(path.join(root(), 'etc/app.conf'), 'utf8')).toBe('version 0\n');
    expect(existsSync(path.join(root(), 'var/lib/konf/lock'))).toBe(false);
  });
});
