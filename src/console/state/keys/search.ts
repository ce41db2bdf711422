/**
 * `/` in the diff and in the log (context `search` while typing, modal): the view jumps to
 * the first match as you type; Enter keeps the search, after which n/N go from match to
 * match (diff.ts, log.ts); Esc clears it. In the log, `host=` and `level=` words filter the
 * lines shown (state/search.ts).
 */
import { fileDoc } from '../../diffRows.js';
import { clamp, keepVisible } from '../cursor.js';
import { filteredLog, logLineMatches, parseLogQuery, rowText, textMatcher } from '../search.js';
import { diffViewRows, paneLayout, shownDiffCursor, shownDiffEntries } from '../select.js';
import type { AppState, SearchState } from '../types.js';
import type { ContextHandlers } from './handler.js';
import { updateDiffCursor } from './diff.js';

export const search = {
  'search-type': (state, press) => typeSearch(state, (text) => text + (press.text ?? '')),
  'search-erase': (state) => typeSearch(state, (text) => text.slice(0, -1)),
  'search-accept': (state) => ({ ...state, search: { ...state.search, editing: undefined } }),
  'search-clear': clearSearch,
} satisfies ContextHandlers<'search'>;

/** `/` in the diff or the rollback preview. */
export function startDiffSearch(state: AppState): AppState {
  return { ...state, search: { ...state.search, diff: '', diffHit: undefined, editing: 'diff' } };
}

/** `/` in the log pane. */
export function startLogSearch(state: AppState): AppState {
  return { ...state, search: { ...state.search, editing: 'log' } };
}

function typeSearch(state: AppState, edit: (text: string) => string): AppState {
  const where = state.search.editing;
  if (where === 'diff') {
    const text = edit(state.search.diff);
    const next: AppState = { ...state, search: { ...state.search, diff: text, diffHit: undefined } };
    return text === '' ? next : findInDiff(next, 1, true);
  }
  if (where === 'log') {
    const text = edit(state.search.log);
    const changedFilter = JSON.stringify({ ...parseLogQuery(text), text: '' }) !== JSON.stringify({ ...parseLogQuery(state.search.log), text: '' });
    // A new filter shows its lines from the newest (follow).
    const log = changedFilter ? { ...state.log, follow: true, top: 0 } : state.log;
    const next: AppState = { ...state, log, search: { ...state.search, log: text, logHit: undefined } };
    return parseLogQuery(text).text === '' ? next : findInLog(next, -1, true);
  }
  return state;
}

function clearSearch(state: AppState): AppState {
  const where = state.search.editing;
  const search: SearchState = where === 'log' ? { ...state.search, log: '', logHit: undefined, editing: undefined } : { ...state.search, diff: '', diffHit: undefined, editing: undefined };
  return { ...state, search, log: where === 'log' ? { ...state.log, follow: true } : state.log };
}

/**
 * The next (1) or previous (-1) row of the diff on screen that matches the search, across
 * its files; `here` counts a match at the current position (while typing).
 */
export function findInDiff(state: AppState, direction: 1 | -1, here = false): AppState {
  const entries = shownDiffEntries(state);
  const needle = state.search.diff;
  if (entries.length === 0 || needle === '') return state;
  const match = textMatcher(needle);
  const cursor = shownDiffCursor(state);
  const hit = state.search.diffHit;
  let file = clamp(hit?.file ?? cursor.file, 0, entries.length - 1);
  let from = hit && !here ? hit.row + direction : here ? (hit?.row ?? cursor.top) : cursor.top + (direction === 1 ? 0 : -1);
  for (let n = 0; n < entries.length; n++) {
    const doc = fileDoc(entries[file]!.change, state.layout);
    if (direction === 1) {
      for (let row = Math.max(0, from); row < doc.length; row++) if (match(rowText(doc.row(row)))) return showDiffHit(state, file, row);
    } else {
      for (let row = Math.min(from, doc.length - 1); row >= 0; row--) if (match(rowText(doc.row(row)))) return showDiffHit(state, file, row);
    }
    file += direction;
    if (file < 0 || file >= entries.length) break;
    from = direction === 1 ? 0 : Number.MAX_SAFE_INTEGER;
  }
  return { ...state, notice: hit ? `no more matches for ${needle}` : `no match for ${needle}` };
}

function showDiffHit(state: AppState, file: number, row: number): AppState {
  const entries = shownDiffEntries(state);
  const rows = fileDoc(entries[file]!.change, state.layout).length;
  const height = diffViewRows(state);
  const cursor = shownDiffCursor(state);
  // The match a few rows below the top, so what precedes it shows too.
  const top = clamp(row - Math.min(2, Math.floor(height / 4)), 0, Math.max(0, rows - height));
  const next: AppState = { ...state, search: { ...state.search, diffHit: { file, row } } };
  return updateDiffCursor(next, () => ({ file, top, left: file === cursor.file ? cursor.left : 0 }));
}

/** The next (1, newer) or previous (-1, older) log line that matches; typing starts from the newest. */
export function findInLog(state: AppState, direction: 1 | -1, fromEnd = false): AppState {
  const query = parseLogQuery(state.search.log);
  if (query.text === '') return state;
  const log = filteredLog(state.log, state.search.log);
  const lines = log.lines;
  const at = fromEnd || state.search.logHit === undefined ? (direction === 1 ? -1 : lines.length) : lines.findIndex((l) => l.seq === state.search.logHit);
  for (let i = at + direction; i >= 0 && i < lines.length; i += direction) {
    if (logLineMatches(lines[i]!, query)) {
      const height = paneLayout(state).logRows;
      const top = keepVisible(i, state.log.follow ? Math.max(0, lines.length - height) : state.log.top, height, lines.length);
      return { ...state, search: { ...state.search, logHit: lines[i]!.seq }, log: { ...state.log, follow: false, top } };
    }
  }
  return { ...state, notice: state.search.logHit !== undefined && !fromEnd ? `no more matches for ${query.text}` : `no match for ${query.text}` };
}
