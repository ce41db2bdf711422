/**
 * Answering drift in the console, end to end: the built konf in tmux at 80×24 on a real
 * sshd fleet (web1, web2) and a real git repository. `a` on a drifted file: adopt it for
 * every host (the repository file changes, the other host's badge turns pending), keep it
 * on one host (the exclude line, the host in sync), revert (only that file is written);
 * a template opens $EDITOR with the console suspended (the editor gets the keys, a `q`
 * does not quit konf) and the hosts are planned again when it closes; a wiped host is
 * rebuilt from the History tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, KONF_MAIN, konf as runKonf, PROJECT } from '../helpers/konfBin.js';
import { ciVariables, tmuxAvailable, withTmux, type TmuxSession } from '../helpers/tmux.js';
import { filesOf, readTree } from '../helpers/tree.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

/** Keys one at a time, as a person types. */
async function keys(tmux: TmuxSession, ...list: string[]): Promise<void> {
  for (const k of list) await tmux.sendKeys(k);
}

/** Esc back to the host list, waiting for it (an Esc sent right before a letter would read as Alt-letter). */
async function backToHosts(tmux: TmuxSession): Promise<void> {
  await keys(tmux, 'Escape');
  await tmux.waitForText('Space mark');
}

describe.skipIf(!tmuxAvailable())('answering drift in the console (tmux, 80×24, real fleet)', { timeout: 240_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const gitEnv = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.net', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.net' };
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  const onHost = (host: string, p: string) => path.join(fleet.host(host).root, p);
  const console80x24 = <T>(fn: (tmux: TmuxSession) => Promise<T>) =>
    withTmux(
      [process.execPath, KONF_MAIN, '--repo', repo, '--state', state],
      {
        columns: 80,
        rows: 24,
        cwd: PROJECT,
        unset: ciVariables(),
        env: { TERM: 'tmux-256color', LANG: 'C.UTF-8', NO_COLOR: '1', KONF_CONFIG_DIR: path.join(tmp, 'config'), EDITOR: path.join(tmp, 'editor.sh'), VISUAL: '', USER: 'alice', ...gitEnv },
      },
      fn,
    );

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1', 'web2'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-drift-e2e-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'role="web"\nworkers=2\nkonf_watch="/etc/watched.conf"\n');
    await put(path.join(repo, 'etc/serverconfig/web1'), '');
    await put(path.join(repo, 'etc/serverconfig/web2'), '');
    await put(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'role={{ role }}\nworkers={{ workers }}\n');
    await put(path.join(repo, 'etc/files/etc/issue'), 'Debian\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await put(path.join(repo, 'etc/files/etc/sysctl.conf'), 'vm.swappiness = 10\n');
    await bindRepoToFleet(repo, fleet);
    // The "editor": shows that it has the terminal, reads a line it ignores (the test types
    // `q`: konf must not see it), then the new workers value, and writes the template.
    await put(
      path.join(tmp, 'editor.sh'),
      `#!/bin/sh\nprintf 'EDITOR HAS THE TERMINAL: %s\\n' "$1"\nread ignored\nread workers\nprintf 'role={{ role }}\\nworkers=%s\\n' "$workers" > "$1"\n`,
      0o755,
    );
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

  it('adopt for every host, keep on this host, revert: each previewed, then done on disk', async () => {
    await put(onHost('web1', 'etc/sysctl.conf'), 'vm.swappiness = 60\n');
    await put(onHost('web1', 'etc/motd'), 'hand edit\n');
    await rm(onHost('web1', 'etc/issue'));
    await console80x24(async (tmux) => {
      await tmux.waitFor((s) => /web1 +3 drifted/.test(s) && /web2 +in sync/.test(s), 60_000, 'badges');

      // 1. web1's sysctl.conf, adopted for every host (Diff tab, third file).
      await keys(tmux, '4');
      await tmux.waitForText('/etc/issue');
      await keys(tmux, ']', ']');
      await tmux.waitFor((s) => /─ \/etc\/sysctl\.conf/.test(s) && s.includes('vm.swappiness = 60'), 30_000, 'the sysctl.conf diff');
      await keys(tmux, 'a');
      let screen = await tmux.waitForText('/etc/sysctl.conf on web1: changed on the host');
      expect(screen).toContain("1. Adopt it for every host (web1's version)");
      expect(screen).toMatch(/Enter choose/);
      await keys(tmux, 'Enter');
      screen = await tmux.waitForText('Adopt /etc/sysctl.conf from web1 into the repository');
      expect(screen).toContain('edit etc/files/etc/sysctl.conf');
      expect(screen).toContain('+vm.swappiness = 60');
      expect(screen).toMatch(/Other hosts this changes on their next deploy \(1\): web2/);
      expect(await readFile(path.join(repo, 'etc/files/etc/sysctl.conf'), 'utf8')).toBe('vm.swappiness = 10\n');
      await keys(tmux, 'y');
      await tmux.waitFor((s) => /adopt done/.test(s) && /web1 +2 drifted/.test(s) && /web2 +1 pending/.test(s), 60_000, 'adopted: web2 pending');
      expect(await readFile(path.join(repo, 'etc/files/etc/sysctl.conf'), 'utf8')).toBe('vm.swappiness = 60\n');
      expect(git('status', '--porcelain')).toBe(' M etc/files/etc/sysctl.conf\n');

      // 2. web2 keeps its own sysctl.conf (exclude).
      await backToHosts(tmux);
      await keys(tmux, 'j', '4');
      await tmux.waitFor((s) => /─ \/etc\/sysctl\.conf/.test(s) && /web2 1 file pending/.test(s), 30_000, 'web2 diff');
      await keys(tmux, 'a', 'j');
      await tmux.waitForText('2. Keep it on web2 only');
      await keys(tmux, 'Enter');
      screen = await tmux.waitForText('Keep /etc/sysctl.conf on web2 only (exclude it there)?');
      expect(screen).toContain('new file etc/serverconfig/exclude/web2');
      expect(screen).toContain('No other host is affected');
      await keys(tmux, 'y');
      await tmux.waitFor((s) => /web2 +in sync/.test(s), 60_000, 'web2 in sync');
      expect(await readFile(path.join(repo, 'etc/serverconfig/exclude/web2'), 'utf8')).toMatch(/^# kept on this host only \(konf adopt\): \/etc\/sysctl\.conf, by alice@\S+ on .*\n\/etc\/sysctl\.conf\n$/);
      expect(await readFile(onHost('web2', 'etc/sysctl.conf'), 'utf8')).toBe('vm.swappiness = 10\n');

      // 3. web1's motd reverted: only that file is written (/etc/issue stays missing).
      await backToHosts(tmux);
      await keys(tmux, 'k', '3');
      await tmux.waitForText('4 planned files');
      await keys(tmux, 'j', 'j');
      await tmux.waitFor((s) => /> M \/etc\/motd/.test(s), 30_000, 'motd in Files');
      await keys(tmux, 'a', 'j', 'j');
      await tmux.waitForText('3. Revert web1: deploy this file only');
      await keys(tmux, 'Enter');
      screen = await tmux.waitForText('Deploy /etc/motd only to web1 (revert it)?');
      expect(screen).toContain('writes 1 file');
      expect(screen).toContain('Overwrites the hand edit made on web1');
      await keys(tmux, 'y');
      await tmux.waitFor((s) => /deploy done/.test(s) && /web1 +1 drifted/.test(s), 60_000, 'reverted');
      await keys(tmux, 'q');
      await tmux.waitFor((s) => !s.includes('konf \u00b7'), 30_000, 'konf to quit');
    });
    expect(await readFile(onHost('web1', 'etc/motd'), 'utf8')).toBe('welcome\n');
    expect(existsSync(onHost('web1', 'etc/issue'))).toBe(false);
    expect(await readFile(onHost('web1', 'etc/sysctl.conf'), 'utf8')).toBe('vm.swappiness = 60\n');
    // Nothing was committed: the admin reviews the working tree.
    expect(git('log', '--oneline').trim().split('\n')).toHaveLength(1);
    git('add', '-A');
    git('commit', '-q', '-m', 'adopted');
    await put(onHost('web1', 'etc/issue'), 'Debian\n');
  });

  it('template drift: $EDITOR on the template with konf suspended (a q typed there does not quit it), then both hosts planned again', async () => {
    await put(onHost('web2', 'etc/app.conf'), 'role=web\nworkers=16\n');
    await console80x24(async (tmux) => {
      await tmux.waitFor((s) => /web2 +1 drifted/.test(s), 60_000, 'web2 drifted');
      await keys(tmux, 'j', '3');
      await tmux.waitFor((s) => /> M \/etc\/app\.conf/.test(s), 30_000, 'app.conf in Files');
      await keys(tmux, 'a');
      let screen = await tmux.waitForText('rendered from the template etc/files/etc/app.conf.tmpl');
      expect(screen.replace(/[\s│]+/g, ' ')).toContain('reading role="web" (etc/serverconfig/default:1), workers="2" (etc/serverconfig/default:2)');
      expect(screen).toContain('1. Edit the template in $EDITOR');
      expect(screen).not.toContain('Adopt it for every host');
      await keys(tmux, 'Enter');
      screen = await tmux.waitForText('EDITOR HAS THE TERMINAL');
      expect(screen.replace(/\n/g, '')).toContain(`EDITOR HAS THE TERMINAL: ${path.join(repo, 'etc/files/etc/app.conf.tmpl')}`);
      expect(screen).not.toContain('konf \u00b7');
      await keys(tmux, 'q', 'Enter');
      await tmux.type('16');
      await keys(tmux, 'Enter');
      // konf is back, redrawn whole, and plans both hosts again: web2 in sync, web1 now pending.
      screen = await tmux.waitFor((s) => /web2 +in sync/.test(s) && /web1 +1 pending/.test(s), 60_000, 'both hosts re-planned');
      expect(screen).toContain('konf \u00b7');
      expect(screen).toContain('edited etc/files/etc/app.conf.tmpl');
      await keys(tmux, 'q');
      await tmux.waitFor((s) => !s.includes('konf \u00b7'), 30_000, 'konf to quit');
    });
    expect(await readFile(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'utf8')).toBe('role={{ role }}\nworkers=16\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'template');
  });

  it('a wiped host: History offers the rebuild; B previews, y restores every recorded file byte for byte, watched files included', async () => {
    const deployed = await konf(['deploy', 'web1', '--yes']);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    await put(onHost('web1', 'etc/watched.conf'), 'watched by konf_watch\n', 0o640);
    const snap = await konf(['snapshot', 'web1']);
    expect(snap.code, snap.stdout + snap.stderr).toBe(0);
    const root = fleet.host('web1').root;
    const before = filesOf(await readTree(root));
    expect(Object.keys(before).sort()).toEqual(['/etc/app.conf', '/etc/issue', '/etc/motd', '/etc/sysctl.conf', '/etc/watched.conf']);
    // Wiped: the whole target root, konf's own record on the host included.
    for (const name of await readdir(root)) await rm(path.join(root, name), { recursive: true, force: true });
    await console80x24(async (tmux) => {
      // The record of what konf wrote went with the wipe (it lives on the host since issue 15): the missing files are pending, not drifted.
      await tmux.waitFor((s) => /web1 +4 pending/.test(s), 60_000, 'web1: everything missing');
      await keys(tmux, 'k', '5');
      let screen = await tmux.waitForText('4 of 4 files missing · B rebuilds');
      await keys(tmux, 'B');
      screen = await tmux.waitForText(/Rebuild web1 from snapshot \w+ \(5 files\)\?/);
      expect(screen).toContain('manual');
      await keys(tmux, 'y');
      await tmux.waitFor((s) => /rebuild done/.test(s) && /web1 +in sync/.test(s), 60_000, 'rebuilt');
      await keys(tmux, 'q');
      await tmux.waitFor((s) => !s.includes('konf \u00b7'), 30_000, 'konf to quit');
    });
    expect(filesOf(await readTree(root))).toEqual(before);
    expect(await readFile(onHost('web1', 'etc/watched.conf'), 'utf8')).toBe('watched by konf_watch\n');
  });
});
