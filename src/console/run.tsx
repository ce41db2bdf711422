/**
 * Starts the console on a terminal: alternate screen in, and out again on quit, on
 * Ctrl-C, on SIGTERM/SIGINT and on a crash (an uncaught exception or a render error: the
 * error is printed after the terminal is restored, and the exit code is non-zero). An
 * unhandled promise rejection is shown in the log pane instead; console.* output too.
 * Resolves with the exit code; the caller owns the session (close it afterwards).
 *
 * When the terminal goes away (SIGHUP, end of input, a read or write error such as EIO)
 * the console stops at once with 129 and writes nothing more: running operations are
 * asked to stop at a safe point (bounded wait), and if the process is still alive a
 * moment after that (something below holds the event loop), it exits. Terminal output is
 * non-blocking while the console runs, so a stalled terminal never stops it from
 * honouring SIGTERM; a second terminating signal exits at once.
 *
 * Ink renders in debug mode (whole frames, no cursor bookkeeping of its own) into a
 * ScreenWriter that updates only the terminal lines that changed.
 *
 * Ink, React and conf are loaded on the first call, after NODE_ENV defaults to
 * `production` (React's development build is several times slower), so importing this
 * module costs a CLI command nothing.
 */
import { format } from 'node:util';
import type * as InkModule from 'ink';
import type { render as inkRender } from 'ink';
import type * as ReactModule from 'react';
import type * as AppModule from './app.js';
import type * as PrefsModule from './prefs.js';
import type { Level } from '../core/ops/events.js';
import type { FleetSession } from '../core/ops/session.js';
import type { MessageSource } from './app.js';
import type { Controller } from './controller.js';
import type { PrefsStore } from './prefs.js';
import { HIDE_CURSOR, ScreenWriter, SHOW_CURSOR } from './screen.js';
import { SIGNAL_EXIT_CODES } from '../core/exitCodes.js';
import { editFileAsync } from '../core/util/editor.js';

export interface ConsoleOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Preferences store; default: conf in `configDir`, `KONF_CONFIG_DIR` or the user's config folder. */
  prefs?: PrefsStore;
  configDir?: string;
  /** Background status checks at once (default: the preference, 8). */
  concurrency?: number;
  /** Colors (default: on unless NO_COLOR is set). */
  color?: boolean;
  /** Called with the screen writer (tests and measurements read its byte count). */
  onScreen?: (screen: ScreenWriter) => void;
  /**
   * After the terminal went away or a terminating signal: exit the process if it is still
   * alive this many ms after the console has finished (0 = never). Default 3000 on the
   * process's own terminal, 0 on other streams (tests).
   */
  forceExitMs?: number;
  /** How long running operations get to stop at a safe point on hangup or SIGTERM (ms, default 10000). */
  stopGraceMs?: number;
  /**
   * Where SIGTERM, SIGHUP and SIGINT come from (default: the process). Tests pass their own
   * emitter: emitting a signal on the test runner's process also runs every other listener
   * (signal-exit's re-raises it when it counts itself the last one, ending the runner).
   */
  signals?: SignalSource;
}

/** What the console listens to for SIGTERM, SIGHUP and SIGINT. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Codes a terminal that went away produces on read or write. */
const GONE_CODES = new Set(['EIO', 'EPIPE', 'ENXIO', 'EBADF', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function isTerminalGoneError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && GONE_CODES.has(code);
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = SIGNAL_EXIT_CODES;

/** Resolves once the stream's buffered output is written, or after `timeoutMs`. */
async function drained(stream: NodeJS.WriteStream, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (stream.writableLength > 0 && !stream.destroyed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Node writes to a terminal synchronously; the console switches that off while it runs. */
function setBlocking(stream: NodeJS.WriteStream, blocking: boolean): void {
  const handle = (stream as unknown as { _handle?: { setBlocking?: (on: boolean) => unknown } })._handle;
  try {
    handle?.setBlocking?.(blocking);
  } catch {
    // not a libuv tty handle
  }
}

export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';

const CONSOLE_METHODS = { log: 'info', info: 'info', warn: 'warn', error: 'error', debug: 'debug' } as const;

/** Routes console.* to the log pane while the console owns the screen. */
function captureConsole(): MessageSource & { restore(): void } {
  const saved = new Map<string, unknown>();
  let listener: ((level: Level, text: string) => void) | undefined;
  const early: [Level, string][] = [];
  const target = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, level] of Object.entries(CONSOLE_METHODS)) {
    saved.set(method, target[method]);
    target[method] = (...args: unknown[]) => {
      for (const line of format(...args).split('\n')) {
        if (listener) listener(level, line);
        else early.push([level, line]);
      }
    };
  }
  return {
    subscribe(next) {
      listener = next;
      for (const [level, text] of early.splice(0)) next(level, text);
      return () => {
        if (listener === next) listener = undefined;
      };
    },
    restore() {
      for (const [method, fn] of saved) target[method] = fn as (...args: unknown[]) => void;
    },
  };
}

/**
 * Loads Ink without waking Node's `fetch`: yoga-layout's wasm loader tries `fetch` on its
 * inlined binary first when there is one, and Node loads undici (~100 ms of start-up the
 * console never uses) for that call, which fails anyway. `fetch` reads as undefined during
 * the import (the loader then decodes the binary directly) and is put back untouched.
 */
async function importInk(): Promise<typeof InkModule> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  const shadow = saved?.configurable === true;
  if (shadow) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await import('ink');
  } finally {
    if (shadow && saved) Object.defineProperty(globalThis, 'fetch', saved);
  }
}

