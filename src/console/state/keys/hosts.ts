/** Keys in the host list (context `hosts`): moving, marking for batch work, opening a host. */
import { openColumns } from '../columnChooser.js';
import { moveCursor, type Motion } from '../cursor.js';
import { ensureData } from '../loads.js';
import { paneLayout, selectedIndex, visibleHosts } from '../select.js';
import { keepHostVisible, selectHost } from '../selection.js';
import { HOST_SORTS, type AppState } from '../types.js';
import { setFilter, startFilter } from './filter.js';
import { back, motions, type ContextHandlers } from './handler.js';
import { openHistoryTab } from './history.js';

export const hosts = {
  ...motions(moveHostCursor),
  open: (state) => ensureData({ ...state, focus: 'detail' }),
  back: back(clearFilterOrMarks),
  mark: toggleMark,
  'mark-all': toggleMarkAll,
  history: openHistoryTab,
  sort: cycleSort,
  columns: openColumns,
  filter: startFilter,
} satisfies ContextHandlers<'hosts'>;

/** `s`: the next order (name, status, last change); the selected host stays selected and in view. */
function cycleSort(state: AppState): AppState {
  const sort = HOST_SORTS[(HOST_SORTS.indexOf(state.sort) + 1) % HOST_SORTS.length]!;
  return keepHostVisible({ ...state, sort, hostTop: 0 });
}

function moveHostCursor(state: AppState, motion: Motion): AppState {
  const shown = visibleHosts(state);
  if (shown.length === 0) return state;
  const cursor = moveCursor({ index: Math.max(0, selectedIndex(state)), top: state.hostTop }, motion, shown.length, paneLayout(state).hostRows);
  return selectHost({ ...state, hostTop: cursor.top }, shown[cursor.index]?.name);
}

/** Esc in the host list: the filter goes first, then the marks. */
function clearFilterOrMarks(state: AppState): AppState {
  if (state.filter.text !== '') return setFilter(state, '', false);
  if (Object.keys(state.marks).length > 0) return { ...state, marks: {} };
  return state;
}

/** Space: mark or unmark the selected host, then move down. */
function toggleMark(state: AppState): AppState {
  if (!state.selected) return state;
  const marks = { ...state.marks };
  if (marks[state.selected]) delete marks[state.selected];
  else marks[state.selected] = true;
  return moveHostCursor({ ...state, marks }, 'down');
}

/** `a`: mark every shown host; when all are marked already, unmark them. */
function toggleMarkAll(state: AppState): AppState {
  const shown = visibleHosts(state).map((h) => h.name);
  const all = shown.length > 0 && shown.every((h) => state.marks[h]);
  const marks = { ...state.marks };
  for (const host of shown) {
    if (all) delete marks[host];
    else marks[host] = true;
  }
  return { ...state, marks };
}
