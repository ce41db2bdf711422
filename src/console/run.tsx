/**
 * Starts the console on a terminal: alternate screen in, and out again on quit, on
 * Ctrl-C, on SIGTERM/SIGHUP and on a crash (the error is printed after the terminal is
 * restored, and the exit code is non-zero). Resolves with the exit code; the caller owns
 * the session (close it afterwards).
 */
import { render } from 'ink';
import type { FleetSession } from '../core/ops/session.js';
import { App } from './app.js';
import { openPrefs, type PrefsStore } from './prefs.js';

export interface ConsoleOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Preferences store; default: conf in `configDir`, `KONF_CONFIG_DIR` or the user's config folder. */
  prefs?: PrefsStore;
  configDir?: string;
  /** Background status checks at once (default: the preference, 8). */
  concurrency?: number;
  /** Use the alternate screen (default true). */
  altScreen?: boolean;
  /** Colors (default: on unless NO_COLOR is set). */
  color?: boolean;
}

export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export async function runConsole(session: FleetSession, options: ConsoleOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write('konf: the console needs a terminal (stdin and stdout); use a command instead, e.g. `konf diff HOST`\n');
    return 2;
  }
  const warnings: string[] = [];
  let prefs = options.prefs;
  if (!prefs) {
    const opened = openPrefs({ configDir: options.configDir });
    prefs = opened.store;
    if (opened.warning) warnings.push(opened.warning);
  }

  const altScreen = options.altScreen ?? true;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
    stdout.write(SHOW_CURSOR + (altScreen ? LEAVE_ALT_SCREEN : ''));
  };

  if (altScreen) stdout.write(ENTER_ALT_SCREEN);
  let settle: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    settle = resolve;
  });

  const instance = render(<App session={session} prefs={prefs} concurrency={options.concurrency} color={options.color} warnings={warnings} />, {
    stdin,
    stdout,
    stderr,
    exitOnCtrlC: false,
    patchConsole: true,
    incrementalRendering: true,
  });

  const crash = (error: unknown) => {
    try {
      instance.unmount();
    } catch {
      // already down
    }
    restore();
    stderr.write(`konf: the console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    settle(1);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      instance.unmount();
    } catch {
      // already down
    }
    restore();
    settle(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
  };
  const onExit = () => restore();
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const signal of signals) process.on(signal, onSignal);
  process.on('exit', onExit);

  instance.waitUntilExit().then(
    () => {
      restore();
      settle(0);
    },
    (error: unknown) => crash(error),
  );

  try {
    return await done;
  } finally {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', onExit);
    restore();
  }
}
