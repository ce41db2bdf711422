/**
 * `konf adopt` and `konf deploy --only` on a terminal (tmux) against real hosts: a
 * template's drift offers to edit the template in $EDITOR (then re-plans: the host in
 * sync, the other hosts' diffs shown, `--commit` commits the template) or to keep the
 * file on this host; a captured file offers every host or this host only; the deploy
 * confirmation for `--only` lists exactly the file it writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, KONF_MAIN, konf as runKonf, PROJECT } from '../helpers/konfBin.js';
import { ciVariables, shWord, tmuxAvailable, withTmux } from '../helpers/tmux.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

describe.skipIf(!tmuxAvailable())('konf adopt asks on a terminal', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const gitEnv = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.net', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.net' };
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  const onHost = (host: string, p: string) => path.join(fleet.host(host).root, p);
  const command = (args: string) => `${shWord(process.execPath)} ${shWord(KONF_MAIN)} --repo ${shWord(repo)} --state ${shWord(state)} ${args}; echo "exit=$?"`;
  const tmuxOptions = () => ({
    columns: 120,
    rows: 50,
    cwd: PROJECT,
    unset: ciVariables(),
    env: { NO_COLOR: '1', PS1: 'konf-test$ ', KONF_CONFIG_DIR: path.join(tmp, 'config'), EDITOR: path.join(tmp, 'editor.sh'), VISUAL: '', USER: 'alice', ...gitEnv },
  });
  const shell = ['bash', '--norc', '--noprofile'];

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1', 'web2'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-adopt-confirm-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'role="web"\nworkers=2\n');
    await put(path.join(repo, 'etc/serverconfig/web1'), '');
    await put(path.join(repo, 'etc/serverconfig/web2'), '');
    await put(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'role={{ role }}\nworkers={{ workers }}\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await put(path.join(repo, 'etc/files/etc/issue'), 'Debian\n');
    await bindRepoToFleet(repo, fleet);
    // The "editor": what an admin would type into the template.
    await put(path.join(tmp, 'editor.sh'), `#!/bin/sh\nprintf 'role={{ role }}\\nworkers={{ workers * 8 }}\\n' > "$1"\n`, 0o755);
    execFileSync('git', ['init', '-q', repo]);
    git('add', '-A');
    git('commit', '-q', '-m', 'fleet');
    const first = await konf(['deploy', '--all', '--yes']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('template drift: [e] opens the template in $EDITOR, re-plans (the host in sync, the other host diff shown) and --commit commits the template', async () => {
    await put(onHost('web1', 'etc/app.conf'), 'role=web\nworkers=16\n');
    await withTmux(shell, tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('adopt web1 /etc/app.conf --to repo --commit'));
      await tmux.sendKeys('Enter');
      const screen = await tmux.waitForText('[s] skip it?');
      expect(screen).toMatch(/template etc\/files\/etc\/app\.conf\.tmpl for web1, reading: role="web" .*workers="2"/);
      expect(screen).toMatch(/workers=16 +│ .*workers=2/);
      await tmux.type('e');
      await tmux.sendKeys('Enter');
      const asked = await tmux.waitForText('[y/N]');
      expect(asked).toContain('etc/files/etc/app.conf.tmpl (edited in');
      expect(asked).toContain('+workers={{ workers * 8 }}');
      expect(asked).toMatch(/Commit etc\/files\/etc\/app\.conf\.tmpl \(edited in your editor\) to the fleet repository\? \[y\/N\]/);
      await tmux.type('y');
      await tmux.sendKeys('Enter');
      const done = await tmux.waitForText('exit=0', 60_000);
      expect(done).toContain('web1 now: in sync (/etc/app.conf)');
      expect(done).toMatch(/Other hosts' diffs for \/etc\/app\.conf now/);
      expect(done).toContain('+workers=16');
    });
    expect(git('status', '--porcelain')).toBe('');
    expect(git('show', '--name-only', '--format=%s', 'HEAD').trim().split('\n')).toEqual(['konf adopt web1: /etc/app.conf', '', 'etc/files/etc/app.conf.tmpl']);
    expect((await konf(['diff', 'web1'])).code).toBe(0);
    expect((await konf(['diff', 'web2'])).code).toBe(1);
  });

  it('template drift: [x] keeps the file on this host (exclude), after the confirmation', async () => {
    await put(onHost('web2', 'etc/app.conf'), 'role=web\nworkers=3\n');
    await withTmux(shell, tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('adopt web2 /etc/app.conf --to repo'));
      await tmux.sendKeys('Enter');
      await tmux.waitForText('[s] skip it?');
      await tmux.type('x');
      await tmux.sendKeys('Enter');
      const asked = await tmux.waitForText('[y/N]');
      expect(asked).toContain('new file etc/serverconfig/exclude/web2');
      expect(asked).toContain('web2 after the edit: in sync (/etc/app.conf excluded there)');
      await tmux.type('y');
      await tmux.sendKeys('Enter');
      await tmux.waitForText('exit=0', 60_000);
    });
    expect(await readFile(path.join(repo, 'etc/serverconfig/exclude/web2'), 'utf8')).toMatch(/^# kept on this host only \(konf adopt\): \/etc\/app\.conf, by alice@\S+ on .*\n\/etc\/app\.conf\n$/);
    expect((await konf(['diff', 'web2'])).code).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'web2 app.conf');
  });

  it('capture: [t] this host only shows the excludes on the other hosts before asking again; n writes nothing', async () => {
    await put(onHost('web1', 'etc/cron.d/backup'), '0 3 * * * root backup\n', 0o600);
    await withTmux(shell, tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('adopt web1 /etc/cron.d/backup --to repo'));
      await tmux.sendKeys('Enter');
      const first = await tmux.waitForText('[a/t/N]');
      expect(first).toMatch(/Other hosts this changes on their next deploy \(1\)/);
      await tmux.type('t');
      await tmux.sendKeys('Enter');
      const asked = await tmux.waitForText('[y/N]');
      expect(asked).toContain('edit etc/serverconfig/exclude/web2');
      expect(asked).toContain('+/etc/cron.d/backup');
      expect(asked).toContain('Left out by an exclude line (never written there): web2');
      await tmux.type('n');
      await tmux.sendKeys('Enter');
      await tmux.waitForText('exit=0', 60_000);
    });
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('deploy --only: the confirmation lists exactly the file it writes, and it writes only that', async () => {
    await put(onHost('web2', 'etc/motd'), 'edited\n');
    await put(onHost('web2', 'etc/issue'), 'edited too\n');
    await withTmux(shell, tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('deploy web2 --only /etc/motd'));
      await tmux.sendKeys('Enter');
      const screen = await tmux.waitForText('[y/N]');
      expect(screen).toMatch(/modified +\/etc\/motd .*\[drifted/);
      expect(screen).not.toContain('/etc/issue');
      expect(screen).toMatch(/This overwrites 1 hand edit made on the hosts since konf wrote them: web2:\/etc\/motd\n/);
      expect(screen).toContain('Deploy 1 file to 1 host? [y/N]');
      await tmux.type('y');
      await tmux.sendKeys('Enter');
      await tmux.waitForText('exit=0', 60_000);
    });
    expect(await readFile(onHost('web2', 'etc/motd'), 'utf8')).toBe('welcome\n');
    expect(await readFile(onHost('web2', 'etc/issue'), 'utf8')).toBe('edited too\n');
  });
});
