/**
 * Keys in the Diff tab (context `diff`), and the diff view's keys shared with the
 * rollback preview (history.ts): scrolling, layout, hunks and files. `d` (global) opens it.
 */
import { changedSpan, diffTextWidth, viewDoc, type DiffDoc } from '../../diffRows.js';
import { plural } from '../../format.js';
import { clamp, scrollTop, ZERO_DIFF, type Motion } from '../cursor.js';
import { pushEffects } from '../ops.js';
import { diffViewRows, diffViewWidth, shownDiffCursor, shownDiffEntries, shownExcluded, targetHosts, type DiffEntry } from '../select.js';
import type { AppState, DiffCursor } from '../types.js';
import { back, focusHosts, motions, type ContextHandlers } from './handler.js';
import { openHistoryTab } from './history.js';
import { findInDiff, startDiffSearch } from './search.js';
import { openChoices } from '../driftAnswers.js';

/** Columns a horizontal scroll moves. */
const HSCROLL = 8;

/** The diff view's keys, in the Diff tab and in the rollback preview alike. */
export const diffView = {
  ...motions(scrollDiff),
  left: (state) => updateDiffCursor(state, (cursor) => ({ ...cursor, left: clamp(cursor.left - HSCROLL, 0, 10_000) })),
  right: (state) => updateDiffCursor(state, (cursor) => ({ ...cursor, left: clamp(cursor.left + HSCROLL, 0, 10_000) })),
  layout: toggleLayout,
  // While a search is active, n/N go from match to match (search.ts).
  'next-hunk': (state) => (state.search.diff !== '' ? findInDiff(state, 1) : jumpHunk(state, 1)),
  'prev-hunk': (state) => (state.search.diff !== '' ? findInDiff(state, -1) : jumpHunk(state, -1)),
  search: startDiffSearch,
  'next-file': (state) => moveFile(state, 1),
  'prev-file': (state) => moveFile(state, -1),
  wrap: toggleWrap,
  'show-excluded': toggleExcluded,
} satisfies Omit<ContextHandlers<'diff'>, 'back' | 'history' | 'answer'>;

export const diff = {
  ...diffView,
  back: back(focusHosts),
  history: openHistoryTab,
  answer: openChoices,
} satisfies ContextHandlers<'diff'>;

/** `d` (global): the diff of the selected or marked hosts, checked again first. */
export function showDiff(state: AppState): AppState {
  const hosts = targetHosts(state);
  if (hosts.length === 0) return { ...state, notice: 'no host selected' };
  const marked = Object.keys(state.marks).length > 0;
  const next: AppState = { ...state, diffHosts: marked ? hosts : undefined, diffCursor: ZERO_DIFF, tab: 'diff', focus: 'detail', logZoom: false };
  return pushEffects(next, [{ type: 'check', hosts: hosts.filter((h) => state.status[h]?.kind !== 'config-error'), priority: true }]);
}

/** The rows a diff view shows for an entry (layout, wrap and width as on screen). */
function docOf(state: AppState, entry: DiffEntry): DiffDoc {
  return viewDoc(entry.change, state.layout, state.diffWrap === true, diffViewWidth(state));
}

/** The rows of the file under the diff cursor (undefined when there is none). */
function currentDoc(state: AppState) {
  const entries = shownDiffEntries(state);
  const cursor = shownDiffCursor(state);
  const entry = entries[clamp(cursor.file, 0, Math.max(0, entries.length - 1))];
  return entry ? docOf(state, entry) : undefined;
}

export function updateDiffCursor(state: AppState, update: (cursor: DiffCursor) => DiffCursor): AppState {
  if (state.tab === 'history' && state.preview) return { ...state, preview: { ...state.preview, cursor: update(state.preview.cursor) } };
  return { ...state, diffCursor: update(state.diffCursor) };
}

function scrollDiff(state: AppState, motion: Motion): AppState {
  const doc = currentDoc(state);
  const rows = diffViewRows(state);
  return updateDiffCursor(state, (cursor) => ({ ...cursor, top: scrollTop(cursor.top, motion, doc?.length ?? 0, rows) }));
}

/** " · 9 excluded not shown (x shows them)" when excluded files are collapsed. */
function excludedNote(state: AppState): string {
  const count = shownExcluded(state).reduce((n, s) => n + s.count, 0);
  return count > 0 ? ` \u00b7 ${plural(count, 'excluded file')} not shown (x shows them)` : '';
}

function moveFile(state: AppState, direction: 1 | -1): AppState {
  const total = shownDiffEntries(state).length;
  const file = shownDiffCursor(state).file;
  if (direction === 1 && file + 1 >= total) return { ...state, notice: `last file${excludedNote(state)}` };
  if (direction === -1 && file <= 0) return { ...state, notice: 'first file' };
  return updateDiffCursor(state, (cursor) => ({ file: clamp(cursor.file + direction, 0, Math.max(0, total - 1)), top: 0, left: 0 }));
}

