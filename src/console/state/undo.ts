/**
 * `u`: undo the last konf operation on the selected host (pure). Every deploy, rollback
 * (and rebuild) snapshots the host first, with a `pre-…` reason: undoing the newest one
 * is a rollback to that snapshot, with the rollback's own preview and confirmation (the
 * rollback is itself snapshotted first, so `u` again undoes the undo).
 */
import type { SnapshotInfo } from '../../core/store/types.js';
import { shortTime } from '../format.js';
import { keepVisible, ZERO_DIFF } from './cursor.js';
import { busyHosts, pushEffects } from './ops.js';
import { listRows } from './select.js';
import type { AppState } from './types.js';

export interface UndoTarget {
  /** The snapshot taken before the operation: what the host goes back to. */
  snapshot: SnapshotInfo;
  index: number;
  /** "the deploy of 2026-05-01 10:30 by alice" */
  undoes: string;
  /** The operation undone: deploy, rollback, … */
  operation: string;
}

/** The newest snapshot taken before an operation (history is newest first), or undefined. */
export function undoTarget(snapshots: readonly SnapshotInfo[]): UndoTarget | undefined {
  const index = snapshots.findIndex((s) => s.reason.startsWith('pre-'));
  const snapshot = snapshots[index];
  if (!snapshot) return undefined;
  const operation = snapshot.reason.slice('pre-'.length);
  return { snapshot, index, operation, undoes: `the ${operation} of ${shortTime(snapshot.time)} by ${snapshot.operator}` };
}

/** `u`: the rollback preview of the undo in the History tab, its confirmation as soon as it has loaded. */
export function askUndo(state: AppState): AppState {
  const host = state.selected;
  if (!host) return { ...state, notice: 'no host selected' };
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  const history = state.histories[host];
  if (!history || history.state === 'loading') {
    const loading: AppState = { ...state, pendingUndo: host, notice: `reading the history of ${host}\u2026` };
    if (history) return loading;
    return pushEffects({ ...loading, histories: { ...state.histories, [host]: { state: 'loading' } } }, [{ type: 'load-history', host }]);
  }
  if (history.state === 'error') return { ...state, notice: `cannot read the history of ${host}: ${history.error}` };
  const target = undoTarget(history.value);
  if (!target) return { ...state, notice: `${host}: nothing to undo (no snapshot taken before a konf operation)` };
  const next: AppState = {
    ...state,
    pendingUndo: undefined,
    tab: 'history',
    focus: 'detail',
    logZoom: false,
    preview: { host, snapshot: target.snapshot, diff: { state: 'loading' }, cursor: ZERO_DIFF, confirmWhenLoaded: true, undoes: target.undoes },
  };
  const rows = listRows(next, 'history');
  const lists = { ...next.lists, history: { index: target.index, top: keepVisible(target.index, next.lists.history.top, rows, history.value.length) } };
  return pushEffects({ ...next, lists }, [{ type: 'load-preview', host, snapshot: target.snapshot.id }]);
}

/** A host's history arrived: a `u` that waited for it goes on (if that host is still selected). */
export function undoAfterHistory(state: AppState, host: string): AppState {
  if (state.pendingUndo !== host) return state;
  const next: AppState = { ...state, pendingUndo: undefined, notice: undefined };
  return host === state.selected && !state.confirm ? askUndo(next) : next;
}
