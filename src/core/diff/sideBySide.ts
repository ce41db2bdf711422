/**
 * Rows for the console's diff views (and the CLI's side-by-side printer), built from the
 * structured hunks the line diff made (FileChange.hunks): no unified text is written and
 * parsed back on the way. A change that carries only unified text (older producers, a
 * rollback preview made elsewhere) is read into hunks by parseHunks. diff2html makes the
 * HTML report only (report.ts).
 *
 * Linear in the size of the diff: deletes and inserts are paired only within one run of
 * consecutive changes, and each pair's word diff is bounded (long lines and lines with too
 * many word edits are highlighted whole; runs of more than MAX_WORD_DIFF_PAIRS pairs get no
 * word highlights at all).
 */
import { diffWordsWithSpace } from 'diff';
import type { DiffHunk, Segment, SideBySideRow, SideCell, UnifiedRow } from './types.js';

/** How a carriage return is shown. */
export const CR_SYMBOL = '␍';
/** Lines longer than this are not word-diffed: the whole pair is highlighted. */
export const MAX_WORD_DIFF_LINE = 2000;
/** Most word-level edits looked for between a paired delete and insert. */
const MAX_WORD_EDITS = 200;
/**
 * Runs with more pairs than this (a whole file replaced, a mass reindent) get no word
 * highlights: the lines are shown as plain deletes/inserts, keeping huge diffs fast.
 */
export const MAX_WORD_DIFF_PAIRS = 1000;

/** What rows are made from: a change's hunks, or (when that is all there is) its unified text. */
export type DiffSource = string | readonly DiffHunk[] | { hunks?: readonly DiffHunk[]; unified?: string };

function hunksOfSource(source: DiffSource): readonly DiffHunk[] {
  if (typeof source === 'string') return parseHunks(source);
  if (Array.isArray(source)) return source as readonly DiffHunk[];
  const change = source as { hunks?: readonly DiffHunk[]; unified?: string };
  return change.hunks ?? (change.unified === undefined ? [] : parseHunks(change.unified));
}

/**
 * Hunks of a unified text (one or more files): `---`/`+++` headers skipped, each `@@`
 * header followed by exactly the lines its counts announce (so content that looks like a
 * header is never taken for one), `\ No newline at end of file` markers kept.
 */
export function parseHunks(unified: string): DiffHunk[] {
  const lines = unified.split('\n');
  const hunks: DiffHunk[] = [];
  let hunk: DiffHunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of lines) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      // An empty line inside a hunk is a context line whose space was stripped.
      const sign = line === '' ? ' ' : line[0];
      if (sign === ' ' || sign === '-' || sign === '+') {
        if (sign !== '+') oldLeft--;
        if (sign !== '-') newLeft--;
        hunk.lines.push(line === '' ? ' ' : line);
        continue;
      }
    }
    if (line.startsWith('\\') && hunk) {
      hunk.lines.push(line);
      continue;
    }
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (header) {
      const oldLines = header[2] === undefined ? 1 : Number(header[2]);
      const newLines = header[4] === undefined ? 1 : Number(header[4]);
      // Back to the structured form's starts (the text's start is one lower for an empty side).
      hunk = {
        oldStart: Number(header[1]) + (oldLines === 0 ? 1 : 0),
        oldLines,
        newStart: Number(header[3]) + (newLines === 0 ? 1 : 0),
        newLines,
        lines: [],
      };
      hunks.push(hunk);
      oldLeft = oldLines;
      newLeft = newLines;
    }
  }
  return hunks;
}

/** A hunk's header as the unified text writes it. */
export function hunkHeader(h: DiffHunk): string {
  const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
  const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
  return `@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@`;
}

interface Line {
  line: number;
  text: string;
  noNewline: boolean;
}

type Item =
  | { t: 'hunk'; header: string }
  | { t: 'context'; old: Line; new: Line }
  | { t: 'run'; dels: Line[]; ins: Line[] };

