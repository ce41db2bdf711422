/**
 * Keys in the choice widget (context `choice`, modal): moving between the choices, Enter
 * takes the highlighted one (its preview comes first, see driftAnswers.ts), Esc closes it.
 */
import { moveChoice, takeChoice } from '../driftAnswers.js';
import { back, motions, type ContextHandlers } from './handler.js';

export const choice = {
  ...motions(moveChoice),
  back: back((state) => ({ ...state, choice: undefined })),
  choose: takeChoice,
} satisfies ContextHandlers<'choice'>;
