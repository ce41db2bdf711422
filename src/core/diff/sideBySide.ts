/**
 * Rows for the console's diff views, built from diff2html's parser so the console and the
 * HTML report (also diff2html) split files, hunks and lines the same way.
 *
 * Linear in the size of the diff: deletes and inserts are paired only within one run of
 * consecutive changes, and each pair's word diff is bounded (long lines and lines with too
 * many word edits are highlighted whole; runs of more than MAX_WORD_DIFF_PAIRS pairs get no
 * word highlights at all).
 */
import { diffWordsWithSpace } from 'diff';
import { parse } from 'diff2html';
import type { Segment, SideBySideRow, SideCell, UnifiedRow } from './types.js';

/** How a carriage return is shown (diff2html would otherwise treat it as a line break). */
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

type DiffFile = ReturnType<typeof parse>[number];

export interface PreparedDiff {
  /** The text for diff2html: CRs made visible, a `diff --git` line before each file, no `\` marker lines. */
  text: string;
  /** Per file (in order): old/new line numbers that have no newline after them. */
  noEol: { old: Set<number>; new: Set<number> }[];
  /** Per file (in order): the names from the `---`/`+++` headers, prefixes stripped, /dev/null kept. */
  names: { oldName: string; newName: string }[];
}

/**
 * Makes unified text safe for diff2html's parser: CRs shown as ␍, a `diff --git` line before
 * each file (so content lines that look like `--- x`/`+++ y` headers are never taken for a
 * new file), and the `\ No newline at end of file` markers recorded and removed (diff2html
 * drops them). Hunks are followed by their header counts, so this never mistakes content
 * for headers either.
 */
export function prepareForDiff2html(unified: string): PreparedDiff {
  const lines = unified.replace(/\r/g, CR_SYMBOL).split('\n');
  const out: string[] = [];
  const noEol: PreparedDiff['noEol'] = [];
  const names: PreparedDiff['names'] = [];
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;
  let last: ' ' | '-' | '+' | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const inHunk = oldLeft > 0 || newLeft > 0;
    if (inHunk && (line.startsWith(' ') || line.startsWith('-') || line.startsWith('+') || line === '')) {
      // An empty line inside a hunk is a context line whose space was stripped.
      const sign = line === '' ? ' ' : (line[0] as ' ' | '-' | '+');
      if (sign !== '+') {
        oldNo++;
        oldLeft--;
      }
      if (sign !== '-') {
        newNo++;
        newLeft--;
      }
      last = sign;
      out.push(line === '' ? ' ' : line);
      continue;
    }
    if (line.startsWith('\\')) {
      // `\ No newline at end of file`: about the line just before.
      if (last !== undefined) {
        const marks = noEol[noEol.length - 1];
        if (marks) {
          if (last !== '+') marks.old.add(oldNo);
          if (last !== '-') marks.new.add(newNo);
        }
      }
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]) - 1;
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newNo = Number(hunk[3]) - 1;
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      if (oldLeft === 0) oldNo++;
      if (newLeft === 0) newNo++;
      last = undefined;
      out.push(line);
      continue;
    }
    const next = lines[i + 1];
    if (line.startsWith('--- ') && next !== undefined && next.startsWith('+++ ')) {
      const oldName = headerPath(line.slice(4), 'a/');
      const newName = headerPath(next.slice(4), 'b/');
      out.push(`diff --git ${gitName('a/', oldName, newName)} ${gitName('b/', newName, oldName)}`, line, next);
      noEol.push({ old: new Set(), new: new Set() });
      names.push({ oldName, newName });
      i++;
      last = undefined;
      continue;
    }
    if (line !== '') out.push(line);
  }
  return { text: out.join('\n'), noEol, names };
}

