/**
 * `konfnopw`: an unprivileged user whose sudo needs a password, to prove that
 * `konf_become=sudo` fails clearly (sudo -n) instead of hanging on a prompt. Created
 * idempotently when the tests run as root; otherwise a skip reason is returned.
 * (The passwordless `konftest` user comes from sudoUser.ts.)
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PASSWORD_SUDO_USER = 'konfnopw';

async function exists(name: string): Promise<boolean> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return passwd.split('\n').some((l) => l.startsWith(`${name}:`));
}

export async function ensurePasswordSudoUser(name = PASSWORD_SUDO_USER): Promise<{ ok: true; name: string } | { ok: false; skip: string }> {
  if (process.getuid?.() !== 0) return { ok: false, skip: `not running as root: cannot create the test user ${name}` };
  for (const tool of ['/usr/sbin/useradd', '/usr/sbin/usermod', '/usr/bin/sudo', '/usr/sbin/visudo']) {
    if (!existsSync(tool)) return { ok: false, skip: `${tool} is missing: cannot create the test user ${name}` };
  }
  if (!(await exists(name))) {
    try {
      await run('/usr/sbin/useradd', ['--create-home', '--user-group', '--shell', '/bin/bash', name]);
    } catch (err) {
      if (!(await exists(name))) return { ok: false, skip: `useradd ${name} failed: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  // '!' (locked) makes sshd refuse the key login without PAM; '*' = no password, not locked.
  const shadow = await readFile('/etc/shadow', 'utf8').catch(() => '');
  if (shadow.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[1]?.startsWith('!')) await run('/usr/sbin/usermod', ['-p', '*', name]);
  const sudoers = `/etc/sudoers.d/${name}`;
  const rule = `${name} ALL=(ALL:ALL) ALL\n`;
  if ((await readFile(sudoers, 'utf8').catch(() => '')) !== rule) {
    const tmp = `${sudoers}.tmp${process.pid}`;
    await writeFile(tmp, rule, { mode: 0o440 });
    try {
      await run('/usr/sbin/visudo', ['-c', '-f', tmp]);
    } catch (err) {
      await run('rm', ['-f', tmp]);
      return { ok: false, skip: `sudoers rule for ${name} rejected by visudo: ${(err as Error).message.split('\n')[0]}` };
    }
    await run('mv', ['-f', tmp, sudoers]);
  }
  return { ok: true, name };
}
