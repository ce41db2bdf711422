/**
 * An unprivileged user with passwordless sudo, for tests that need a non-root login
 * (`konf_become=sudo`, SSH signal delivery, permission errors). Only root can create it;
 * otherwise the helpers return a skip reason to show (`it.skipIf(...)` / `describe.skipIf`).
 *
 * Usage with a test fleet:
 *   const su = await ensureSudoUser();
 *   const fleet = await startTestFleet({ hosts: 1, ...(su.ok ? sudoUserFleetOptions(su.user) : {}) });
 *   const sshConfig = su.ok ? await sudoUserSshConfig(fleet, su.user) : fleet.sshConfig;
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestFleet, TestFleetOptions } from '../../src/testfleet/testFleet.js';

const run = promisify(execFile);

export const SUDO_TEST_USER = 'konftest';

export interface SudoUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export type SudoUserResult = { ok: true; user: SudoUser } | { ok: false; skip: string };

async function lookup(name: string): Promise<SudoUser | undefined> {
  try {
    const passwd = await readFile('/etc/passwd', 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const f = line.split(':');
    return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? `/home/${name}` };
  } catch {
    return undefined;
  }
}

/**
 * Creates (once; safe to call concurrently from several test files) the user `konftest`
 * with a home folder and `/etc/sudoers.d/konftest` granting passwordless sudo.
 */
export async function ensureSudoUser(name = SUDO_TEST_USER): Promise<SudoUserResult> {
  if (process.getuid?.() !== 0) return { ok: false, skip: `not running as root: cannot create the sudo test user ${name}` };
  for (const tool of ['/usr/sbin/useradd', '/usr/sbin/usermod', '/usr/bin/sudo', '/usr/sbin/visudo']) {
    if (!existsSync(tool)) return { ok: false, skip: `${tool} is missing: cannot create the sudo test user ${name}` };
  }
  if (!(await lookup(name))) {
    try {
      await run('/usr/sbin/useradd', ['--create-home', '--user-group', '--shell', '/bin/bash', name]);
    } catch (err) {
      // Another test process may have created it meanwhile.
      if (!(await lookup(name))) return { ok: false, skip: `useradd ${name} failed: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const user = await lookup(name);
  if (!user) return { ok: false, skip: `user ${name} could not be created` };
  // useradd leaves the account locked ("!"), which sshd refuses without PAM; "*" means
  // no password but not locked: only key logins work.
  const shadow = await readFile('/etc/shadow', 'utf8').catch(() => '');
  const hash = shadow.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[1];
  if (hash !== undefined && hash.startsWith('!')) await run('/usr/sbin/usermod', ['-p', '*', name]);
  const sudoers = `/etc/sudoers.d/${name}`;
  const rule = `${name} ALL=(ALL:ALL) NOPASSWD: ALL\n`;
  const current = await readFile(sudoers, 'utf8').catch(() => '');
  if (current !== rule) {
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
  try {
    await run('/usr/bin/sudo', ['-n', '-u', name, '/usr/bin/sudo', '-n', 'true']);
  } catch (err) {
    return { ok: false, skip: `passwordless sudo for ${name} does not work: ${(err as Error).message.split('\n')[0]}` };
  }
  return { ok: true, user };
}

/** Fleet options that let the sudo user log in (AllowUsers is additive in sshd_config). */
export function sudoUserFleetOptions(user: SudoUser): Pick<TestFleetOptions, 'extraSshdConfig'> {
  return { extraSshdConfig: [`AllowUsers ${user.name}`] };
}

/**
 * Makes the fleet folder readable for the user (sshd reads AuthorizedKeysFile as the
 * user logging in) and writes `ssh_config.<user>`: the fleet's config with `User <user>`.
 * Returns its path. The hosts' root folders stay root's: write there through sudo.
 */
export async function sudoUserSshConfig(fleet: TestFleet, user: SudoUser): Promise<string> {
  await chmod(fleet.dir, 0o711);
  await chmod(path.join(fleet.dir, 'authorized_keys'), 0o644);
  const noise = path.join(fleet.dir, 'noisy-shell.sh');
  if (existsSync(noise)) await chmod(noise, 0o644);
  const text = (await readFile(fleet.sshConfig, 'utf8')).replace(/^(\s*)User .*$/gm, `$1User ${user.name}`);
  const file = path.join(fleet.dir, `ssh_config.${user.name}`);
  await writeFile(file, text);
  return file;
}