/** Keeps the view at the same hunk, as far into it as before, when the rows change (layout, wrap). */
function keepHunk(state: AppState, next: AppState): AppState {
  const before = currentDoc(state);
  const after = currentDoc(next);
  if (!before || !after) return next;
  const rows = diffViewRows(state);
  const top = Math.min(shownDiffCursor(state).top, Math.max(0, before.length - rows));
  let hunk = -1;
  before.hunks.forEach((row, i) => {
    if (row <= top) hunk = i;
  });
  const base = hunk >= 0 ? (after.hunks[hunk] ?? 0) : 0;
  const offset = hunk >= 0 ? top - (before.hunks[hunk] ?? 0) : top;
  const row = clamp(base + offset, 0, Math.max(0, after.length - diffViewRows(next)));
  return updateDiffCursor(next, (cursor) => ({ ...cursor, top: row }));
}

function toggleLayout(state: AppState): AppState {
  return keepHunk(state, { ...state, layout: state.layout === 'unified' ? 'side-by-side' : 'unified' });
}

/** `W`: wrap long lines (no sideways scrolling) or not. */
function toggleWrap(state: AppState): AppState {
  const next = keepHunk(state, { ...state, diffWrap: !state.diffWrap });
  return updateDiffCursor(next, (cursor) => ({ ...cursor, left: 0 }));
}

/** `x`: list each excluded file, or one collapsed row per host. The cursor stays on its file (excluded files come last). */
function toggleExcluded(state: AppState): AppState {
  const entries = shownDiffEntries(state);
  const next: AppState = { ...state, showExcluded: !state.showExcluded };
  const after = shownDiffEntries(next);
  const file = clamp(shownDiffCursor(state).file, 0, Math.max(0, entries.length - 1));
  if (after.length > file && entries[file] && after[file]?.change === entries[file]!.change) return next;
  return updateDiffCursor(next, () => ({ file: Math.max(0, Math.min(file, after.length - 1)), top: 0, left: 0 }));
}

/** Hunk jumps stop at changes only: excluded files are not changes. */
const isChange = (entry: DiffEntry | undefined) => entry !== undefined && entry.change.kind !== 'excluded';

/**
 * The horizontal offset that shows the changed span of the hunk at `row`: 0 when it is in
 * view from the start of the line, else a few columns before it (so a change at column 240
 * is one `n` away, not 30 presses of →).
 */
function leftFor(state: AppState, doc: DiffDoc, row: number): number {
  if (state.diffWrap) return 0;
  const span = changedSpan(doc, row);
  if (!span) return 0;
  const room = diffTextWidth(state.layout, diffViewWidth(state), doc.numberWidth);
  if (span.column + Math.min(span.width, room) <= room) return 0;
  return Math.max(0, span.column - Math.min(8, Math.floor(room / 4)));
}

/**
 * `n`/`N`: the next/previous change (hunk), across files, skipping excluded files; the
 * changed span is brought into view sideways. At the ends a notice says so. (A search in
 * the diff may take these keys over: its handler calls this when no search is active.)
 */
export function jumpHunk(state: AppState, direction: 1 | -1): AppState {
  const entries = shownDiffEntries(state);
  if (!entries.some(isChange)) return { ...state, notice: `no change to show${excludedNote(state)}` };
  const cursor = shownDiffCursor(state);
  const file = clamp(cursor.file, 0, entries.length - 1);
  const rows = diffViewRows(state);
  const maxTopOf = (doc: DiffDoc) => Math.max(0, doc.length - rows);
  const land = (index: number, doc: DiffDoc, row: number) =>
    updateDiffCursor(state, () => ({ file: index, top: Math.min(row, maxTopOf(doc)), left: leftFor(state, doc, row) }));
  if (isChange(entries[file])) {
    const doc = docOf(state, entries[file]!);
    const top = Math.min(cursor.top, maxTopOf(doc));
    if (direction === 1) {
      // the next hunk that starts below the top, or that the view can still scroll to
      const next = doc.hunks.find((row) => row > top && (Math.min(row, maxTopOf(doc)) > top || row >= top + rows || leftFor(state, doc, row) !== cursor.left));
      if (next !== undefined) return land(file, doc, next);
    } else {
      const previous = [...doc.hunks].reverse().find((row) => row < top);
      if (previous !== undefined) return land(file, doc, previous);
    }
  }
  for (let i = file + direction; i >= 0 && i < entries.length; i += direction) {
    if (!isChange(entries[i])) continue;
    const doc = docOf(state, entries[i]!);
    const row = direction === 1 ? (doc.hunks[0] ?? 0) : (doc.hunks[doc.hunks.length - 1] ?? 0);
    return land(i, doc, row);
  }
  return { ...state, notice: direction === 1 ? `last change${excludedNote(state)}` : 'first change' };
}
