/**
 * Data the detail pane shows, loaded on demand (pure): the loads the visible tab needs are
 * queued as effects, and their results (plans, histories, rollback previews, the diff
 * engine) land here.
 */
import type { HostPlan } from '../../core/fleet/types.js';
import type { PreviewDiff } from '../../core/ops/session.js';
import type { SnapshotInfo } from '../../core/store/types.js';
import { rollbackDialog } from './confirm.js';
import { appendLog } from './log.js';
import { pushEffects } from './ops.js';
import { diffHostsOf } from './select.js';
import type { AppState, Effect } from './types.js';

/** Queues the loads the visible detail tab needs (plans and histories are loaded once). */
export function ensureData(state: AppState): AppState {
  const host = state.selected;
  if (!host || state.logZoom) return state;
  const effects: Effect[] = [];
  let next = state;
  const configError = state.status[host]?.kind === 'config-error';
  if ((state.tab === 'switches' || state.tab === 'excludes' || state.tab === 'files') && !state.plans[host] && !configError) {
    next = { ...next, plans: { ...next.plans, [host]: { state: 'loading' } } };
    effects.push({ type: 'load-plan', host });
  }
  if (state.tab === 'history' && !state.histories[host]) {
    next = { ...next, histories: { ...next.histories, [host]: { state: 'loading' } } };
    effects.push({ type: 'load-history', host });
  }
  if (state.tab === 'diff' || state.tab === 'files') {
    const missing = diffHostsOf(state).filter((h) => !state.checks[h] && state.status[h]?.kind !== 'config-error');
    if (missing.length > 0) effects.push({ type: 'check', hosts: missing, priority: true });
  }
  return pushEffects(next, effects);
}

export function planLoaded(state: AppState, host: string, plan: HostPlan): AppState {
  return { ...state, plans: { ...state.plans, [host]: { state: 'ok', value: plan } } };
}

export function planFailed(state: AppState, host: string, error: string): AppState {
  return { ...state, plans: { ...state.plans, [host]: { state: 'error', error } } };
}

/** A host's snapshots, newest first; the same snapshot stays selected when a new one arrives at the top. */
export function historyLoaded(state: AppState, host: string, snapshots: SnapshotInfo[]): AppState {
  const before = state.histories[host];
  const cursor = state.lists.history;
  const selectedId = before?.state === 'ok' ? before.value[cursor.index]?.id : undefined;
  const at = selectedId === undefined ? -1 : snapshots.findIndex((s) => s.id === selectedId);
  const shifted = host === state.selected && at >= 0 && at !== cursor.index;
  const lists = shifted ? { ...state.lists, history: { index: at, top: Math.max(0, cursor.top + (at - cursor.index)) } } : state.lists;
  return { ...state, lists, histories: { ...state.histories, [host]: { state: 'ok', value: snapshots } } };
}

export function historyFailed(state: AppState, host: string, error: string): AppState {
  return { ...state, histories: { ...state.histories, [host]: { state: 'error', error } } };
}

/** A rollback preview arrived (for the one on screen, else it is dropped); `r` pressed while it loaded asks now. */
export function previewLoaded(state: AppState, host: string, snapshot: string, result: { diff: PreviewDiff } | { error: string }): AppState {
  const preview = state.preview;
  if (!preview || preview.host !== host || preview.snapshot.id !== snapshot) return state;
  const diff = 'diff' in result ? { state: 'ok' as const, value: result.diff } : { state: 'error' as const, error: result.error };
  const next: AppState = { ...state, preview: { ...preview, diff, confirmWhenLoaded: false } };
  if (preview.confirmWhenLoaded && diff.state === 'ok' && !state.confirm) return { ...next, confirm: rollbackDialog(next, next.preview!) };
  return next;
}

/** The diff engine is in: the diffs on screen are drawn again with their rows. */
export function diffEngineLoaded(state: AppState): AppState {
  return { ...state, diffEngine: 'ready' };
}

export function diffEngineFailed(state: AppState, error: string, time: string): AppState {
  return {
    ...state,
    diffEngine: 'failed',
    log: appendLog(state.log, [{ time, level: 'error', source: 'console', text: `cannot load the diff engine: ${error}` }]),
  };
}
