/** Keys while typing a host filter (`/`, modal): the list narrows as you type. In the help overlay they type its search. */
import { visibleHosts } from '../select.js';
import { selectHost } from '../selection.js';
import type { AppState } from '../types.js';
import type { ContextHandlers } from './handler.js';

export const filter = {
  'filter-type': (state, press) => (state.help.open ? helpSearch(state, (state.help.query ?? '') + (press.text ?? ''), true) : setFilter(state, state.filter.text + (press.text ?? ''), true)),
  'filter-erase': (state) => (state.help.open ? helpSearch(state, [...(state.help.query ?? '')].slice(0, -1).join(''), true) : setFilter(state, state.filter.text.slice(0, -1), true)),
  'filter-accept': (state) => (state.help.open ? helpSearch(state, state.help.query ?? '', false) : { ...state, filter: { ...state.filter, editing: false } }),
  'filter-clear': (state) => (state.help.open ? helpSearch(state, '', false) : setFilter(state, '', false)),
} satisfies ContextHandlers<'filter'>;

/** The help's search (typed after `/` in the help overlay): the same keys as the host filter. */
function helpSearch(state: AppState, query: string, searching: boolean): AppState {
  return { ...state, help: { open: true, top: 0, query, searching } };
}

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
