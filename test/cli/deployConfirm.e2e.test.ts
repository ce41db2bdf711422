/**
 * `konf deploy HOST` on a terminal (tmux) against a real host: the confirmation lists
 * what will be written and names the hand edit it overwrites; a repository edited after
 * the admin confirmed stops the host before its first write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, KONF_MAIN, konf as runKonf, PROJECT } from '../helpers/konfBin.js';
import { ciVariables, shWord, tmuxAvailable, withTmux } from '../helpers/tmux.js';

async function put(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

describe.skipIf(!tmuxAvailable())('konf deploy asks on a terminal', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const onHost = (p: string) => path.join(fleet.host('mail1').root, p);
  const command = (args: string) => `${shWord(process.execPath)} ${shWord(KONF_MAIN)} --repo ${shWord(repo)} --state ${shWord(state)} ${args}; echo "exit=$?"`;
  const tmuxOptions = () => ({ columns: 120, rows: 40, cwd: PROJECT, unset: ciVariables(), env: { NO_COLOR: '1', PS1: 'konf-test$ ', KONF_CONFIG_DIR: path.join(tmp, 'config') } });

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['mail1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-deploy-confirm-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), '');
    await put(path.join(repo, 'etc/serverconfig/mail1'), '');
    await put(path.join(repo, 'etc/files/etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP\n');
    await put(path.join(repo, 'etc/files/etc/postfix/master.cf'), 'smtp inet n - y - - smtpd\n');
    await bindRepoToFleet(repo, fleet);
    const first = await konf(['deploy', 'mail1', '--yes']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('names the hand edit it will overwrite, then writes exactly that', async () => {
    await put(onHost('etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP (hand-edited)\n');
    await withTmux(['bash', '--norc', '--noprofile'], tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('deploy mail1'));
      await tmux.sendKeys('Enter');
      const screen = await tmux.waitForText('[y/N]');
      expect(screen).toMatch(/modified +\/etc\/postfix\/main\.cf .*\[drifted: changed on the host since konf wrote it\]/);
      expect(screen).toMatch(/This overwrites 1 hand edit made on the hosts since konf wrote them: mail1:\/etc\/postfix\/main\.cf/);
      expect(screen).toMatch(/Deploy 1 file to 1 host\? \[y\/N\]/);
      await tmux.type('y');
      await tmux.sendKeys('Enter');
      await tmux.waitForText('exit=0', 60_000);
    });
    expect(await readFile(onHost('etc/postfix/main.cf'), 'utf8')).toBe('smtpd_banner = $myhostname ESMTP\n');
  });

  it('the repository edited after the admin confirmed: the host stops before its first write', async () => {
    await put(path.join(repo, 'etc/files/etc/postfix/master.cf'), 'smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n');
    await withTmux(['bash', '--norc', '--noprofile'], tmuxOptions(), async (tmux) => {
      await tmux.waitForText('konf-test$');
      await tmux.type(command('deploy mail1'));
      await tmux.sendKeys('Enter');
      await tmux.waitForText('[y/N]');
      // While the question is on screen, someone pulls a newer master.cf.
      await put(path.join(repo, 'etc/files/etc/postfix/master.cf'), 'smtp inet n - y - - smtpd\n# a newer version nobody reviewed\n');
      await tmux.type('y');
      await tmux.sendKeys('Enter');
      const screen = await tmux.waitForText('exit=3', 60_000);
      expect(screen).toMatch(/mail1 +✗ mail1: the repository changed after you confirmed; nothing was written/);
    });
    expect(await readFile(onHost('etc/postfix/master.cf'), 'utf8')).toBe('smtp inet n - y - - smtpd\n');
  });
});
