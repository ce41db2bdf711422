/**
 * A deploy to several hosts records their pre-deploy snapshots as packs (one per batch of
 * snapshots recorded together, store/packWriter.ts), not one loose object file each: git
 * reads the store (fsck --strict), every host has its snapshot, a later deploy writes only
 * the new contents, and a rollback puts a host back from the packed snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { konf as runKonf } from '../helpers/konfInProcess.js';

const HOSTS = ['web1', 'web2', 'web3', 'web4'];

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

describe('pre-deploy snapshots of many hosts go to the store as packs (real sshd, real git)', () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const gitDir = () => path.join(state, 'store');
  const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir(), ...args], { encoding: 'utf8' }).trim();
  const packs = async () => (await readdir(path.join(gitDir(), 'objects', 'pack'))).filter((f) => f.endsWith('.pack')).sort();
  const looseDirs = async () => (await readdir(path.join(gitDir(), 'objects'))).filter((d) => /^[0-9a-f]{2}$/.test(d));

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-snappacks-'));
    fleet = await startTestFleet({ hosts: HOSTS });
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'workers=2\n');
    for (const h of HOSTS) await put(path.join(repo, `etc/serverconfig/${h}`), `name=${h}\n`);
    await put(path.join(repo, 'etc/files/etc/app/app.conf.tmpl'), 'name={{ name }} workers={{ workers }}\n');
    for (let i = 0; i < 10; i++) await put(path.join(repo, `etc/files/etc/app/conf.d/f${i}.conf`), `f${i}=1\n`);
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await bindRepoToFleet(repo, fleet);
    for (const h of HOSTS) await put(path.join(fleet.host(h).root, 'etc/motd'), `old motd of ${h}\n`, 0o644);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('deploy --all: a pack per batch, no loose object, fsck clean; a redeploy packs only what is new; rollback restores from the pack', async () => {
    const dep = await konf(['deploy', '--all', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    const first = await packs();
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(first.length).toBeLessThanOrEqual(HOSTS.length);
    expect(await looseDirs()).toEqual([]);
    expect(git('fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');
    for (const h of HOSTS) {
      const snap = git('rev-parse', `refs/konf/hosts/${h}`);
      expect(git('cat-file', 'blob', `${snap}:hosts/${h}/files/etc/motd`)).toBe(`old motd of ${h}`);
      expect(git('log', '--format=%s', `refs/konf/hosts/${h}`)).toMatch(/pre-deploy/);
    }

    // A hand edit on web2, deployed over: its snapshot records the deployed contents (new to
    // the store: the first one found those files absent). Then another edit: this time only
    // web2's few new objects go into the new pack, not every file again.
    await put(path.join(fleet.host('web2').root, 'etc/app/conf.d/f3.conf'), 'edited by hand\n');
    expect((await konf(['deploy', '--all', '--yes'])).code).toBe(0);
    const second = await packs();
    await put(path.join(fleet.host('web2').root, 'etc/app/conf.d/f5.conf'), 'edited again\n');
    const again = await konf(['deploy', '--all', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const added = (await packs()).filter((p) => !second.includes(p));
    expect(added).toHaveLength(1);
    const ids = git('verify-pack', '-v', path.join(gitDir(), 'objects', 'pack', added[0] as string))
      .split('\n')
      .filter((l) => /^[0-9a-f]{40} (blob|tree|commit) /.test(l))
      .map((l) => l.slice(0, 40));
    // The commit, its 7 trees (root, hosts, web2, files, etc, app, conf.d), the manifest, the
    // edited f5 and f3 as deployed last time (its snapshot before held the hand edit): 11 of 22.
    expect(ids.length).toBe(11);
    expect(ids).toContain(git('rev-parse', 'refs/konf/hosts/web2:hosts/web2/files/etc/app/conf.d/f5.conf'));
    expect(ids).not.toContain(git('rev-parse', 'refs/konf/hosts/web2:hosts/web2/files/etc/app/conf.d/f0.conf'));
    expect(git('fsck', '--strict', '--no-dangling', '--no-progress')).toBe('');

    const rb = await konf(['rollback', 'web2', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(await readFile(path.join(fleet.host('web2').root, 'etc/app/conf.d/f5.conf'), 'utf8')).toBe('edited again\n');
    expect(await readFile(path.join(fleet.host('web2').root, 'etc/app/conf.d/f3.conf'), 'utf8')).toBe('f3=1\n');
  });
});
