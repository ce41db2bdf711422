/** The selected host and the host list's scroll (pure): what every pane is about. */
import { keepVisible, ZERO_DIFF, ZERO_LIST } from './cursor.js';
import { ensureData } from './loads.js';
import { paneLayout, selectedIndex, visibleHosts } from './select.js';
import type { AppState, Size } from './types.js';

/** Scrolls the host list so the selected host is in view. */
export function keepHostVisible(state: AppState): AppState {
  const index = selectedIndex(state);
  const layout = paneLayout(state);
  const hostTop = keepVisible(Math.max(0, index), state.hostTop, layout.hostRows, visibleHosts(state).length);
  return hostTop === state.hostTop ? state : { ...state, hostTop };
}

/** A new host is selected: the detail pane starts over for it. */
export function selectHost(state: AppState, host: string | undefined): AppState {
  if (host === state.selected) return keepHostVisible(state);
  return ensureData(
    keepHostVisible({
      ...state,
      selected: host,
      lists: { switches: ZERO_LIST, excludes: ZERO_LIST, files: ZERO_LIST, history: ZERO_LIST },
      diffHosts: undefined,
      diffCursor: ZERO_DIFF,
      preview: undefined,
    }),
  );
}

export function resized(state: AppState, size: Size): AppState {
  return keepHostVisible({ ...state, size });
}
