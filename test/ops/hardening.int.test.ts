/**
 * Issue 11 through the built CLI, against a real OpenSSH fleet and a real git store: what
 * the hostile review saw, each as the admin would meet it. Unit tests beside the code
 * cover each rule in depth (test/core/fleet/templateSafety, repoSymlinks, reservedPaths,
 * planSecrets; test/core/remote/readRoot, runIsolation; test/core/ssh/knownHosts, connect;
 * test/core/store/damage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { konf as runKonf } from '../helpers/konfInProcess.js';
import { loosen } from '../core/store/helpers.js';

async function put(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

const TOKEN = 'tok-1f2e3d4c5b6a';

describe('issue 11 through the CLI', () => {
  let fleet: TestFleet;
  let tmp: string;
  let base: string;
  let n = 0;
  const root = () => fleet.host('web1').root;

  /** A fresh copy of the base repository (plus changes) and a fresh state folder. */
  async function repoWith(files: Record<string, string | { symlink: string } | { content: string; mode: number }> = {}): Promise<{ repo: string; state: string; konf: typeof runKonf }> {
    const dir = path.join(tmp, `case${++n}`);
    const repo = path.join(dir, 'repo');
    await cp(base, repo, { recursive: true, verbatimSymlinks: true });
    for (const [rel, entry] of Object.entries(files)) {
      const abs = path.join(repo, rel);
      await mkdir(path.dirname(abs), { recursive: true });
      if (typeof entry === 'string') await writeFile(abs, entry);
      else if ('symlink' in entry) await symlink(entry.symlink, abs);
      else await put(abs, entry.content, entry.mode);
    }
    const state = path.join(dir, 'state');
    return { repo, state, konf: (args, opts) => runKonf(['--repo', repo, '--state', state, ...args], opts) };
  }

  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['web1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-hardening-'));
    base = path.join(tmp, 'base');
    await put(path.join(base, 'etc/serverconfig/default'), `greeting="hello"\napi_token="${TOKEN}"\n`);
    await put(path.join(base, 'etc/serverconfig/web1'), '');
    await put(path.join(base, 'etc/files/etc/motd.tmpl'), '{{ greeting }} from {{ konf_host }}\n');
    await put(path.join(base, 'etc/files/etc/app/app.conf'), 'port=80\n');
    await bindRepoToFleet(base, fleet);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('item 1: a template that reaches for JavaScript is an exit-2 error naming file:line; nothing leaks', async () => {
    const home = process.env.HOME ?? '/root';
    const { konf } = await repoWith({ 'etc/files/etc/evil.conf.tmpl': 'x\n{{ range.constructor("return process.env.HOME")() }}\n' });
    for (const cmd of [['show', 'web1'], ['diff', 'web1']]) {
      const r = await konf(cmd);
      expect(r.code, `konf ${cmd.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/etc\/files\/etc\/evil\.conf\.tmpl:2:\d+: template error: `constructor` is not allowed in templates/);
      expect(r.stdout).not.toContain(home);
    }
  });

  it('item 2: diff and the pre-deploy snapshot never hold a file read through a symlinked parent out of the root', async () => {
    const outside = path.join(path.dirname(root()), 'outside-app');
    await put(path.join(outside, 'app.conf'), 'outside secret\n');
    await rm(path.join(root(), 'etc/app'), { recursive: true, force: true });
    await mkdir(path.join(root(), 'etc'), { recursive: true });
    await symlink(outside, path.join(root(), 'etc/app'));
    try {
      const { konf, state } = await repoWith();
      const diff = await konf(['diff', 'web1']);
      expect(diff.code, diff.stderr).toBe(1); // /etc/motd is pending
      expect(diff.stdout).toMatch(/\/etc\/app\/app\.conf.*refused: its folder resolves outside konf_root/);
      expect(diff.stdout).not.toContain('outside secret');
      const deploy = await konf(['deploy', 'web1', '--yes']);
      expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
      const history = execFileSync('git', ['--git-dir', path.join(state, 'store'), 'log', '-p', 'refs/konf/hosts/web1'], { encoding: 'utf8' });
      expect(history).toContain('pre-deploy');
      expect(history).not.toContain('outside secret');
      expect(await readFile(path.join(outside, 'app.conf'), 'utf8')).toBe('outside secret\n');
    } finally {
      await rm(path.join(root(), 'etc/app'), { force: true });
    }
  });

  it('item 3: a hook that is a symlink out of the repository is refused (exit 2) by show and deploy; it never runs', async () => {
    const marker = path.join(tmp, 'evil-ran');
    const evil = path.join(tmp, 'evil.sh');
    await put(evil, `#!/bin/sh\ntouch ${marker}\n`, 0o755);
    const { konf } = await repoWith({ 'hooks/post-deploy/10-evil': { symlink: evil }, 'etc/files/etc/new.conf': 'x\n' });
    for (const cmd of [['show', 'web1'], ['deploy', 'web1', '--yes']]) {
      const r = await konf(cmd);
      expect(r.code, `konf ${cmd.join(' ')}`).toBe(2);
      expect(r.stderr).toMatch(/hooks\/post-deploy\/10-evil: resolves outside the fleet repository .* through a symlink: refused/);
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(path.join(root(), 'etc/new.conf'))).toBe(false);
  });

  it("item 4: a repo file over konf's lock or in its temp-name space is refused in the plan (exit 2); the host is not locked after", async () => {
    const lock = path.join(root(), 'var/lib/konf/lock');
    for (const [rel, content] of [
      ['etc/files/var/lib/konf/lock', '{"operator":"mallory","jumpHost":"evil","pid":1,"operation":"deploy","opId":"x","since":"now"}\n'],
      ['etc/files/etc/.konf-tmp-1-0-app.conf', 'x\n'],
    ] as const) {
      const { konf } = await repoWith({ [rel]: content });
      const r = await konf(['deploy', 'web1', '--yes']);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`${rel}: target path`);
      expect(r.stderr).toMatch(/is reserved for konf on the host/);
    }
    expect(existsSync(lock)).toBe(false);
    const { konf } = await repoWith({ 'etc/files/etc/after.conf': 'ok\n' });
    const ok = await konf(['deploy', 'web1', '--yes']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false); // released
  });

  it('item 6: a changed host key is refused under StrictHostKeyChecking no (exit 3), nothing is written', async () => {
    const wrong = path.join(tmp, 'known_hosts.changed');
    const other = execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(tmp, 'other-key')]) && (await readFile(path.join(tmp, 'other-key.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(wrong, `[127.0.0.1]:${fleet.host('web1').port} ${other}\n`);
    const { konf, repo } = await repoWith({ 'etc/files/etc/keyed.conf': 'x\n' });
    const cfg = path.join(repo, 'etc/ssh_config');
    await writeFile(cfg, `Host web1\n  UserKnownHostsFile ${wrong}\n  StrictHostKeyChecking no\n\n${await readFile(cfg, 'utf8')}`);
    const r = await konf(['deploy', 'web1', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED!/);
    expect(out).toContain(`ssh-keygen -f '${wrong}' -R '[127.0.0.1]:${fleet.host('web1').port}'`);
    expect(out).toMatch(/konf refuses a changed host key whatever StrictHostKeyChecking says \(it is no here\)/);
    expect(existsSync(path.join(root(), 'etc/keyed.conf'))).toBe(false);
  });

  it('item 8: a secret in konf.fail is masked in the error', async () => {
    const { konf } = await repoWith({ 'etc/files/etc/fail.conf.tmpl': '{{ konf.fail("cannot use token " + api_token) }}\n' });
    for (const cmd of [['diff', 'web1'], ['deploy', 'web1', '--yes'], ['show', 'web1']]) {
      const r = await konf(cmd);
      expect(r.code, `konf ${cmd.join(' ')}`).toBe(2);
      expect(r.stderr).toContain('template error: cannot use token ********');
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
    }
  });

  it('item 9: a damaged snapshot store: rollback and history exit 3 with what is wrong; the host is untouched', async () => {
    const { konf, state } = await repoWith({ 'etc/files/etc/app/app.conf': 'port=8080\n' });
    await put(path.join(root(), 'etc/app/app.conf'), 'port=80\n');
    const deploy = await konf(['deploy', 'web1', '--yes']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    const gitDir = path.join(state, 'store');
    // Snapshots are written as packs; this damages single loose objects (as a fetch leaves them).
    await loosen(gitDir);
    const git = (...args: string[]) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' }).trim();
    const snap = git('rev-parse', 'refs/konf/hosts/web1');
    const blob = git('rev-parse', `${snap}:hosts/web1/files/etc/app/app.conf`);
    const objectFile = path.join(gitDir, 'objects', blob.slice(0, 2), blob.slice(2));
    const saved = await readFile(objectFile);

    await rm(objectFile);
    const missing = await konf(['rollback', 'web1', '--yes']);
    expect(missing.code, missing.stdout + missing.stderr).toBe(3);
    expect(missing.stderr).toMatch(new RegExp(`web1: snapshot store damaged: snapshot ${snap.slice(0, 12)} of web1: /etc/app/app\\.conf is missing \\(object ${blob.slice(0, 12)}\\); check it with: git --git-dir ${gitDir} fsck`));

    await put(objectFile, Buffer.concat([saved.subarray(0, 5), Buffer.from('garbage')]));
    const corrupt = await konf(['rollback', 'web1', '--yes']);
    expect(corrupt.code).toBe(3);
    expect(corrupt.stderr).toMatch(/\/etc\/app\/app\.conf is corrupt \(object/);
    expect(corrupt.stderr).not.toMatch(/internal error/);

    await rm(path.join(gitDir, 'objects', snap.slice(0, 2), snap.slice(2)));
    const history = await konf(['history', 'web1']);
    expect(history.code, history.stdout + history.stderr).toBe(3);
    expect(history.stderr).toMatch(/web1: snapshot store damaged: the history of web1 \(refs\/konf\/hosts\/web1\) cannot be read/);

    expect(await readFile(path.join(root(), 'etc/app/app.conf'), 'utf8')).toBe('port=8080\n');
  });

  it('item 10: deploy says, as a warning event, that a non-executable hook was not run (human and --json)', async () => {
    const ran = path.join(tmp, 'noexec-ran');
    const { konf } = await repoWith({ 'hooks/pre-deploy/20-noexec': { content: `#!/bin/sh\ntouch ${ran}\n`, mode: 0o644 }, 'etc/files/etc/hooked.conf': 'one\n' });
    const human = await konf(['deploy', 'web1', '--yes']);
    expect(human.code, human.stdout + human.stderr).toBe(0);
    expect(human.stdout).toMatch(/web1\s+pre-deploy hook 20-noexec not run: hooks\/pre-deploy\/20-noexec is not executable \(chmod \+x hooks\/pre-deploy\/20-noexec to enable it\)/);

    await put(path.join(root(), 'etc/hooked.conf'), 'drifted\n');
    const json = await konf(['deploy', 'web1', '--yes', '--json']);
    expect(json.code, json.stdout + json.stderr).toBe(0);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'log', host: 'web1', phase: 'pre-deploy', level: 'warn', text: expect.stringMatching(/^pre-deploy hook 20-noexec not run: .* is not executable/) }),
    );
    expect(existsSync(ran)).toBe(false);
  });
});
