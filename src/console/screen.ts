/**
 * The console's terminal writer. Ink renders in debug mode into this stream, so every
 * write is one whole frame; the writer compares it with what is on screen and rewrites
 * only the lines that changed, each placed with an absolute cursor move. Over a slow SSH
 * link a cursor move in the host list costs a few lines, not a screen.
 *
 * (Ink's own incremental mode loses track of the cursor by one line when the frame fills
 * the terminal, and its standard mode erases and rewrites every line of every frame.)
 */
import { EventEmitter } from 'node:events';

const ESC = '\x1b[';
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;
const CLEAR = `${ESC}2J`;
const END_OF_LINE = `${ESC}0m${ESC}K`;

export interface ScreenOptions {
  /** Shortest time between two screen updates (ms); renders in between are coalesced. */
  minIntervalMs?: number;
}

/** A stdout for Ink: the size and resize events of the real terminal, frames diffed by line. */
export class ScreenWriter extends EventEmitter {
  readonly isTTY = true;
  /** Bytes written to the terminal (for measurements). */
  bytes = 0;
  private shown: string[] = [];
  private pending: string | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastFlush = 0;
  private closed = false;
  /** The terminal takes no more output right now (its buffer is full): frames wait for 'drain'. */
  private waitingForDrain = false;
  /** The next flush clears the screen first (repaint). */
  private clearFirst = false;
  private readonly onDrain = () => {
    this.waitingForDrain = false;
    if (this.pending !== undefined) this.flush();
  };
  private readonly minInterval: number;
  private readonly onResize = () => {
    this.repaint();
    this.emit('resize');
  };

  constructor(
    private readonly out: NodeJS.WriteStream,
    options: ScreenOptions = {},
  ) {
    super();
    this.minInterval = options.minIntervalMs ?? 16;
    out.on('resize', this.onResize);
  }

  get columns(): number {
    return this.out.columns || 80;
  }

  get rows(): number {
    return this.out.rows || 24;
  }

  /** Ink checks this before its final frame. */
  get destroyed(): boolean {
    return this.closed;
  }

  private send(data: string) {
    if (data.length === 0 || this.closed) return;
    this.bytes += Buffer.byteLength(data);
    try {
      this.out.write(data);
    } catch {
      // The terminal is gone (EIO, EPIPE, destroyed stream): nothing more goes out.
      this.detach();
      return;
    }
    // A slow link (or a stalled terminal) is not written into without bound: later frames
    // wait for 'drain', and only the newest one goes out then.
    if (this.out.writableNeedDrain && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.out.once('drain', this.onDrain);
    }
  }

  /** Ink writes each frame here. */
  write(frame: string): boolean {
    if (this.closed) return true;
    this.pending = frame;
    if (this.shown.length === 0 && this.lastFlush === 0) {
      // The first frame goes out at once: time to first frame is what a user waits for.
      this.flush();
      return true;
    }
    if (this.timer || this.waitingForDrain) return true;
    const wait = this.minInterval - (Date.now() - this.lastFlush);
    this.timer = wait > 0 ? setTimeout(() => this.flush(), wait) : setImmediate(() => this.flush());
    return true;
  }

  /** Puts the latest frame on screen: only its changed lines. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    if (this.waitingForDrain) return;
    const frame = this.pending;
    this.pending = undefined;
    if (frame === undefined || this.closed) return;
    this.lastFlush = Date.now();
    const clear = this.clearFirst ? CLEAR + HIDE_CURSOR : '';
    this.clearFirst = false;
    this.send(clear + screenDiff(this.shown, frame.split('\n'), this.rows));
    this.shown = frame.split('\n').slice(0, this.rows);
  }

  /** Clears the screen and draws the last frame again in full (resize, Ctrl-L). */
  repaint(): void {
    if (this.closed) return;
    const frame = this.pending ?? this.shown.join('\n');
    this.shown = [];
    this.clearFirst = true;
    this.pending = frame;
    this.flush();
  }

  /** Writes what is pending and stops listening to the terminal. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.detach();
  }

  /** Stops writing at once, pending frames dropped (the terminal is gone, or we are leaving). */
  detach(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    this.pending = undefined;
    this.closed = true;
    this.out.off('resize', this.onResize);
    this.out.off('drain', this.onDrain);
  }
}

/** The bytes that turn screen `before` into `after` (lines are 1-based rows from the top). */
export function screenDiff(before: readonly string[], after: readonly string[], rows: number): string {
  let data = '';
  const count = Math.min(rows, Math.max(before.length, after.length));
  for (let i = 0; i < count; i++) {
    const next = i < after.length ? after[i]! : '';
    const previous = i < before.length ? before[i] : undefined;
    if (next === previous) continue;
    if (next === '' && previous === undefined) continue;
    data += `${ESC}${i + 1};1H${next}${END_OF_LINE}`;
  }
  return data;
}