/** Hunks, context lines and runs of changes, in order. */
function walk(source: DiffSource): Item[] {
  const items: Item[] = [];
  for (const h of hunksOfSource(source)) {
    items.push({ t: 'hunk', header: hunkHeader(h) });
    let oldNo = h.oldStart;
    let newNo = h.newStart;
    let run: { t: 'run'; dels: Line[]; ins: Line[] } | undefined;
    for (let i = 0; i < h.lines.length; i++) {
      const raw = h.lines[i]!;
      const sign = raw[0];
      if (sign === '\\') continue;
      const noNewline = h.lines[i + 1]?.startsWith('\\') === true;
      const text = raw.slice(1).replace(/\r/g, CR_SYMBOL);
      if (sign === '-') {
        if (run === undefined || run.ins.length > 0) {
          run = { t: 'run', dels: [], ins: [] };
          items.push(run);
        }
        run.dels.push({ line: oldNo++, text, noNewline });
      } else if (sign === '+') {
        if (run === undefined) {
          run = { t: 'run', dels: [], ins: [] };
          items.push(run);
        }
        run.ins.push({ line: newNo++, text, noNewline });
      } else {
        run = undefined;
        items.push({ t: 'context', old: { line: oldNo++, text, noNewline }, new: { line: newNo++, text, noNewline } });
      }
    }
  }
  return items;
}

function plain(text: string): Segment[] {
  return text === '' ? [] : [{ text, changed: false }];
}

function push(segs: Segment[], text: string, changed: boolean): void {
  if (text === '') return;
  const prev = segs[segs.length - 1];
  if (prev && prev.changed === changed) prev.text += text;
  else segs.push({ text, changed });
}

/**
 * Word-level highlights for a deleted line paired with an inserted one. Lines too long, or
 * too different to diff cheaply, are highlighted whole.
 */
export function wordSegments(oldText: string, newText: string): { old: Segment[]; new: Segment[] } {
  const whole = () => ({
    old: oldText === '' ? [] : [{ text: oldText, changed: true }],
    new: newText === '' ? [] : [{ text: newText, changed: true }],
  });
  if (oldText.length > MAX_WORD_DIFF_LINE || newText.length > MAX_WORD_DIFF_LINE) return whole();
  const changes = diffWordsWithSpace(oldText, newText, { maxEditLength: MAX_WORD_EDITS });
  if (changes === undefined) return whole();
  const o: Segment[] = [];
  const n: Segment[] = [];
  for (const c of changes) {
    if (c.added) push(n, c.value, true);
    else if (c.removed) push(o, c.value, true);
    else {
      push(o, c.value, false);
      push(n, c.value, false);
    }
  }
  return { old: o, new: n };
}

interface Pairing {
  dels: SideCell[];
  ins: SideCell[];
}

function cell(l: Line, kind: SideCell['kind'], segments: Segment[]): SideCell {
  const c: SideCell = { line: l.line, segments, kind };
  if (l.noNewline) c.noNewline = true;
  return c;
}

/** Pairs the i-th delete with the i-th insert of a run; the rest stay unpaired. */
function pairRun(dels: Line[], ins: Line[]): Pairing {
  const d: SideCell[] = [];
  const i: SideCell[] = [];
  const pairs = Math.min(dels.length, ins.length);
  const words = pairs <= MAX_WORD_DIFF_PAIRS;
  for (let k = 0; k < dels.length; k++) {
    const del = dels[k] as Line;
    const add = k < pairs ? ins[k] : undefined;
    if (add && !words) {
      d.push(cell(del, 'delete', plain(del.text)));
      i.push(cell(add, 'insert', plain(add.text)));
    } else if (add) {
      const w = wordSegments(del.text, add.text);
      d.push(cell(del, 'delete', w.old));
      i.push(cell(add, 'insert', w.new));
    } else {
      d.push(cell(del, 'delete', plain(del.text)));
    }
  }
  for (let k = pairs; k < ins.length; k++) i.push(cell(ins[k] as Line, 'insert', plain((ins[k] as Line).text)));
  return { dels: d, ins: i };
}

/**
 * Side-by-side rows built one at a time, when asked for: one pass over the hunks gives the
 * number of rows, where the hunks start and the largest line number; a row (and the word
 * diff of its pair) is made the first time `row(i)` is called, then kept. A view of a
 * 20,000-line diff builds the rows it shows, not the whole file.
 */
