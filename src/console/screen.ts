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
import { textWidth } from './ink/textWidth.js';
import { cellsOf, type Cells } from './screenCells.js';

const ESC = '\x1b[';
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;
const CLEAR = `${ESC}2J`;

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
  /** Another program (the editor) has the terminal: frames wait. */
  private suspended = false;
  private readonly onDrain = () => {
    this.waitingForDrain = false;
    if (this.pending !== undefined) this.flush();
  };
  private readonly minInterval: number;
  private readonly onResize = () => {
    // The last frame was laid out for the old size, and what the terminal shows now is
    // unknown (tmux and some terminals reflow long lines into the rows below): the next
    // frame, laid out for the new size, is drawn whole on a cleared screen. Ink renders
    // that frame when it hears of the resize; only if it does not is the old one drawn again.
    const last = this.pending ?? this.shown.join('\n');
    this.shown = [];
    this.pending = undefined;
    this.clearFirst = true;
    this.emit('resize');
    if (this.pending === undefined && last !== '') {
      this.pending = last;
      this.flush();
    }
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
    if (this.timer || this.waitingForDrain || this.suspended) return true;
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
    if (this.waitingForDrain || this.suspended) return;
    const frame = this.pending;
    this.pending = undefined;
    if (frame === undefined || this.closed) return;
    this.lastFlush = Date.now();
    const clear = this.clearFirst ? CLEAR + HIDE_CURSOR : '';
    this.clearFirst = false;
    this.send(clear + screenDiff(this.shown, frame.split('\n'), this.rows, this.columns));
    this.shown = frame.split('\n').slice(0, this.rows);
  }

  /** Frames are kept, not written, until resume() (the terminal belongs to an editor meanwhile). */
  suspend(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    this.suspended = true;
  }

  /** The terminal is the console's again: the newest frame is drawn in full. */
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.repaint();
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

/**
 * The bytes that turn screen `before` into `after` (rows of text with SGR styles, top
 * first). Each changed row gets only its changed cells (its whole text when it holds
 * something else than SGR styles and plain cells), and when a band of rows moved up or
 * down (a list, the diff or the log scrolled) and that is cheaper, the terminal moves
 * them itself: scroll margins (DECSTBM) around the band, SU/SD, margins reset; then the
 * rows are repaired as above.
 */
