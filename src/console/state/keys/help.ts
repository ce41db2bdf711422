/** Keys in the `?` help overlay (context `help`, modal): scrolling; Esc or `?` (global) closes it. */
import { KEYMAP } from '../../keymap.js';
import { scrollTop, type Motion } from '../cursor.js';
import { helpRows } from '../select.js';
import type { AppState } from '../types.js';
import { back, motions, type ContextHandlers } from './handler.js';

export const help = {
  ...motions(scrollHelp),
  back: back((state) => ({ ...state, help: { open: false, top: 0 } })),
} satisfies ContextHandlers<'help'>;

function scrollHelp(state: AppState, motion: Motion): AppState {
  return { ...state, help: { open: true, top: scrollTop(state.help.top, motion, KEYMAP.length, helpRows(state)) } };
}
