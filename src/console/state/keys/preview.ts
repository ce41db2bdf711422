/**
 * Keys in the rollback preview (context `preview`: Enter on a snapshot in the History tab):
 * the diff view's keys (diff.ts), `r` asks to roll back, Esc closes the preview.
 */
import { back, type ContextHandlers } from './handler.js';
import { diffView } from './diff.js';
import { askRollback } from './history.js';
import { askRebuild } from '../driftAnswers.js';

export const preview = {
  ...diffView,
  back: back((state) => ({ ...state, preview: undefined })),
  rollback: askRollback,
  rebuild: askRebuild,
} satisfies ContextHandlers<'preview'>;
