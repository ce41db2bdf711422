/**
 * A tmux harness for end-to-end console tests: a detached session of a given size on its
 * own server socket (a file in the temp folder, removed afterwards; the user's tmux is
 * never touched), keys sent as a user would type them, the screen captured (with colors
 * when asked), text awaited with a deadline. The session is always killed, by name, in
 * `withTmux`'s finally.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmuxOptions {
  columns?: number;
  rows?: number;
  /** Working directory of the session's first command. */
  cwd?: string;
  /** Variables set for the command (via `env`), e.g. KONF_CONFIG_DIR. */
  env?: Record<string, string>;
  /** Variables removed for the command, e.g. CI (Ink renders nothing interactive under CI). */
  unset?: string[];
  /** The server's configuration file instead of ~/.tmux.conf (e.g. `set -g status off`). */
  configFile?: string;
  /** Appends the command's stderr to this file instead of showing it in the pane. */
  stderrFile?: string;
}

let counter = 0;

/** True when a tmux binary is on PATH. */
export function tmuxAvailable(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Quotes one word for /bin/sh. */
export function shWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Variables that make Ink think it runs in CI (is-in-ci), which disables live rendering. */
export function ciVariables(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(env).filter((k) => k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_'));
}

export class TmuxSession {
  private killed = false;

  private constructor(
    readonly socket: string,
    readonly name: string,
  ) {}

  private tmux(args: string[]) {
    return run('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` (argv) in a new detached session. */
  static async start(command: string[], options: TmuxOptions = {}): Promise<TmuxSession> {
    const name = `konf-e2e-${process.pid}-${++counter}`;
    const socket = path.join(os.tmpdir(), `${name}.tmux`);
    const session = new TmuxSession(socket, name);
    const envArgs = [...(options.unset ?? []).flatMap((k) => ['-u', k]), ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)];
    const line = ['env', ...envArgs, ...command].map(shWord).join(' ') + (options.stderrFile ? ` 2>>${shWord(options.stderrFile)}` : '');
    const args = ['new-session', '-d', '-s', name, '-x', String(options.columns ?? 80), '-y', String(options.rows ?? 24)];
    if (options.cwd) args.push('-c', options.cwd);
    args.push(line);
    if (options.configFile) await run('tmux', ['-S', socket, '-f', options.configFile, ...args], { encoding: 'utf8' });
    else await session.tmux(args);
    // Keep the pane (and its last screen) if the command exits, so failures can be inspected.
    await session.tmux(['set-option', '-t', name, 'remain-on-exit', 'on']).catch(() => undefined);
    return session;
  }

  /** Keys in tmux notation (`Enter`, `Escape`, `C-c`, `PageDown`, `BTab`) or single characters. */
  async sendKeys(...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux(['send-keys', '-t', this.name, key]);
  }

  /** Resizes the window (the program gets SIGWINCH; tmux reflows what was on screen). */
  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', this.name, '-x', String(columns), '-y', String(rows)]);
  }

  /** Text typed literally (no key-name lookup). */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', this.name, '-l', text]);
  }

  /**
   * The visible screen; with `colors`, SGR escape sequences are kept (`capture-pane -e`);
   * with `trailingSpaces`, so are trailing spaces (`-N`: they may carry a background).
   */
  async capturePane(options: { colors?: boolean; trailingSpaces?: boolean } = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-t', this.name];
    if (options.colors) args.push('-e');
    if (options.trailingSpaces) args.push('-N');
    const { stdout } = await this.tmux(args);
    return stdout;
  }

  /** Appends everything the pane's program writes to the terminal to `file` (`pipe-pane`). */
  async pipePane(file: string): Promise<void> {
    await this.tmux(['pipe-pane', '-t', this.name, `cat >> ${shWord(file)}`]);
  }

  /** Polls the screen until it shows `text` (or matches it), or fails showing the screen. */
  async waitForText(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const matches = (screen: string) => (typeof text === 'string' ? screen.includes(text) : text.test(screen));
    return this.waitFor(matches, timeoutMs, String(text));
  }

  async waitFor(predicate: (screen: string) => boolean, timeoutMs = 30_000, what = 'screen'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = await this.capturePane();
      if (predicate(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`tmux: timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The pid of the pane's process (the command itself when it is not run through a shell). */
  async panePid(): Promise<number | undefined> {
    const { stdout } = await this.tmux(['display', '-p', '-t', this.name, '#{pane_pid}']);
    const pid = Number(stdout.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** True once the pane's program has exited (or the session is gone). */
  async paneDead(): Promise<boolean> {
    try {
      return (await this.tmux(['display-message', '-p', '-t', this.name, '#{pane_dead}'])).stdout.trim() === '1';
    } catch {
      return true;
    }
  }

  /** Kills the whole tmux server at once: the pane's terminal goes away under its program (hang-up). */
  async killServer(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    await this.tmux(['kill-server']).catch(() => undefined);
    rmSync(this.socket, { force: true });
  }

  /** Kills the session by name (idempotent); its server exits with it and the socket file goes. */
  async kill(): Promise<void> {
    if (this.killed) return;
    this.killed = true;
    await this.tmux(['kill-session', '-t', this.name]).catch(() => undefined);
    rmSync(this.socket, { force: true });
  }
}

/** True while a process with this pid exists (and is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Waits until the process is gone; true if it went within the deadline. */
export async function processGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processAlive(pid);
}

/** SIGKILLs each pid that is still there (a failing test leaves nothing running). */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Pids of processes whose command line contains `marker` (a unique word the test put there). */
export function pidsWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Pids of processes whose command line mentions `text` anywhere (e.g. a demo's folder, which its sshd run from); never this process. */
export function pidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * After an end-to-end test of the demo, whatever happened: the demo (the pane's program,
 * by pid) gets SIGTERM and 15 s to stop its sshd, then SIGKILL; then anything still
 * running from its folder `dir` is SIGKILLed by pid.
 */
export async function stopDemo(pid: number | undefined, dir: string): Promise<void> {
  if (pid !== undefined && processAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
    if (!(await processGone(pid, 15_000))) killPids([pid]);
  }
  killPids(pidsMentioning(dir));
}

/** Runs `fn` with a fresh session and always kills the session afterwards. */
export async function withTmux<T>(command: string[], options: TmuxOptions, fn: (session: TmuxSession) => Promise<T>): Promise<T> {
  const session = await TmuxSession.start(command, options);
  try {
    return await fn(session);
  } finally {
    await session.kill();
  }
}
