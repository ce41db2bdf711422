/**
 * Keys in a confirmation dialog (context `confirm`, modal): `y` does what the dialog
 * says, `n`/Esc cancels; long dialogs scroll. The dialogs' texts are built in ../confirm.ts.
 */
import { scrollTop, type Motion } from '../cursor.js';
import { startOp } from '../ops.js';
import { confirmRows } from '../select.js';
import type { AppState } from '../types.js';
import { motions, type ContextHandlers } from './handler.js';
import { quit } from './global.js';

export const confirm = {
  ...motions(scrollDialog),
  yes: confirmed,
  no: (state) => ({ ...state, confirm: undefined }),
} satisfies ContextHandlers<'confirm'>;

function scrollDialog(state: AppState, motion: Motion): AppState {
  const dialog = state.confirm;
  if (!dialog) return state;
  return { ...state, confirm: { ...dialog, top: scrollTop(dialog.top, motion, dialog.lines.length, confirmRows(state)) } };
}

function confirmed(state: AppState): AppState {
  const dialog = state.confirm;
  if (!dialog) return state;
  const closed: AppState = { ...state, confirm: undefined };
  if (dialog.action.type === 'quit') return quit(closed, true);
  return startOp(closed, dialog.action.request);
}
