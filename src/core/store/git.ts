/**
 * Running git for the snapshot store, isolated from whatever the machine's git setup is:
 * the repository is named explicitly (GIT_DIR), system and global config are ignored
 * (a fresh jump host has none, and a user's `log.showSignature` or `core.pager` must
 * not change what konf parses), and the environment is a short allow-list (so inherited
 * GIT_* variables from a git hook, EDITOR, PAGER and the like play no part); messages
 * are in the C locale.
 */
import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';

const PASSED = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'SUDO_UID', 'SYSTEMROOT'];

export function gitEnv(gitDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  env.GIT_DIR = gitDir;
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_CONFIG_GLOBAL = '/dev/null';
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

/** simple-git bound to the store (used for init, log and ref listing). */
export function storeGit(gitDir: string, cwd: string): SimpleGit {
  return simpleGit({
    baseDir: cwd,
    config: [`safe.directory=${gitDir}`],
    // GIT_CONFIG_GLOBAL points at /dev/null: a fixed path of ours, not user input.
    unsafe: { allowUnsafeConfigPaths: true },
  }).env(gitEnv(gitDir));
}

export interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs `git ARGS` on the store with optional stdin; binary-safe stdout. Never throws on exit code. */
export function runGit(gitDir: string, args: string[], input?: Buffer | string): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', `safe.directory=${gitDir}`, ...args], {
      env: gitEnv(gitDir),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new Error('git is not installed (needed for the snapshot store)') : e);
    });
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim() });
    });
    // A git that exits early (bad revision) closes stdin: ignore EPIPE, the exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export type CatFileResult =
  | { found: true; oid: string; type: string; content: Buffer }
  | { found: false; reason: 'missing' | 'ambiguous' | string };

/**
 * `git cat-file --batch` for a list of object names (sha, abbreviated sha, `rev:path`),
 * one process for all of them. Names must not contain newlines.
 */
export async function catFileBatch(gitDir: string, names: string[]): Promise<CatFileResult[]> {
  if (names.length === 0) return [];
  for (const name of names) {
    if (/[\n\r]/.test(name)) throw new Error(`object name contains a newline: ${JSON.stringify(name)}`);
  }
  const run = await runGit(gitDir, ['cat-file', '--batch'], names.map((n) => `${n}\n`).join(''));
  if (run.code !== 0) throw new Error(`git cat-file failed: ${run.stderr || `exit ${run.code}`}`);
  const buf = run.stdout;
  const results: CatFileResult[] = [];
  let pos = 0;
  for (let i = 0; i < names.length; i++) {
    const eol = buf.indexOf(0x0a, pos);
    if (eol < 0) throw new Error('git cat-file: truncated output');
    const header = buf.subarray(pos, eol).toString('utf8');
    pos = eol + 1;
    const match = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
    if (match) {
      const size = Number(match[3]);
      const content = buf.subarray(pos, pos + size);
      if (content.length !== size) throw new Error('git cat-file: truncated object');
      pos += size + 1; // content is followed by a newline
      results.push({ found: true, oid: match[1] ?? '', type: match[2] ?? '', content: Buffer.from(content) });
    } else {
      const reason = header.endsWith(' ambiguous') ? 'ambiguous' : header.endsWith(' missing') ? 'missing' : header;
      results.push({ found: false, reason });
    }
  }
  return results;
}