export interface SideBySideIndex {
  readonly length: number;
  /** Row indexes of the hunk header rows. */
  readonly hunks: readonly number[];
  /** The largest line number on either side. */
  readonly maxLine: number;
  row(i: number): SideBySideRow;
  /** How many rows have been built so far. */
  built(): number;
}

export function sideBySideIndex(source: DiffSource): SideBySideIndex {
  const items = walk(source);
  const starts = new Array<number>(items.length);
  const hunks: number[] = [];
  let length = 0;
  let maxLine = 0;
  for (let j = 0; j < items.length; j++) {
    const item = items[j]!;
    starts[j] = length;
    if (item.t === 'hunk') {
      hunks.push(length);
      length++;
    } else if (item.t === 'context') {
      maxLine = Math.max(maxLine, item.old.line, item.new.line);
      length++;
    } else {
      maxLine = Math.max(maxLine, item.dels[item.dels.length - 1]?.line ?? 0, item.ins[item.ins.length - 1]?.line ?? 0);
      length += Math.max(item.dels.length, item.ins.length);
    }
  }
  const rows = new Array<SideBySideRow | undefined>(length);
  let built = 0;
  /** The item row i belongs to: the last one starting at or before it. */
  const itemAt = (i: number): number => {
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const make = (i: number): SideBySideRow => {
    const j = itemAt(i);
    const item = items[j]!;
    if (item.t === 'hunk') return { type: 'hunk', header: item.header };
    if (item.t === 'context') return { type: 'context', left: cell(item.old, 'context', plain(item.old.text)), right: cell(item.new, 'context', plain(item.new.text)) };
    const k = i - starts[j]!;
    const del = item.dels[k];
    const add = item.ins[k];
    const row: SideBySideRow = { type: 'change' };
    if (del && add && Math.min(item.dels.length, item.ins.length) <= MAX_WORD_DIFF_PAIRS) {
      const w = wordSegments(del.text, add.text);
      row.left = cell(del, 'delete', w.old);
      row.right = cell(add, 'insert', w.new);
      return row;
    }
    if (del) row.left = cell(del, 'delete', plain(del.text));
    if (add) row.right = cell(add, 'insert', plain(add.text));
    return row;
  };
  return {
    length,
    hunks,
    maxLine,
    row(i: number): SideBySideRow {
      if (i < 0 || i >= length) throw new RangeError(`side-by-side row ${i} of ${length}`);
      let row = rows[i];
      if (!row) {
        row = rows[i] = make(i);
        built++;
      }
      return row;
    },
    built: () => built,
  };
}

/**
 * Side-by-side rows: a hunk row per hunk, context rows with both sides, change rows pairing
 * the deletes and inserts of each run in order (uneven runs leave the other side blank).
 */
export function sideBySideRows(source: DiffSource): SideBySideRow[] {
  const index = sideBySideIndex(source);
  return Array.from({ length: index.length }, (_, i) => index.row(i));
}

/** Unified rows in the diff's own order, with the same word highlights as side-by-side. */
export function unifiedRows(source: DiffSource): UnifiedRow[] {
  const rows: UnifiedRow[] = [];
  const row = (kind: UnifiedRow['kind'], c: SideCell, oldLine?: number, newLine?: number): UnifiedRow => {
    const r: UnifiedRow = { kind, segments: c.segments };
    if (oldLine !== undefined) r.oldLine = oldLine;
    if (newLine !== undefined) r.newLine = newLine;
    if (c.noNewline) r.noNewline = true;
    return r;
  };
  for (const item of walk(source)) {
    if (item.t === 'hunk') rows.push({ kind: 'hunk', header: item.header, segments: [] });
    else if (item.t === 'context') {
      const r = row('context', cell(item.new, 'context', plain(item.new.text)), item.old.line, item.new.line);
      if (item.old.noNewline || item.new.noNewline) r.noNewline = true;
      rows.push(r);
    } else {
      const p = pairRun(item.dels, item.ins);
      for (const c of p.dels) rows.push(row('delete', c, c.line));
      for (const c of p.ins) rows.push(row('insert', c, undefined, c.line));
    }
  }
  return rows;
}
