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
  'choice-next': (state) => choose(state, 1),
  'choice-prev': (state) => choose(state, -1),
} satisfies ContextHandlers<'confirm'>;

/** ←/→ (w/W): the dialog's next or previous choice (a deploy: all at once, or a rollout in waves), wrapping. */
function choose(state: AppState, step: 1 | -1): AppState {
  const dialog = state.confirm;
  if (!dialog?.choices || dialog.choices.length === 0) return state;
  const n = dialog.choices.length;
  return { ...state, confirm: { ...dialog, choice: ((dialog.choice ?? 0) + step + n) % n } };
}

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
  const waves = dialog.choices?.[dialog.choice ?? 0]?.waves;
  const request = waves && dialog.action.request.kind === 'deploy' ? { ...dialog.action.request, waves } : dialog.action.request;
  return startOp(closed, request);
}
