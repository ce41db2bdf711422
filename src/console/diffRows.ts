/**
 * Turns a FileChange into the rows the diff view renders, for either layout. Text
 * changes come from the core's diff engine (`sideBySideRows` / `unifiedRows` over the
 * change's structured hunks); binary, metadata, link and exclude changes become plain
 * note rows. Results are cached per FileChange object, so scrolling a 20,000-line diff
 * only slices an array.
 *
 * The diff engine (row building, word diffs) is not needed for the first frame: the
 * Controller loads it after (`loadDiffEngine`, the `load-diff-engine` effect), and until
 * then a text diff shows a one-line placeholder (not cached). Nothing here loads it, so
 * the reducers that call fileDoc stay free of imports and side effects.
 */
import type * as SideBySide from '../core/diff/sideBySide.js';
import type { FileChange, Segment, SideCell } from '../core/diff/types.js';
import { takeColumns } from './format.js';
import { textWidth } from './ink/textWidth.js';
import type { DiffLayout } from './state/types.js';

export type { Segment };

export type DiffRow =
  | { type: 'hunk'; header: string }
  | { type: 'note'; text: string; tone: 'info' | 'warn' | 'add' | 'remove' }
  | { type: 'unified'; kind: 'context' | 'delete' | 'insert'; oldLine?: number; newLine?: number; segments: Segment[]; noNewline?: boolean }
  | { type: 'split'; left?: SideCell; right?: SideCell };

export interface DiffDoc {
  /** How many rows. */
  readonly length: number;
  /** Row `i` (0 ≤ i < length): a side-by-side doc builds it (and its word diff) when first asked for, then keeps it. */
  row(i: number): DiffRow;
  /** Every row (built now if it was not): for what reads the whole file (search, wrapping). */
  readonly rows: readonly DiffRow[];
  /** How many rows have been built so far (all of them, except in a side-by-side doc). */
  built(): number;
  /** Row indexes where a change starts (hunk headers, or the first note of a non-text change). */
  hunks: number[];
  /** Digits needed for the largest line number. */
  numberWidth: number;
}

/** A doc whose rows are all made. */
function builtDoc(rows: readonly DiffRow[], hunks: number[], numberWidth: number): DiffDoc {
  return { length: rows.length, row: (i) => rows[i]!, rows, built: () => rows.length, hunks, numberWidth };
}

/** A doc whose rows are made by `make` when first asked for, then kept (the rows a view shows, not the whole file). */
function lazyDoc(length: number, make: (i: number) => DiffRow, hunks: number[], numberWidth: number): DiffDoc {
  const rows = new Array<DiffRow | undefined>(length);
  let built = 0;
  let all: DiffRow[] | undefined;
  const row = (i: number): DiffRow => {
    let r = rows[i];
    if (!r) {
      if (i < 0 || i >= length) throw new RangeError(`diff row ${i} of ${length}`);
      r = rows[i] = make(i);
      built++;
    }
    return r;
  };
  return {
    length,
    row,
    get rows() {
      return (all ??= Array.from({ length }, (_, i) => row(i)));
    },
    built: () => built,
    hunks,
    numberWidth,
  };
}

/** Rows start..end-1 of a doc (only those are built). */
export function docRows(doc: DiffDoc, start: number, end: number): DiffRow[] {
  const out: DiffRow[] = [];
  for (let i = Math.max(0, start); i < Math.min(end, doc.length); i++) out.push(doc.row(i));
  return out;
}

const isControl = (code: number) => code < 0x20 || code === 0x7f;

/** Expands tabs and replaces control characters, so nothing in a file can drive the terminal. */
export function displayText(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) plain = !isControl(text.charCodeAt(i));
  if (plain) return text;
  let out = '';
  for (const ch of text) {
    if (ch === '\t') out += ' '.repeat(4 - (out.length % 4));
    else if (isControl(ch.charCodeAt(0))) out += '\u00b7';
    else out += ch;
  }
  return out;
}

function safeSegments(segments: Segment[]): Segment[] {
  return segments.some((s) => s.text !== displayText(s.text)) ? segments.map((s) => ({ text: displayText(s.text), changed: s.changed })) : segments;
}

function safeCell(cell: SideCell | undefined): SideCell | undefined {
  if (!cell) return undefined;
  const segments = safeSegments(cell.segments);
  return segments === cell.segments ? cell : { ...cell, segments };
}

