/** Keys in the `?` help overlay (context `help`, modal): scrolling, `/` search; Esc or `?` (global) closes it. */
import { scrollTop, type Motion } from '../cursor.js';
import { helpRows, shownHelpRows } from '../select.js';
import type { AppState } from '../types.js';
import { back, motions, type ContextHandlers } from './handler.js';

export const help = {
  ...motions(scrollHelp),
  back: back((state) => ({ ...state, help: { open: false, top: 0 } })),
  /** `/` in the help: type a search; only the rows that contain it stay. */
  filter: (state) => ({ ...state, help: { ...state.help, top: 0, searching: true } }),
} satisfies ContextHandlers<'help'>;

function scrollHelp(state: AppState, motion: Motion): AppState {
  return { ...state, help: { ...state.help, open: true, top: scrollTop(state.help.top, motion, shownHelpRows(state).length, helpRows(state)) } };
}