/** `a/etc/x` → `/etc/x`; `/dev/null` stays; a trailing tab+timestamp is dropped. */
function headerPath(raw: string, prefix: 'a/' | 'b/'): string {
  const name = raw.split('\t')[0] ?? raw;
  if (name === '/dev/null') return name;
  return name.startsWith(prefix) ? `/${name.slice(prefix.length)}` : name;
}

function gitName(prefix: 'a/' | 'b/', name: string, other: string): string {
  const n = name === '/dev/null' ? other : name;
  return prefix + (n.startsWith('/') ? n.slice(1) : n);
}

/** diff2html's files for a unified text, with real paths (leading `/`) as names. */
export function parseUnified(unified: string): { files: DiffFile[]; prepared: PreparedDiff } {
  const prepared = prepareForDiff2html(unified);
  const files = prepared.text.trim() === '' ? [] : parse(prepared.text);
  files.forEach((f, i) => {
    const n = prepared.names[i];
    if (n) {
      f.oldName = n.oldName;
      f.newName = n.newName;
    }
  });
  return { files, prepared };
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

/** Hunks, context lines and runs of changes, in order, from diff2html's parsed blocks. */
function walk(unified: string): Item[] {
  const { files, prepared } = parseUnified(unified);
  const items: Item[] = [];
  files.forEach((file, fi) => {
    const marks = prepared.noEol[fi] ?? { old: new Set<number>(), new: new Set<number>() };
    const mk = (n: number, content: string, side: 'old' | 'new'): Line => ({
      line: n,
      text: content.slice(1),
      noNewline: marks[side].has(n),
    });
    for (const block of file.blocks) {
      items.push({ t: 'hunk', header: block.header });
      let run: { t: 'run'; dels: Line[]; ins: Line[] } | undefined;
      for (const l of block.lines) {
        if (l.type === 'context') {
          run = undefined;
          items.push({ t: 'context', old: mk(l.oldNumber, l.content, 'old'), new: mk(l.newNumber, l.content, 'new') });
        } else if (l.type === 'delete') {
          if (run === undefined || run.ins.length > 0) {
            run = { t: 'run', dels: [], ins: [] };
            items.push(run);
          }
          run.dels.push(mk(l.oldNumber, l.content, 'old'));
        } else {
          if (run === undefined) {
            run = { t: 'run', dels: [], ins: [] };
            items.push(run);
          }
          run.ins.push(mk(l.newNumber, l.content, 'new'));
        }
      }
    }
  });
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
 * Side-by-side rows: a hunk row per hunk, context rows with both sides, change rows pairing
 * the deletes and inserts of each run in order (uneven runs leave the other side blank).
 */
export function sideBySideRows(unified: string): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  for (const item of walk(unified)) {
    if (item.t === 'hunk') rows.push({ type: 'hunk', header: item.header });
    else if (item.t === 'context') {
      rows.push({ type: 'context', left: cell(item.old, 'context', plain(item.old.text)), right: cell(item.new, 'context', plain(item.new.text)) });
    } else {
      const p = pairRun(item.dels, item.ins);
      const n = Math.max(p.dels.length, p.ins.length);
      for (let k = 0; k < n; k++) {
        const row: SideBySideRow = { type: 'change' };
        const left = p.dels[k];
        const right = p.ins[k];
        if (left) row.left = left;
        if (right) row.right = right;
        rows.push(row);
      }
    }
  }
  return rows;
}

/** Unified rows in the diff's own order, with the same word highlights as side-by-side. */
export function unifiedRows(unified: string): UnifiedRow[] {
  const rows: UnifiedRow[] = [];
  const row = (kind: UnifiedRow['kind'], c: SideCell, oldLine?: number, newLine?: number): UnifiedRow => {
    const r: UnifiedRow = { kind, segments: c.segments };
    if (oldLine !== undefined) r.oldLine = oldLine;
    if (newLine !== undefined) r.newLine = newLine;
    if (c.noNewline) r.noNewline = true;
    return r;
  };
  for (const item of walk(unified)) {
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