export function screenDiff(before: readonly string[], after: readonly string[], rows: number, columns: number): string {
  const height = Math.min(rows, Math.max(before.length, after.length));
  const old = (i: number) => (i < before.length ? before[i]! : '');
  const next = (i: number) => (i < after.length ? after[i]! : '');
  let first = -1;
  let last = -1;
  for (let i = 0; i < height; i++) {
    if (old(i) === next(i)) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return '';
  // Each changed row's own update (its cells rewritten in place), made once: the scroll
  // search costs rows with them and the plain way sends them.
  const inPlace: (string | undefined)[] = [];
  const update = (i: number) => (inPlace[i - first] ??= rowUpdate(i, old(i), next(i), columns));
  const plain = () => {
    let data = '';
    for (let i = first; i <= last; i++) data += update(i);
    return data;
  };
  // Nothing on screen yet (the first frame, a repaint): there is nothing to scroll.
  if (last - first < 2 || before.length === 0) return plain();
  const scroll = bestScroll(first, last, old, next, columns, (i) => update(i).length);
  if (!scroll) return plain();
  return scroll;
}

/** Row shifts tried: lists and the diff move by one row a key, the log by a few lines. */
const SHIFTS = [1, 2, 3, 4, 5, -1, -2, -3, -4, -5];

/**
 * The cheapest way to update rows first..last with one scrolled band, or undefined when
 * rewriting the changed rows is cheaper. For a shift k (content moves up by k; negative:
 * down) and a band [s, e], rows s..e-k show what rows s+k..e showed and k blank rows
 * appear at the bottom of the band (for a shift down: at its top).
 */
function bestScroll(first: number, last: number, old: (i: number) => string, next: (i: number) => string, columns: number, inPlace: (i: number) => number): string | undefined {
  const n = last - first + 1;
  const cost = (i: number, from: string) => rowUpdate(i, from, next(i), columns).length;
  const stay: number[] = [];
  for (let r = 0; r < n; r++) stay.push(inPlace(first + r));
  let blank: number[] | undefined;
  const plainCost = stay.reduce((a, b) => a + b, 0);
  let best: { cost: number; s: number; e: number; k: number } | undefined;
  for (const k of SHIFTS) {
    const m = Math.abs(k);
    if (m >= n) continue;
    // A shift is costed row by row only when one of a few rows spread over the band is
    // less than half as dear moved as left in place (rows that moved whole, a pane that
    // scrolled beside a fixed one); a page of new text would cost more to search than to
    // draw.
    const lo = k > 0 ? 0 : m;
    const hi = k > 0 ? n - 1 - m : n - 1;
    let promising = false;
    for (let j = 0; j < 3 && !promising; j++) {
      const r = lo + Math.floor(((hi - lo) * (2 * j + 1)) / 6);
      promising = 2 * cost(first + r, old(first + r + k)) < stay[r]!;
    }
    if (!promising) continue;
    if (!blank) {
      blank = [];
      for (let r = 0; r < n; r++) blank.push(cost(first + r, ''));
    }
    // moved[r]: cost of row first+r when it shows what row first+r+k showed.
    const moved: number[] = [];
    for (let r = 0; r < n; r++) {
      const from = first + r + k;
      moved.push(from < first || from > last ? Number.POSITIVE_INFINITY : cost(first + r, old(from)));
    }
    // Band [s, e] (relative): Σ stay outside + Σ moved inside, but the m rows that come
    // in blank, + the scroll command. Prefix sums make each band O(1).
    const sum = (xs: number[]) => {
      const p = [0];
      for (const x of xs) p.push(p[p.length - 1]! + x);
      return (from: number, to: number) => (to < from ? 0 : p[to + 1]! - p[from]!);
    };
    const movedSum = sum(moved);
    const blankSum = sum(blank);
    const staySum = sum(stay);
    for (let s = 0; s < n; s++) {
      for (let e = s + m; e < n; e++) {
        const inside = k > 0 ? movedSum(s, e - m) + blankSum(e - m + 1, e) : blankSum(s, s + m - 1) + movedSum(s + m, e);
        if (!Number.isFinite(inside)) continue;
        const c = inside + staySum(0, s - 1) + staySum(e + 1, n - 1) + scrollCommand(first + s, first + e, k).length;
        if (!best || c < best.cost) best = { cost: c, s: first + s, e: first + e, k };
      }
    }
  }
  if (!best || best.cost >= plainCost) return undefined;
  const { s, e, k } = best;
  const m = Math.abs(k);
  let data = scrollCommand(s, e, k);
  for (let i = first; i <= last; i++) {
    let shown = old(i);
    if (i >= s && i <= e) {
      if (k > 0) shown = i <= e - m ? old(i + k) : '';
      else shown = i < s + m ? '' : old(i + k);
    }
    if (shown !== next(i)) data += rowUpdate(i, shown, next(i), columns);
  }
  return data;
}

/** Scroll rows top..bottom (0-based) by k (up when positive), margins reset afterwards. */
function scrollCommand(top: number, bottom: number, k: number): string {
  return `${ESC}${top + 1};${bottom + 1}r${ESC}${Math.abs(k)}${k > 0 ? 'S' : 'T'}${ESC}r`;
}

// ---------------------------------------------------------------- one row

const at = (row: number, column: number) => `${ESC}${row + 1};${column + 1}H`;

/** The bytes that turn row `row` from `old` into `next`: its changed cells, or the whole row. */
export function rowUpdate(row: number, old: string, next: string, columns: number): string {
  if (old === next) return '';
  const a = cellsOf(old);
  const b = cellsOf(next);
  if (!a || !b || b.chars.length > columns) return wholeRow(row, next, columns);
  const width = Math.min(columns, Math.max(a.chars.length, b.chars.length));
  const charAt = (c: Cells, x: number) => (x < c.chars.length ? c.chars[x]! : ' ');
  const styleAt = (c: Cells, x: number) => (x < c.chars.length ? c.styles[x]! : '');
  // Past this column the new row is blank: erased with EL when the old one is not.
  let end = b.chars.length;
  while (end > 0 && b.chars[end - 1] === ' ' && b.styles[end - 1] === '') end--;
  let data = '';
  let x = 0;
  const limit = Math.min(end, width);
  while (x < limit) {
    if (charAt(a, x) === charAt(b, x) && styleAt(a, x) === styleAt(b, x)) {
      x++;
      continue;
    }
    // A span of changes; gaps of a few equal cells are written through (cheaper than a jump).
    let start = x;
    let stop = x;
    let equalRun = 0;
    for (let y = x; y < limit; y++) {
      if (charAt(a, y) === charAt(b, y) && styleAt(a, y) === styleAt(b, y)) {
        if (++equalRun > 6) break;
      } else {
        equalRun = 0;
        stop = y;
      }
    }
    // Never start or end inside a wide character (of either row).
    while (start > 0 && (charAt(b, start) === '' || charAt(a, start) === '')) start--;
    while (stop + 1 < width && (charAt(b, stop + 1) === '' || charAt(a, stop + 1) === '')) stop++;
    data += at(row, start);
    let current: string | undefined;
    for (let y = start; y <= stop; y++) {
      const ch = charAt(b, y);
      if (ch === '') continue;
      const st = styleAt(b, y);
      if (st !== current) {
        data += `${ESC}${st ? `0;${st}` : '0'}m`;
        current = st;
      }
      data += ch;
    }
    if (current) data += `${ESC}0m`;
    x = stop + 1;
  }
  // The rest of the old row, where the new one is blank.
  let oldEnd = a.chars.length;
  while (oldEnd > 0 && a.chars[oldEnd - 1] === ' ' && a.styles[oldEnd - 1] === '') oldEnd--;
  if (oldEnd > end && end < columns) data += `${at(row, end)}${ESC}0m${ESC}K`;
  return data;
}

/**
 * The whole row: its text, styles ended, and the rest of the line erased — unless the text
 * fills the last column: the cursor then waits in the pending-wrap position, where an
 * erase would take the last character with it (xterm, the Linux console, Windows Terminal).
 */
function wholeRow(row: number, next: string, columns: number): string {
  const width = textWidth(next);
  if (width > columns) return `${at(row, 0)}${clipped(next, columns)}${ESC}0m`;
  return `${at(row, 0)}${next}${ESC}0m${width === columns ? '' : `${ESC}K`}`;
}

/**
 * A row wider than the terminal cut at its last column: written whole it would wrap into
 * the row below (or scroll the screen from the last row). Such a frame exists for a moment
 * after a resize, laid out for the old width before the console lays itself out again.
 */
function clipped(line: string, columns: number): string {
  const cells = cellsOf(line);
  if (!cells) return line;
  let data = '';
  let current: string | undefined;
  for (let x = 0; x < columns && x < cells.chars.length; x++) {
    let ch = cells.chars[x]!;
    if (ch === '') continue;
    // A wide character that would straddle the last column is left out.
    if (x === columns - 1 && cells.chars[x + 1] === '') ch = ' ';
    const st = cells.styles[x]!;
    if (st !== current) {
      data += `${ESC}${st ? `0;${st}` : '0'}m`;
      current = st;
    }
    data += ch;
  }
  return data;
}
