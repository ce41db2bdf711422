/** Helpers for console component tests: waiting on frames, key sequences, rendering the App. */
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import { App, type AppProps } from '../../src/console/app.js';
import { loadDiffEngine } from '../../src/console/diffRows.js';
import { memoryPrefs } from '../../src/console/prefs.js';
import { FakeSession, type FakeOptions } from './fakeSession.js';

// The app loads the diff engine after its first frame; component tests assert diffs as
// soon as a file is listed, so it is loaded up front here (diffEngine.test covers the wait).
await loadDiffEngine();

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  shiftTab: '\u001B[Z',
  backspace: '\u007F',
  ctrlC: '\u0003',
} as const;

/**
 * Polls `lastFrame()` until `predicate` holds, or fails after `timeoutMs` showing the last
 * frame. Never a fixed sleep: tests wait exactly as long as rendering takes.
 */
export async function waitForFrame(lastFrame: () => string | undefined, predicate: (frame: string) => boolean, timeoutMs = 15_000, what = 'frame'): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let frame = '';
  for (;;) {
    frame = lastFrame() ?? '';
    if (predicate(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${frame}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for a frame containing every one of `texts`. */
export function waitForText(lastFrame: () => string | undefined, ...texts: string[]): Promise<string> {
  return waitForFrame(lastFrame, (f) => texts.every((t) => f.includes(t)), 15_000, JSON.stringify(texts));
}

// Re-exported for the console tests; it lives in wait.ts, which does not load Ink.
export { eventually } from './wait.js';

export interface ConsoleHarness {
  session: FakeSession;
  prefs: ReturnType<typeof memoryPrefs>;
  lastFrame: () => string | undefined;
  frames: string[];
  /** Writes keys one at a time, letting Ink process each. */
  press: (...keys: string[]) => Promise<void>;
  type: (text: string) => Promise<void>;
  exited: () => boolean;
  unmount: () => void;
}

export interface HarnessOptions extends FakeOptions {
  columns?: number;
  rows?: number;
  app?: Partial<AppProps>;
  prefs?: Parameters<typeof memoryPrefs>[0];
}

/** The real App on a FakeSession, through ink-testing-library, at a fixed size (default 80×24). */
export function renderConsole(options: HarnessOptions = {}): ConsoleHarness {
  const session = new FakeSession(options);
  const prefs = memoryPrefs(options.prefs);
  let exited = false;
  const size = { columns: options.columns ?? 80, rows: options.rows ?? 24 };
  const instance = render(<App session={session} prefs={prefs} size={size} color={false} now={() => session.now} eventBatchMs={5} onExit={() => (exited = true)} {...options.app} />);
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      instance.stdin.write(key);
      // Let Ink's input parser and React handle it before the next key.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  return {
    session,
    prefs,
    lastFrame: instance.lastFrame,
    frames: instance.frames,
    press,
    type: (text) => press(...[...text]),
    exited: () => exited,
    unmount: () => instance.unmount(),
  };
}

class SizedStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string) => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = () => this.frames[this.frames.length - 1];
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(data: string) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = () => {
    const data = this.data;
    this.data = null;
    return data;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/**
 * The App following a terminal's size (no `size` prop), on streams whose size can change:
 * for 200×50 and resize tests (ink-testing-library's stdout is fixed at 100 columns).
 */
export function renderSized(columns: number, rows: number, options: FakeOptions = {}) {
  const session = new FakeSession(options);
  const stdout = new SizedStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = inkRender(<App session={session} prefs={memoryPrefs()} color={false} now={() => session.now} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    session,
    stdout,
    lastFrame: stdout.lastFrame,
    press: async (...keys: string[]) => {
      for (const key of keys) {
        stdin.write(key);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    unmount: () => instance.unmount(),
  };
}
