/**
 * Starts the console on a terminal: alternate screen in, and out again on quit, on
 * Ctrl-C, on SIGTERM/SIGHUP and on a crash (an uncaught exception or a render error: the
 * error is printed after the terminal is restored, and the exit code is non-zero). An
 * unhandled promise rejection is shown in the log pane instead; console.* output too. Resolves with the exit code; the caller owns
 * the session (close it afterwards).
 *
 * Ink renders in debug mode (whole frames, no cursor bookkeeping of its own) into a
 * ScreenWriter that updates only the terminal lines that changed.
 *
 * Ink, React and conf are loaded on the first call, after NODE_ENV defaults to
 * `production` (React's development build is several times slower), so importing this
 * module costs a CLI command nothing.
 */
import { format } from 'node:util';
import type { render as inkRender } from 'ink';
import type { Level } from '../core/ops/events.js';
import type { FleetSession } from '../core/ops/session.js';
import type { MessageSource } from './app.js';
import type { PrefsStore } from './prefs.js';
import { HIDE_CURSOR, ScreenWriter, SHOW_CURSOR } from './screen.js';

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

export async function runConsole(session: FleetSession, options: ConsoleOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write('konf: the console needs a terminal (stdin and stdout); use a command instead, e.g. `konf diff HOST`\n');
    return 2;
  }
  if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
  const [{ render }, { createElement }, { App }, { openPrefs }] = await Promise.all([import('ink'), import('react'), import('./app.js'), import('./prefs.js')]);
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
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    captured.restore();
    screen.close();
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      // the terminal is gone
    }
    stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };

  stdout.write(ENTER_ALT_SCREEN + HIDE_CURSOR);
  let settle: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    settle = resolve;
  });

  let instance: ReturnType<typeof inkRender> | undefined;
  const unmount = () => {
    try {
      instance?.unmount();
    } catch {
      // already down
    }
  };
  const crash = (error: unknown) => {
    unmount();
    restore();
    stderr.write(`konf: the console crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    settle(1);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  const onSignal = (signal: NodeJS.Signals) => {
    unmount();
    restore();
    settle(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
  };
  const onExit = () => restore();
  // A stray rejected promise (a bug somewhere below) is shown in the log pane; the console carries on.
  const onRejection = (reason: unknown) => {
    console.error(`internal error (unhandled rejection): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', onRejection);
  for (const signal of signals) process.on(signal, onSignal);
  process.on('exit', onExit);

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
    return await done;
  } finally {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', onRejection);
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', onExit);
    restore();
  }
}
