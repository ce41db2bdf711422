/** Keys in the log pane (context `log`), and the global keys that work the log pane (l, f, +, -, z). */
import { clamp, type Motion } from '../cursor.js';
import { scrollLog, toggleFollow } from '../log.js';
import { maxLogHeight, paneLayout } from '../select.js';
import { keepHostVisible } from '../selection.js';
import type { AppState } from '../types.js';
import { back, motions, type ContextHandlers } from './handler.js';
import { openHistoryTab } from './history.js';
import { inspectLogLine } from './inspect.js';

export const log = {
  ...motions(scrollLogPane),
  back: back((state) => ({ ...state, logZoom: false, focus: 'hosts' })),
  history: openHistoryTab,
  open: inspectLogLine,
} satisfies ContextHandlers<'log'>;

function scrollLogPane(state: AppState, motion: Motion): AppState {
  return { ...state, log: scrollLog(state.log, motion, paneLayout(state).logRows) };
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
