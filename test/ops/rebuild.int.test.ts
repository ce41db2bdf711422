/**
 * `konf rebuild` end to end (issue 14) through the built CLI on a real OpenSSH fleet:
 * a wiped host comes back byte for byte from its snapshot (watched files, modes and
 * owners included) with its plan on top; a new empty host is rebuilt `--from` another
 * host's snapshot with its own switches; the rollback hooks run; a failing hook puts the
 * host back as it was (the deploy's transaction); bad input exits 2 with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';
import { filesOf, readTree } from '../helpers/tree.js';

async function put(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

async function wipe(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** uid/gid 1 (daemon on Debian): an owner other than the connecting user. */
const OTHER = 1;

describe('konf rebuild against a real fleet', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const root = (host: string) => fleet.host(host).root;
  const onHost = (host: string, p: string) => path.join(root(host), p);
  const hookLog = (host: string) => path.join(path.dirname(root(host)), 'hooks.log');

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1', 'web2', 'web9'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-rebuild-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    const etc = path.join(repo, 'etc');
    await put(path.join(etc, 'serverconfig/default'), 'workers=2\nkonf_watch="/etc/hostname /etc/watched.d/local.conf"\n');
    await put(path.join(etc, 'serverconfig/web1'), '');
    await put(path.join(etc, 'serverconfig/web2'), 'workers=3\n');
    await put(path.join(etc, 'files/etc/motd'), 'welcome\n');
    await put(path.join(etc, 'files/etc/app/app.conf.tmpl'), 'host={{ konf_host }}\nworkers={{ workers }}\n');
    await put(path.join(etc, 'files/etc/app/secret.conf'), 'token=abc\n');
    await mkdir(path.join(etc, 'files/etc/app/conf.d'), { recursive: true });
    await symlink('../app.conf', path.join(etc, 'files/etc/app/conf.d/main.conf'));
    await put(path.join(etc, 'permissions'), '/etc/app/secret.conf 0640 root daemon\n');
    const hook = '#!/bin/sh\necho "$KONF_PHASE $KONF_HOST $(echo "$KONF_CHANGED" | wc -l)" >> "$KONF_ROOT/../hooks.log"\nif [ -e "$KONF_ROOT/../fail-post" ] && [ "$KONF_PHASE" = post-rollback ]; then echo "post-rollback check failed" >&2; exit 1; fi\n';
    await put(path.join(repo, 'hooks/pre-rollback/10-log'), hook, 0o755);
    await put(path.join(repo, 'hooks/post-rollback/10-log'), hook, 0o755);
    await bindRepoToFleet(repo, fleet);
    await rm(path.join(etc, 'serverconfig/web9')); // the replacement host joins the inventory later
    const dep = await konf(['deploy', '--all', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    // Hand-kept state the plan does not write: watched files, and an owner no rule sets.
    await put(onHost('web1', 'etc/hostname'), 'web1\n', 0o644);
    await put(onHost('web1', 'etc/watched.d/local.conf'), 'local=1\n', 0o600);
    await chown(onHost('web1', 'etc/watched.d/local.conf'), OTHER, OTHER);
    await chown(onHost('web1', 'etc/motd'), OTHER, 0);
    await chmod(onHost('web1', 'etc/motd'), 0o664);
    const snap = await konf(['snapshot', 'web1', '-m', 'before the disk died']);
    expect(snap.code, snap.stdout + snap.stderr).toBe(0);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a wiped host comes back byte for byte from its snapshot, watched files, modes and owners included; the rollback hooks run', async () => {
    const before = filesOf(await readTree(root('web1')));
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['/etc/hostname', '/etc/watched.d/local.conf', '/etc/app/conf.d/main.conf']));
    await wipe(root('web1'));
    await rm(hookLog('web1'), { force: true });
    const res = await konf(['rebuild', 'web1', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/rebuild web1 from snapshot [0-9a-f]{10} \(manual, /);
    expect(res.stdout).toMatch(/new +\/etc\/watched\.d\/local\.conf/);
    expect(res.stdout).toMatch(/rebuilt 6 file\(s\)/);
    expect(filesOf(await readTree(root('web1')))).toEqual(before);
    expect((await readFile(hookLog('web1'), 'utf8')).trim().split('\n')).toEqual(['pre-rollback web1 6', 'post-rollback web1 6']);
    const history = JSON.parse((await konf(['history', 'web1', '--json'])).stdout) as { reason: string; message?: string }[];
    expect(history.map((h) => h.reason).slice(0, 2)).toEqual(['pre-rebuild', 'manual']);
    expect((await konf(['diff', 'web1'])).code).toBe(0);
    // Again: the pre-rebuild snapshot (of the wiped host) records no file and is passed over.
    const again = await konf(['rebuild', 'web1', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\(manual, /);
    expect(again.stdout).toContain('nothing to rebuild');
  });

  it('--from: a new empty host is rebuilt from the dead host snapshot with its own switches in the plan', async () => {
    await put(path.join(repo, 'etc/serverconfig/web9'), `workers=8\nkonf_root="${root('web9')}"\n`);
    expect(await readdir(root('web9'))).toEqual([]);
    const res = await konf(['rebuild', 'web9', '--from', 'web1', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/rebuild web9 from snapshot [0-9a-f]{10} of web1/);
    const web1 = filesOf(await readTree(root('web1')));
    const web9 = filesOf(await readTree(root('web9')));
    expect(Object.keys(web9).sort()).toEqual(Object.keys(web1).sort());
    for (const p of Object.keys(web1).filter((x) => x !== '/etc/app/app.conf')) expect(web9[p], p).toEqual(web1[p]);
    expect(await readFile(onHost('web9', 'etc/app/app.conf'), 'utf8')).toBe('host=web9\nworkers=8\n');
    expect(web9['/etc/watched.d/local.conf']).toMatchObject({ mode: '0600', uid: OTHER, gid: OTHER });
    expect((await konf(['diff', 'web9'])).code).toBe(0);
    const history = JSON.parse((await konf(['history', 'web9', '--json'])).stdout) as { reason: string }[];
    expect(history[0]?.reason).toBe('pre-rebuild');
  });

  it('a failing post-rollback hook puts the host back as it was before the rebuild (verified), exit 3', async () => {
    expect((await konf(['snapshot', 'web2'])).code).toBe(0);
    await wipe(root('web2'));
    await put(onHost('web2', 'etc/motd'), 'half a machine\n');
    const before = filesOf(await readTree(root('web2')));
    await writeFile(path.join(path.dirname(root('web2')), 'fail-post'), '');
    const res = await konf(['rebuild', 'web2', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(3);
    expect(res.stdout).toMatch(/post-rollback check failed/);
    expect(res.stdout).toMatch(/restored \(verified\)/);
    expect(filesOf(await readTree(root('web2')))).toEqual(before);
    await rm(path.join(path.dirname(root('web2')), 'fail-post'));
  });

  it('etc/validate runs as in a deploy: a failing file check refuses the rebuild before any rename, exit 3', async () => {
    expect((await konf(['snapshot', 'web2', '-m', 'for the validate check'])).code).toBe(0);
    await wipe(root('web2'));
    await put(onHost('web2', 'etc/motd'), 'half a machine\n');
    const before = filesOf(await readTree(root('web2')));
    const rules = path.join(repo, 'etc/validate');
    await writeFile(rules, '/etc/motd sh -c \'echo "motd rejected by the check" >&2; exit 1\' %s\n');
    try {
      const res = await konf(['rebuild', 'web2', '--yes']);
      expect(res.code, res.stdout + res.stderr).toBe(3);
      expect(res.stdout + res.stderr).toMatch(/motd rejected by the check/);
      expect(filesOf(await readTree(root('web2')))).toEqual(before);
    } finally {
      await rm(rules, { force: true });
    }
  });

  it('bad input exits 2 and writes nothing: unknown host, a --from host without snapshots, an unknown snapshot', async () => {
    const before = { web2: await readTree(root('web2'), []), state: filesOf(await readTree(state, [])) };
    for (const [args, message] of [
      [['rebuild', 'nosuch', '--yes'], /unknown host .*nosuch/],
      [['rebuild', 'web2', '--from', 'ghost', '--yes'], /no snapshots of ghost/],
      [['rebuild', 'web2', 'deadbeef', '--yes'], /no snapshot deadbeef for web2/],
      [['rebuild', 'web2', '--from', '../web1', '--yes'], /invalid host name/],
      [['rebuild', 'web2'], /needs confirmation/],
    ] as [string[], RegExp][]) {
      const res = await konf(args);
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(message);
      expect({ web2: await readTree(root('web2'), []), state: filesOf(await readTree(state, [])) }).toEqual(before);
    }
  });
});
