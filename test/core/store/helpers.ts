import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LiveEntry } from '../../../src/core/remote/types.js';

const exec = promisify(execFile);

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'konf-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Meta {
  mode?: number;
  owner?: string;
  group?: string;
  uid?: number;
  gid?: number;
}

export function file(p: string, content: Buffer | string, meta: Meta = {}): LiveEntry {
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    path: p,
    state: 'file',
    content: buf,
    size: buf.length,
    sha256: createHash('sha256').update(buf).digest('hex'),
    mode: meta.mode ?? 0o644,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    owner: meta.owner ?? 'root',
    group: meta.group ?? 'root',
  };
}

export function symlink(p: string, target: string, meta: Meta = {}): LiveEntry {
  return { path: p, state: 'symlink', target, mode: meta.mode ?? 0o777, uid: meta.uid ?? 0, gid: meta.gid ?? 0, owner: meta.owner ?? 'root', group: meta.group ?? 'root' };
}

export function missing(p: string): LiveEntry {
  return { path: p, state: 'missing' };
}

/** Plain git on the store, with no help from konf: proves what is really in the repository. */
export async function rawGit(gitDir: string, ...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const { stdout } = await exec('git', args, { env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

export function byPath<T extends { path: string }>(entries: T[]): T[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Turns every pack of the store into loose objects (as a fetch of few objects or
 * `git unpack-objects` leaves them): tests that damage one object file use it.
 */
export async function loosen(gitDir: string): Promise<void> {
  const dir = path.join(gitDir, 'objects', 'pack');
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.pack'))) {
    // Out of the repository first: unpack-objects skips objects the repository already has.
    const moved = path.join(gitDir, `${name}.moved`);
    await rename(path.join(dir, name), moved);
    await rm(path.join(dir, name.replace(/\.pack$/, '.idx')));
    await new Promise<void>((resolve, reject) => {
      const child = spawn('git', ['--git-dir', gitDir, 'unpack-objects', '-q'], { stdio: ['pipe', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git unpack-objects exited ${code}`))));
      child.stdin.on('error', () => undefined); // its exit code decides
      void readFile(moved).then((data) => child.stdin.end(data), reject);
    });
    await rm(moved);
  }
}
