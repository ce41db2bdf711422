/**
 * Keys in the History tab (context `history`): the snapshot list as a rollback picker.
 * Enter previews a snapshot (its keys: preview.ts); `r` rolls back, after the preview.
 */
import { rollbackDialog } from '../confirm.js';
import { moveCursor, ZERO_DIFF, type Motion } from '../cursor.js';
import { ensureData } from '../loads.js';
import { busyHosts, pushEffects } from '../ops.js';
import { listRows } from '../select.js';
import type { AppState } from '../types.js';
import { startFilter } from './filter.js';
import { back, focusHosts, motions, type ContextHandlers } from './handler.js';
import { askRebuild } from '../driftAnswers.js';

export const history = {
  ...motions(moveHistoryCursor),
  open: openSelectedPreview,
  back: back(focusHosts),
  rollback: askRollback,
  filter: startFilter,
  rebuild: askRebuild,
} satisfies ContextHandlers<'history'>;

/** `r` outside the History tab: open it (the host's snapshots load once). */
export function openHistoryTab(state: AppState): AppState {
  return ensureData({ ...state, tab: 'history', focus: 'detail', logZoom: false });
}

function moveHistoryCursor(state: AppState, motion: Motion): AppState {
  const history = state.selected ? state.histories[state.selected] : undefined;
  const count = history?.state === 'ok' ? history.value.length : 0;
  return { ...state, lists: { ...state.lists, history: moveCursor(state.lists.history, motion, count, listRows(state, 'history')) } };
}

function openSelectedPreview(state: AppState): AppState {
  const host = state.selected;
  const history = host ? state.histories[host] : undefined;
  if (!host || history?.state !== 'ok') return state;
  const snapshot = history.value[state.lists.history.index];
  if (!snapshot) return state;
  return openPreview(state, host, snapshot.id, false);
}

function openPreview(state: AppState, host: string, id: string, confirmWhenLoaded: boolean): AppState {
  const history = state.histories[host];
  const snapshot = history?.state === 'ok' ? history.value.find((s) => s.id === id) : undefined;
  if (!snapshot) return state;
  const next: AppState = { ...state, preview: { host, snapshot, diff: { state: 'loading' }, cursor: ZERO_DIFF, confirmWhenLoaded } };
  return pushEffects(next, [{ type: 'load-preview', host, snapshot: id }]);
}

/** `r` in the History tab or its preview: asks once the preview is there (loading it first if needed). */
export function askRollback(state: AppState): AppState {
  const host = state.selected;
  if (!host) return state;
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  const preview = state.preview;
  if (preview && preview.host === host) {
    if (preview.diff.state === 'ok') return { ...state, confirm: rollbackDialog(state, preview) };
    if (preview.diff.state === 'loading') return { ...state, preview: { ...preview, confirmWhenLoaded: true } };
    return { ...state, notice: 'the preview failed; cannot roll back to this snapshot' };
  }
  const history = state.histories[host];
  const snapshot = history?.state === 'ok' ? history.value[state.lists.history.index] : undefined;
  if (!snapshot) return { ...state, notice: 'no snapshot selected' };
  return openPreview(state, host, snapshot.id, true);
}
