/** Keys while typing a host filter (`/`, modal): the list narrows as you type. */
import { visibleHosts } from '../select.js';
import { selectHost } from '../selection.js';
import type { AppState } from '../types.js';
import type { ContextHandlers } from './handler.js';

export const filter = {
  'filter-type': (state, press) => setFilter(state, state.filter.text + (press.text ?? ''), true),
  'filter-erase': (state) => setFilter(state, state.filter.text.slice(0, -1), true),
  'filter-accept': (state) => ({ ...state, filter: { ...state.filter, editing: false } }),
  'filter-clear': (state) => setFilter(state, '', false),
} satisfies ContextHandlers<'filter'>;

/** `/` (host list, plan tabs, History): start typing the filter, in the host list. */
export function startFilter(state: AppState): AppState {
  return { ...state, filter: { ...state.filter, editing: true }, focus: 'hosts', logZoom: false };
}

/** A new filter text: the selection stays if it is still shown, else the first match is selected. */
export function setFilter(state: AppState, text: string, editing: boolean): AppState {
  const next: AppState = { ...state, filter: { text, editing }, hostTop: 0 };
  const shown = visibleHosts(next);
  const keep = shown.some((h) => h.name === state.selected);
  return selectHost(next, keep ? state.selected : (shown[0]?.name ?? state.selected));
}
