/**
 * Fills a test host's target root with the files of a plan (as if deployed), and the
 * small edits that make a host "drift" for demos and benchmarks.
 */
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostPlan } from '../core/fleet/types.js';

export function rootPath(root: string, logical: string): string {
  return path.join(root, logical.replace(/^\/+/, ''));
}

/** Writes every planned file and symlink under root, with declared modes (else 0644). */
export async function seedRoot(root: string, plan: HostPlan): Promise<void> {
  for (const f of plan.files) {
    const abs = rootPath(root, f.path);
    await mkdir(path.dirname(abs), { recursive: true });
    await rm(abs, { force: true });
    if (f.kind === 'symlink') await symlink(f.target, abs);
    else {
      await writeFile(abs, f.content);
      await chmod(abs, f.mode ?? 0o644);
    }
  }
}

/** Rewrites one line of a text file (first line matching `match`), or appends when absent. */
export async function editLine(root: string, logical: string, match: RegExp, replacement: string): Promise<void> {
  const abs = rootPath(root, logical);
  const text = await readFile(abs, 'utf8');
  const lines = text.split('\n');
  const i = lines.findIndex((l) => match.test(l));
  if (i >= 0) lines[i] = replacement;
  else lines.splice(Math.max(0, lines.length - 1), 0, replacement);
  await writeFile(abs, lines.join('\n'));
}

/**
 * Puts the test host's own SSH host key where a real machine keeps it,
 * `<root>/etc/ssh/ssh_host_ed25519_key` (0600, with its .pub): what `sshd -t` needs to
 * check a configuration under that root (the example fleet's etc/validate).
 */
export async function seedHostKey(root: string, hostKeyFile: string): Promise<void> {
  const dir = rootPath(root, '/etc/ssh');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'ssh_host_ed25519_key'), await readFile(hostKeyFile), { mode: 0o600 });
  await writeFile(path.join(dir, 'ssh_host_ed25519_key.pub'), await readFile(`${hostKeyFile}.pub`), { mode: 0o644 });
}
