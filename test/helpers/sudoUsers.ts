/**
 * Unprivileged test accounts for `konf_become=sudo`: `konftest` (passwordless sudo) and
 * `konfnopw` (sudo needs a password). Created idempotently when the tests run as root
 * (as CI does); otherwise the caller skips with the reason given.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';

export const SUDO_USER = 'konftest';
export const PASSWORD_USER = 'konfnopw';

export type SudoUsers = { ok: true } | { ok: false; reason: string };

function has(cmd: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${cmd}`));
}

function ensureUser(name: string): void {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-m', '-s', '/bin/bash', name], { stdio: 'pipe' });
  }
  // A '!' (locked) password makes sshd refuse the key login when PAM is off; '*' = no password, not locked.
  execFileSync('usermod', ['-p', '*', name], { stdio: 'pipe' });
}

function ensureSudoers(name: string, rule: string): void {
  const file = `/etc/sudoers.d/${name}`;
  const text = `${rule}\n`;
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    writeFileSync(file, text, { mode: 0o440 });
    if (has('visudo')) execFileSync('visudo', ['-cf', file], { stdio: 'pipe' });
  }
  chmodSync(file, 0o440);
}

export function ensureSudoTestUsers(): SudoUsers {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root, so the konftest/konfnopw users cannot be created (CI runs as root)' };
  if (!has('sudo')) return { ok: false, reason: 'sudo is not installed (apt-get install sudo; .ci/run installs it)' };
  if (!has('useradd') || !has('usermod')) return { ok: false, reason: 'useradd/usermod not found' };
  if (!existsSync('/etc/sudoers.d')) return { ok: false, reason: '/etc/sudoers.d does not exist' };
  ensureUser(SUDO_USER);
  ensureUser(PASSWORD_USER);
  ensureSudoers(SUDO_USER, `${SUDO_USER} ALL=(ALL) NOPASSWD: ALL`);
  ensureSudoers(PASSWORD_USER, `${PASSWORD_USER} ALL=(ALL) ALL`);
  return { ok: true };
}
