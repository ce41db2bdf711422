/**
 * Keys in the Diff tab (context `diff`), and the diff view's keys shared with the
 * rollback preview (history.ts): scrolling, layout, hunks and files. `d` (global) opens it.
 */
import { fileDoc } from '../../diffRows.js';
import { clamp, scrollTop, ZERO_DIFF, type Motion } from '../cursor.js';
import { pushEffects } from '../ops.js';
import { diffViewRows, shownDiffCursor, shownDiffEntries, targetHosts } from '../select.js';
import type { AppState, DiffCursor } from '../types.js';
import { back, focusHosts, motions, type ContextHandlers } from './handler.js';
import { openHistoryTab } from './history.js';
import { openChoices } from '../driftAnswers.js';

/** Columns a horizontal scroll moves. */
const HSCROLL = 8;

/** The diff view's keys, in the Diff tab and in the rollback preview alike. */
export const diffView = {
  ...motions(scrollDiff),
  left: (state) => updateDiffCursor(state, (cursor) => ({ ...cursor, left: clamp(cursor.left - HSCROLL, 0, 10_000) })),
  right: (state) => updateDiffCursor(state, (cursor) => ({ ...cursor, left: clamp(cursor.left + HSCROLL, 0, 10_000) })),
  layout: toggleLayout,
  'next-hunk': (state) => jumpHunk(state, 1),
  'prev-hunk': (state) => jumpHunk(state, -1),
  'next-file': (state) => moveFile(state, 1),
  'prev-file': (state) => moveFile(state, -1),
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

/** The rows of the file under the diff cursor (undefined when there is none). */
function currentDoc(state: AppState) {
  const entries = shownDiffEntries(state);
  const cursor = shownDiffCursor(state);
  const entry = entries[clamp(cursor.file, 0, Math.max(0, entries.length - 1))];
  return entry ? fileDoc(entry.change, state.layout) : undefined;
}

function updateDiffCursor(state: AppState, update: (cursor: DiffCursor) => DiffCursor): AppState {
  if (state.tab === 'history' && state.preview) return { ...state, preview: { ...state.preview, cursor: update(state.preview.cursor) } };
  return { ...state, diffCursor: update(state.diffCursor) };
}

function scrollDiff(state: AppState, motion: Motion): AppState {
  const doc = currentDoc(state);
  const rows = diffViewRows(state);
  return updateDiffCursor(state, (cursor) => ({ ...cursor, top: scrollTop(cursor.top, motion, doc?.rows.length ?? 0, rows) }));
}

function moveFile(state: AppState, direction: 1 | -1): AppState {
  const total = shownDiffEntries(state).length;
  return updateDiffCursor(state, (cursor) => ({ file: clamp(cursor.file + direction, 0, Math.max(0, total - 1)), top: 0, left: 0 }));
}

function toggleLayout(state: AppState): AppState {
  const layout = state.layout === 'unified' ? 'side-by-side' : 'unified';
  const before = currentDoc(state);
  const next: AppState = { ...state, layout };
  const after = currentDoc(next);
  if (!before || !after) return next;
  // Stay in the same hunk, as far into it as before.
  const rows = diffViewRows(state);
  const top = Math.min(shownDiffCursor(state).top, Math.max(0, before.rows.length - rows));
  let hunk = -1;
  before.hunks.forEach((row, i) => {
    if (row <= top) hunk = i;
  });
  const base = hunk >= 0 ? (after.hunks[hunk] ?? 0) : 0;
  const offset = hunk >= 0 ? top - (before.hunks[hunk] ?? 0) : top;
  const row = clamp(base + offset, 0, Math.max(0, after.rows.length - diffViewRows(next)));
  return updateDiffCursor(next, (cursor) => ({ ...cursor, top: row }));
}

function jumpHunk(state: AppState, direction: 1 | -1): AppState {
  const entries = shownDiffEntries(state);
  if (entries.length === 0) return state;
  const cursor = shownDiffCursor(state);
  const file = clamp(cursor.file, 0, entries.length - 1);
  const doc = fileDoc(entries[file]!.change, state.layout);
  const rows = diffViewRows(state);
  const maxTop = Math.max(0, doc.rows.length - rows);
  const top = Math.min(cursor.top, maxTop);
  if (direction === 1) {
    const nextHunk = doc.hunks.find((row) => row > top);
    if (nextHunk !== undefined && Math.min(nextHunk, maxTop) > top) return updateDiffCursor(state, (c) => ({ ...c, file, top: Math.min(nextHunk, maxTop) }));
    if (file + 1 < entries.length) return updateDiffCursor(state, () => ({ file: file + 1, top: 0, left: 0 }));
    return { ...state, notice: 'last change' };
  }
  const previous = [...doc.hunks].reverse().find((row) => row < top);
  if (previous !== undefined) return updateDiffCursor(state, (c) => ({ ...c, file, top: previous }));
  if (file > 0) {
    const prevDoc = fileDoc(entries[file - 1]!.change, state.layout);
    const last = prevDoc.hunks[prevDoc.hunks.length - 1] ?? 0;
    return updateDiffCursor(state, () => ({ file: file - 1, top: Math.min(last, Math.max(0, prevDoc.rows.length - rows)), left: 0 }));
  }
  return { ...state, notice: 'first change' };
}
