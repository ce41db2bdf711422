/**
 * The one way konf runs git: `runGit` spawns `git ARGS` on the store with
 * optional stdin, collects binary stdout, and can be bounded by a timeout or an
 * AbortSignal (network commands: fetch, push). Every git command konf runs goes through
 * it (init, log, for-each-ref, cat-file --batch, update-ref, fetch, push, gc); objects are
 * written by gitObjects.ts without a process. Why not simple-git: see the README's
 * library table (it cannot feed stdin or return several binary objects from one process,
 * so a snapshot cost 4.7× and a load 13× as much, scripts/bench-git-ways.ts).
 *
 * `runGitIn` runs git the same way in a work tree the admin owns (the fleet repository:
 * `konf adopt --commit`), where their identity and hooks apply (see workTreeEnv).
 *
 * Isolated from whatever the machine's git setup is: the repository is named explicitly
 * (GIT_DIR), system and global config are ignored (a fresh jump host has none, and a
 * user's `log.showSignature` or `core.pager` must not change what konf parses), and the
 * environment is a short allow-list (so inherited GIT_* variables from a git hook,
 * EDITOR, PAGER and the like play no part); messages are in the C locale. What a remote
 * needs passes through: the ssh agent, GIT_SSH_COMMAND, proxies.
 */
import { spawn } from 'node:child_process';

const PASSED = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'SUDO_UID', 'SYSTEMROOT'];
/** Passed to network commands only (fetch, push): how to reach the remote. */
const NETWORK = ['USER', 'LOGNAME', 'SSH_AUTH_SOCK', 'GIT_SSH_COMMAND', 'GIT_SSH', 'GIT_SSH_VARIANT', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'GIT_SSL_CAINFO'];

export function gitEnv(gitDir: string, network = false): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of network ? [...PASSED, ...NETWORK] : PASSED) {
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

export interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Set when the command was stopped: it ran past its timeout, or its signal aborted. */
  stopped?: 'timeout' | 'aborted';
}

export interface GitOptions {
  /** Bytes for git's stdin (closed after them). */
  input?: Buffer | string;
  /** Stop git (SIGTERM, then SIGKILL) after this long; the result says `stopped: 'timeout'`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A fetch or push: the ssh agent and GIT_SSH_COMMAND pass through. */
  network?: boolean;
  /** More `-c name=value` settings for this command. */
  config?: string[];
}

/** Runs `git ARGS` on the store; binary-safe stdout. Never throws on exit code (only when git cannot start). */
export function runGit(gitDir: string, args: string[], options: GitOptions = {}): Promise<GitRun> {
  return spawnGit([`safe.directory=${gitDir}`, ...(options.config ?? [])], args, gitEnv(gitDir, options.network ?? false), undefined, options);
}

/** The admin's own identity, passed to commands in a work tree (it is theirs to set). */
const IDENTITY = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL', 'XDG_CONFIG_HOME', 'USER', 'LOGNAME', 'GNUPGHOME', 'GPG_TTY', 'SSH_AUTH_SOCK'];

/**
 * The environment for git in a work tree the admin owns (the fleet repository): git finds
 * the repository from the folder, and the admin's own git setup applies (system and
 * global config: identity, hooks, signing), which a store command ignores. The rest of
 * the isolation holds: a short allow-list (no inherited GIT_DIR, GIT_INDEX_FILE or the
 * like from a hook, no EDITOR or PAGER), C locale, never a prompt.
 */
export function workTreeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of [...PASSED, ...IDENTITY]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

/** Runs `git ARGS` in a work tree (the fleet repository), as runGit does on the store. */
export function runGitIn(workTree: string, args: string[], options: Omit<GitOptions, 'network'> = {}): Promise<GitRun> {
  return spawnGit(options.config ?? [], args, workTreeEnv(), workTree, options);
}

/** `git ARGS` in a work tree whose output is text; a non-zero exit throws git's own message. */
export async function gitTextIn(workTree: string, args: string[], options: Omit<GitOptions, 'network'> = {}): Promise<string> {
  const run = await runGitIn(workTree, args, options);
  if (run.code !== 0) throw new Error(run.stderr || `git ${args[0] ?? ''} failed (exit ${run.code})`);
  return run.stdout.toString('utf8');
}

function spawnGit(settings: string[], args: string[], env: Record<string, string>, cwd: string | undefined, options: GitOptions): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const config = settings.flatMap((c) => ['-c', c]);
    const child = spawn('git', [...config, ...args], {
      env,
      ...(cwd !== undefined ? { cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: a network command's ssh is stopped with it.
      detached: options.timeoutMs !== undefined || options.signal !== undefined,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: GitRun['stopped'];
    let killer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'aborted') => {
      if (stopped !== undefined || child.exitCode !== null) return;
      stopped = why;
      signalGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), 2000);
      killer.unref();
    };
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('aborted');
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(e.code === 'ENOENT' ? new Error('git is not installed (needed for the snapshot store)') : e);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      if (killer) clearTimeout(killer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8').trim(),
        ...(stopped ? { stopped } : {}),
      });
    });
    // A git that exits early (bad revision) closes stdin: ignore EPIPE, the exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** `git ARGS` whose output is text; a non-zero exit throws an Error whose message is git's own (its stderr). */
export async function gitText(gitDir: string, args: string[], options: GitOptions = {}): Promise<string> {
  const run = await runGit(gitDir, args, options);
  if (run.code !== 0) throw new Error(run.stderr || `git ${args[0] ?? ''} failed (exit ${run.code})`);
  return run.stdout.toString('utf8');
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
  const run = await runGit(gitDir, ['cat-file', '--batch'], { input: names.map((n) => `${n}\n`).join('') });
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
