/**
 * What every command shares: the global options, the fleet repository (found once), the
 * state folder, output streams, and the exit code. Heavy modules (the fleet model with
 * Nunjucks; later ssh2, the console) are imported only when a command asks for them, so
 * `konf --help` starts fast.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Fleet } from '../core/fleet/types.js';
import { EXIT_CODES } from './exitCodes.js';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stdin and stdout are a terminal: `konf` alone opens the console. */
  terminal?: boolean;
  /** What the output streams are (colors and width on a terminal); absent: plain text, 80 columns. */
  stdoutTerminal?: TerminalInfo;
  stderrTerminal?: TerminalInfo;
  /** Asks a question on the terminal and resolves to the answer; absent when nobody can answer (then writing commands need --yes). */
  ask?: (question: string) => Promise<string>;
}

/** A stream's terminal facts, read when used (a resized terminal has new columns). */
export interface TerminalInfo {
  isTTY?: boolean;
  columns?: number;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  repo?: string;
  state?: string;
}

export class CliContext {
  /** Set by a command action; 0 when an action finishes without setting it. */
  exitCode: number = EXIT_CODES.ok;
  /** The repository root once found (errors name files relative to it). */
  repoRoot: string | undefined;
  /** Where the repository came from, for messages: `--repo`, `$KONF_REPO`, or the folder search. */
  repoOrigin: string | undefined;
  private fleetPromise: Promise<Fleet> | undefined;
  private program: Command | undefined;

  constructor(readonly io: CliIO) {}

  /** Called once by the program builder. */
  attach(program: Command): void {
    this.program = program;
  }

  get globals(): GlobalOptions {
    return this.program?.opts<GlobalOptions>() ?? {};
  }

  out(text: string): void {
    this.io.stdout(text);
  }

  err(text: string): void {
    this.io.stderr(text);
  }

  /** The fleet repository: `--repo DIR`, else KONF_REPO, else the nearest parent holding etc/serverconfig. */
  async repo(): Promise<string> {
    if (this.repoRoot !== undefined) return this.repoRoot;
    const { findRepo } = await import('../core/fleet/repo.js');
    const found = await findRepo({ explicit: this.globals.repo, env: this.io.env.KONF_REPO, cwd: this.io.cwd });
    this.repoRoot = found;
    const explicit = this.globals.repo;
    const env = this.io.env.KONF_REPO;
    this.repoOrigin =
      explicit !== undefined && explicit !== ''
        ? `from --repo ${explicit}`
        : env !== undefined && env !== ''
          ? `from $KONF_REPO=${env}`
          : `the nearest folder holding etc/serverconfig above ${this.io.cwd}`;
    return found;
  }

  /** The state folder (snapshot store, audit log, locks): `--state DIR`, else KONF_STATE, else `<repo>/var`. */
  async stateDir(): Promise<string> {
    const given = this.globals.state ?? this.io.env.KONF_STATE;
    if (given !== undefined && given !== '') return path.resolve(this.io.cwd, given);
    return path.join(await this.repo(), 'var');
  }

  /** The loaded fleet (loaded once per run). */
  fleet(): Promise<Fleet> {
    this.fleetPromise ??= (async () => {
      const root = await this.repo();
      const { loadFleet } = await import('../core/fleet/fleet.js');
      return loadFleet(root);
    })();
    return this.fleetPromise;
  }

  /**
   * Wraps a command body for commander's `.action()`: the body returns the exit code
   * (or nothing for 0); errors propagate to the shared handler.
   */
  action<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      const code = await body(...args);
      this.exitCode = code ?? EXIT_CODES.ok;
    };
  }
}
