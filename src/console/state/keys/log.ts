/** Keys in the log pane (context `log`), and the global keys that work the log pane (l, f, +, -, z). */
import { clamp, type Motion } from '../cursor.js';
import { scrollLog, toggleFollow } from '../log.js';
import { maxLogHeight, paneLayout } from '../select.js';
import { keepHostVisible } from '../selection.js';
import type { AppState } from '../types.js';
import { back, motions, type ContextHandlers } from './handler.js';
import { openHistoryTab } from './history.js';
import { inspectLogLine } from './inspect.js';
import { filteredLog } from '../search.js';
import { findInLog, startLogSearch } from './search.js';

export const log = {
  ...motions(scrollLogPane),
  back: back((state) => ({ ...state, logZoom: false, focus: 'hosts' })),
  history: openHistoryTab,
  open: inspectLogLine,
  search: startLogSearch,
  'next-match': (state) => findInLog(state, 1),
  'prev-match': (state) => findInLog(state, -1),
} satisfies ContextHandlers<'log'>;

/** Scrolls the lines the pane shows (the log's filter applied). */
function scrollLogPane(state: AppState, motion: Motion): AppState {
  const shown = filteredLog(state.log, state.search.log);
  const scrolled = scrollLog(shown, motion, paneLayout(state).logRows);
  return { ...state, log: { ...state.log, top: scrolled.top, follow: scrolled.follow } };
}

/** `l` */
export function focusLog(state: AppState): AppState {
  return { ...state, focus: 'log' };
}

/** `f` */
export function toggleLogFollow(state: AppState): AppState {
  return { ...state, log: toggleFollow(state.log, paneLayout(state).logRows) };
}

/** `+` / `-`: within what leaves the main area its minimum height. */
export function resizeLog(state: AppState, delta: 1 | -1): AppState {
  const height = clamp(Math.min(state.logHeight, maxLogHeight(state.size)) + delta, 0, maxLogHeight(state.size));
  return keepHostVisible({ ...state, logHeight: height, logZoom: false });
}

/** `z` */
export function toggleLogZoom(state: AppState): AppState {
  return state.logZoom ? { ...state, logZoom: false } : { ...state, logZoom: true, focus: 'log' };
}