type ConsoleModules = [typeof InkModule, typeof ReactModule, typeof AppModule, typeof PrefsModule];
let modules: Promise<ConsoleModules> | undefined;

/**
 * Starts loading the console's modules (Ink, React, the app): the caller can open the
 * session meanwhile, so file reads of both overlap. NODE_ENV defaults to `production`
 * first (React's development build is several times slower).
 */
export function preloadConsole(): Promise<ConsoleModules> {
  const env = process.env;
  if (env.NODE_ENV === undefined) env.NODE_ENV = 'production';
  // A bundle (npm run build) hands a CommonJS package over as its default export only.
  const react = import('react').then((m) => (m as unknown as { default?: typeof ReactModule }).default ?? m);
  modules ??= Promise.all([importInk(), react, import('./app.js'), import('./prefs.js')]);
  return modules;
}

export async function runConsole(session: FleetSession, options: ConsoleOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write('konf: the console needs a terminal (stdin and stdout); use a command instead, e.g. `konf diff HOST`\n');
    return 2;
  }
  const ownTerminal = stdout === process.stdout;
  const forceExitMs = options.forceExitMs ?? (ownTerminal ? 3000 : 0);
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const [{ render }, { createElement }, { App }, { openPrefs }] = await preloadConsole();
  const warnings: string[] = [];
  let prefs = options.prefs;
  if (!prefs) {
    const opened = openPrefs({ configDir: options.configDir });
    prefs = opened.store;
    if (opened.warning) warnings.push(opened.warning);
  }

  const screen = new ScreenWriter(stdout);
  options.onScreen?.(screen);
  const captured = captureConsole();

  // ---- the terminal: once it is gone, nothing is written to it again
  let terminalGone = false;
  let stderrGone = stderr === stdout;
  const write = (stream: NodeJS.WriteStream, data: string) => {
    if (terminalGone || (stream === stderr && stderrGone)) return;
    try {
      stream.write(data);
    } catch (error) {
      if (stream === stderr) stderrGone = true;
      else if (isTerminalGoneError(error)) terminalGone = true;
    }
  };

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    captured.restore();
    if (terminalGone) screen.detach();
    else screen.close();
    if (!terminalGone) {
      try {
        if (stdin.isTTY) stdin.setRawMode(false);
      } catch {
        // the terminal is gone
      }
    }
    write(stdout, SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };

  write(stdout, ENTER_ALT_SCREEN + HIDE_CURSOR);
  setBlocking(stdout, false);
  let settled = false;
  let settle: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    settle = (code) => {
      if (settled) return;
      settled = true;
      resolve(code);
    };
  });

  let instance: ReturnType<typeof inkRender> | undefined;
  let controller: Controller | undefined;
  const unmount = () => {
    try {
      instance?.unmount();
    } catch {
      // already down
    }
  };

  /** Leaves with `code`: operations asked to stop at a safe point first (bounded), then the screen. */
  let stopping = false;
  const terminate = (code: number, reason?: string) => {
    if (stopping) {
      // Asked again (a second SIGTERM, Ctrl-C after a hangup): leave now.
      unmount();
      restore();
      settle(code);
      if (forceExitMs > 0) process.exit(code);
      return;
    }
    stopping = true;
    const stopped = controller ? controller.shutdown(stopGraceMs, reason) : Promise.resolve();
    void stopped.finally(() => {
      unmount();
      restore();
      settle(code);
    });
  };
  let finished = false;
  let hungUp = false;
  const hangup = () => {
    // The terminal going away is reported several ways (SIGHUP, end of input, EIO/EPIPE on
    // output): one hangup, not a second request to leave at once.
    if (finished || hungUp) return;
    hungUp = true;
    terminalGone = true;
    screen.detach();
    terminate(129, 'the terminal closed (SIGHUP)');
  };

  let crashed = false;
  const crash = (error: unknown) => {
    // A write to a terminal that went away is a hangup, not a crash (and must not loop).
    if (isTerminalGoneError(error)) return hangup();
    if (crashed) return;
    crashed = true;
    unmount();
    restore();
    write(stderr, `konf: the console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    settle(1);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C in the editor (a cooked terminal) is the editor's, as with git.
    if (signal === 'SIGINT' && editing) return;
    if (signal === 'SIGHUP') hangup();
    else terminate(SIGNAL_CODES[signal] ?? 143, signal);
  };
  const onExit = () => restore();
  // A stray rejected promise (a bug somewhere below) is shown in the log pane; the console carries on.
  const onRejection = (reason: unknown) => {
    console.error(`internal error (unhandled rejection): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  };
  const onOutputError = () => hangup();
  const onErrorError = () => {
    stderrGone = true;
  };
  // End of input or a read error (EIO) on the terminal: it is gone.
  const onInputEnd = () => hangup();
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', onRejection);
  const signalSource: SignalSource = options.signals ?? process;
  for (const signal of signals) signalSource.on(signal, onSignal);
  process.on('exit', onExit);
  stdout.on('error', onOutputError);
  if (stderr !== stdout) stderr.on('error', onErrorError);
  stdin.on('error', onInputEnd);
  stdin.on('end', onInputEnd);

  /**
   * $EDITOR on a repository file, lazygit-style: the App has released the keyboard (its
   * input is inactive), frames wait, the terminal leaves the alternate screen and stops
   * being read; the editor gets the terminal; then the console takes it back and redraws.
   */
  let editing = false;
  const edit = async (file: string): Promise<{ error?: string }> => {
    if (terminalGone || stopping || editing) return { error: 'the terminal is not free' };
    editing = true;
    screen.suspend();
    try {
      write(stdout, SHOW_CURSOR + LEAVE_ALT_SCREEN);
      await drained(stdout, 2000);
      stdin.pause();
      try {
        stdin.setRawMode(false);
      } catch {
        // the terminal is gone
      }
      const run = await editFileAsync(file);
      if (run.error !== undefined) return { error: `${run.editor}: ${run.error}` };
      if (run.code !== 0) return { error: `${run.editor} exited with status ${run.code}` };
      return {};
    } finally {
      editing = false;
      if (!terminalGone && !stopping) {
        write(stdout, ENTER_ALT_SCREEN + HIDE_CURSOR);
        screen.resume();
      }
    }
  };

  try {
    instance = render(
      createElement(App, {
        session,
        prefs,
        concurrency: options.concurrency,
        color: options.color,
        warnings,
        messages: captured,
        onRedraw: () => screen.repaint(),
        onController: (c: Controller) => {
          controller = c;
        },
        edit,
      }),
      {
        stdin,
        stdout: screen as unknown as NodeJS.WriteStream,
        stderr,
        debug: true,
        exitOnCtrlC: false,
        patchConsole: false,
      },
    );
    // What saving preferences needs loads once the first frame is out.
    const warm = setTimeout(() => prefs?.warm?.(), 250);
    warm.unref();
    instance.waitUntilExit().then(
      () => {
        restore();
        settle(0);
      },
      (error: unknown) => crash(error),
    );
  } catch (error) {
    crash(error);
  }

  try {
    const code = await done;
    finished = true;
    restore();
    // Preferences saved on the way out (the selected host) reach the disk before we return.
    if (!crashed) await Promise.race([prefs.flush?.(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    // The last bytes (leaving the alternate screen) reach the terminal before we return: the
    // caller may exit at once. A terminal that takes nothing (stalled, gone) is not waited for.
    if (!terminalGone && !stopping) await drained(stdout, 2000);
    if (!stdout.writableLength) setBlocking(stdout, true);
    if (stopping && forceExitMs > 0) {
      // The terminal is gone or we were told to stop: the caller closes the session and
      // leaves; if something below still holds the process after that, it goes anyway.
      setTimeout(() => process.exit(code), forceExitMs).unref();
    }
    return code;
  } finally {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', onRejection);
    for (const signal of signals) signalSource.off(signal, onSignal);
    process.off('exit', onExit);
    finished = true;
    restore();
    // Late errors of a dead terminal stay quiet: the (now idle) listeners stay on its streams.
    if (!terminalGone) {
      stdin.off('error', onInputEnd);
      stdout.off('error', onOutputError);
    }
    stdin.off('end', onInputEnd);
    if (stderr !== stdout && !stderrGone) stderr.off('error', onErrorError);
  }
}