export function formatMode(mode: number | undefined): string {
  return mode === undefined ? '?' : '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}

function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Plain-language rows for what is not a text diff (and the metadata part of one that is). */
export function noteRows(change: FileChange): DiffRow[] {
  const notes: DiffRow[] = [];
  const note = (text: string, tone: 'info' | 'warn' | 'add' | 'remove' = 'info') => notes.push({ type: 'note', text, tone });
  switch (change.kind) {
    case 'new':
      note('new file: created on the host', 'add');
      break;
    case 'removed':
      note('removed: the file is deleted on the host', 'remove');
      break;
    case 'binary': {
      const b = change.binary;
      note(change.note ? `file differs (${change.note})` : 'binary file differs (contents not shown)', 'warn');
      if (b) {
        note(`  live:    ${b.fromSize === undefined ? 'absent' : `${formatSize(b.fromSize)}  sha256 ${(b.fromSha ?? '').slice(0, 16)}`}`, 'remove');
        note(`  desired: ${b.toSize === undefined ? 'absent' : `${formatSize(b.toSize)}  sha256 ${(b.toSha ?? '').slice(0, 16)}`}`, 'add');
      }
      break;
    }
    case 'metadata':
      note('metadata only: contents are identical');
      break;
    case 'link-changed': {
      const from = change.live && change.live.state === 'symlink' ? change.live.target : '?';
      const to = change.desired && change.desired.state === 'symlink' ? change.desired.target : '?';
      note(`symlink target: ${from} \u2192 ${to}`, 'warn');
      break;
    }
    case 'type-changed':
      note(`type changes: ${change.live?.state ?? '?'} \u2192 ${change.desired?.state ?? '?'}`, 'warn');
      break;
    case 'excluded': {
      const rule = change.excludeRule;
      note(`excluded${rule ? ` by ${rule.pattern} (${rule.file}:${rule.line})` : ''}: never written on this host`);
      break;
    }
    case 'unreadable':
      note(`unreadable on the host: ${change.error ?? 'unknown error'}`, 'warn');
      break;
    case 'unchanged':
      note('unchanged');
      break;
    case 'modified':
      break;
  }
  for (const meta of change.meta) note(`${meta.field}: ${meta.from} \u2192 ${meta.to}`, 'warn');
  if (change.note) note(change.note, 'warn');
  return notes;
}

type DiffEngine = typeof SideBySide;
let engine: DiffEngine | undefined;
let engineLoading: Promise<DiffEngine> | undefined;

/** Loads the diff engine (once); resolves when text diffs can be shown. */
export function loadDiffEngine(): Promise<void> {
  engineLoading ??= import('../core/diff/sideBySide.js').then((loaded) => (engine = loaded));
  return engineLoading.then(() => undefined);
}

export function diffEngineLoaded(): boolean {
  return engine !== undefined;
}

const cache = new WeakMap<FileChange, Partial<Record<DiffLayout, DiffDoc>>>();

/** The rows of one file's diff in the given layout (cached per FileChange object). */
export function fileDoc(change: FileChange, layout: DiffLayout): DiffDoc {
  if (change.unified && !engine) {
    const rows = noteRows(change);
    return builtDoc([...rows, { type: 'note', text: 'loading the diff\u2026', tone: 'info' }], [0], 3);
  }
  const { sideBySideIndex, unifiedRows } = engine ?? ({} as Partial<DiffEngine>);
  let entry = cache.get(change);
  if (!entry) {
    entry = {};
    cache.set(change, entry);
  }
  const hit = entry[layout];
  if (hit) return hit;
  const rows: DiffRow[] = noteRows(change);
  const hunks: number[] = rows.length > 0 ? [0] : [];
  let maxLine = 0;
  let doc: DiffDoc;
  if (change.unified && sideBySideIndex && layout === 'side-by-side') {
    // Side by side: the rows (and their word diffs) are made as the view shows them.
    const notes = rows;
    const index = sideBySideIndex(change);
    for (const h of index.hunks) hunks.push(notes.length + h);
    const make = (i: number): DiffRow => {
      if (i < notes.length) return notes[i]!;
      const row = index.row(i - notes.length);
      return row.type === 'hunk' ? { type: 'hunk', header: displayText(row.header ?? '') } : { type: 'split', left: safeCell(row.left), right: safeCell(row.right) };
    };
    doc = lazyDoc(notes.length + index.length, make, [...new Set(hunks)], Math.max(3, String(index.maxLine).length));
  } else {
    if (change.unified && unifiedRows) {
      for (const row of unifiedRows(change)) {
        if (row.kind === 'hunk') {
          hunks.push(rows.length);
          rows.push({ type: 'hunk', header: displayText(row.header ?? '') });
        } else {
          maxLine = Math.max(maxLine, row.oldLine ?? 0, row.newLine ?? 0);
          rows.push({ type: 'unified', kind: row.kind, oldLine: row.oldLine, newLine: row.newLine, segments: safeSegments(row.segments), noNewline: row.noNewline });
        }
      }
    }
    doc = builtDoc(rows, [...new Set(hunks)], Math.max(3, String(maxLine).length));
  }
  entry[layout] = doc;
  return doc;
}

// ---------------------------------------------------------------- widths, wrapping, where a change is

/** Columns the text of a row gets (after line numbers and sign) at a pane `width`. */
export function diffTextWidth(layout: DiffLayout, width: number, numberWidth: number): number {
  if (layout === 'unified') return Math.max(1, width - 2 * numberWidth - 4);
  const leftWidth = Math.floor((width - 1) / 2);
  return Math.max(0, leftWidth - numberWidth - 2);
}

/** Segments cut into lines of at most `width` columns (whole graphemes; a wide character never split). */
export function wrapSegments(segments: readonly Segment[], width: number): Segment[][] {
  const lines: Segment[][] = [[]];
  let room = width;
  for (const segment of segments) {
    let text = segment.text;
    while (text !== '') {
      const head = takeColumns(text, room);
      if (head.text === '') {
        if (room === width) {
          // a character wider than the column: alone on its line
          const ch = [...text][0]!;
          lines[lines.length - 1]!.push({ text: ch, changed: segment.changed });
          text = text.slice(ch.length);
        }
        lines.push([]);
        room = width;
        continue;
      }
      lines[lines.length - 1]!.push({ text: head.text, changed: segment.changed });
      room -= head.width;
      text = text.slice(head.text.length);
    }
  }
  return lines;
}

const wrapped = new WeakMap<DiffDoc, Map<number, DiffDoc>>();

/**
 * The rows of a doc with long lines wrapped to `textWidth` columns: a line's continuation
 * rows carry no line numbers. Hunk starts follow the rows. Cached per doc and width.
 */
export function wrapDoc(doc: DiffDoc, textWidth: number): DiffDoc {
  let byWidth = wrapped.get(doc);
  if (!byWidth) {
    byWidth = new Map();
    wrapped.set(doc, byWidth);
  }
  const hit = byWidth.get(textWidth);
  if (hit) return hit;
  const rows: DiffRow[] = [];
  const start: number[] = [];
  const width = Math.max(1, textWidth);
  for (const row of doc.rows) {
    start.push(rows.length);
    if (row.type === 'unified') {
      const lines = wrapSegments(row.segments, width);
      lines.forEach((segments, i) => rows.push(i === 0 ? { ...row, segments } : { type: 'unified', kind: row.kind, segments }));
    } else if (row.type === 'split') {
      const left = row.left ? wrapSegments(row.left.segments, width) : [];
      const right = row.right ? wrapSegments(row.right.segments, width) : [];
      const n = Math.max(1, left.length, right.length);
      for (let i = 0; i < n; i++) {
        const cell = (c: SideCell | undefined, parts: Segment[][]): SideCell | undefined =>
          c && i < parts.length ? { ...c, segments: parts[i]!, line: i === 0 ? c.line : 0, noNewline: i === parts.length - 1 ? c.noNewline : undefined } : undefined;
        rows.push({ type: 'split', left: cell(row.left, left), right: cell(row.right, right) });
      }
    } else rows.push(row);
  }
  const out = builtDoc(rows, doc.hunks.map((h) => start[h] ?? h), doc.numberWidth);
  byWidth.set(textWidth, out);
  return out;
}

/** The doc a diff view shows: the file's rows in the layout, wrapped to the pane when asked. */
export function viewDoc(change: FileChange, layout: DiffLayout, wrap: boolean, width: number): DiffDoc {
  const doc = fileDoc(change, layout);
  return wrap ? wrapDoc(doc, diffTextWidth(layout, width, doc.numberWidth)) : doc;
}

/**
 * Where the change of a hunk is on its line: the first changed row from `from` on (within
 * the hunk), its first changed span's start column and width. Undefined when the hunk has
 * no text rows.
 */
export function changedSpan(doc: DiffDoc, from: number): { row: number; column: number; width: number } | undefined {
  const end = doc.hunks.find((h) => h > from) ?? doc.length;
  for (let r = from; r < end; r++) {
    const row = doc.row(r);
    const cells = row.type === 'unified' ? (row.kind === 'context' ? [] : [row.segments]) : row.type === 'split' ? [row.left, row.right].filter((c) => c && c.kind !== 'context').map((c) => c!.segments) : [];
    if (cells.length === 0) continue;
    let best: { column: number; width: number } | undefined;
    for (const segments of cells) {
      let column = 0;
      for (const segment of segments) {
        const w = textWidth(segment.text);
        if (segment.changed) {
          if (!best || column < best.column) best = { column, width: w };
          break;
        }
        column += w;
      }
    }
    return { row: r, ...(best ?? { column: 0, width: 0 }) };
  }
  return undefined;
}
