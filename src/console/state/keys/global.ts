/**
 * Keys of the context `global`: they work in every pane (not in the modal layers, except
 * Ctrl-C and Ctrl-L, which work everywhere). Handlers that belong to a pane live in that
 * pane's file (`d` in diff.ts, the log keys in log.ts); `/` filters the hosts in most panes (filter.ts) but searches in the diff and the log (search.ts).
 */
import { needsCheck } from '../checks.js';
import { breakLockDialog, openDeployDialog, quitDialog, snapshotDialog } from '../confirm.js';
import { ensureData } from '../loads.js';
import { busyHosts, pushEffects } from '../ops.js';
import { runningOps, targetHosts, visibleHosts } from '../select.js';
import { TABS, type AppState } from '../types.js';
import { askValidate } from '../validate.js';
import { showDiff } from './diff.js';
import type { GlobalHandlers } from './handler.js';
import { openPalette } from './palette.js';
import { askUndo } from '../undo.js';
import { focusLog, resizeLog, toggleLogFollow, toggleLogZoom } from './log.js';

export const global = {
  'next-pane': (state) => cyclePane(state, 1),
  'prev-pane': (state) => cyclePane(state, -1),
  tab: (state, press) => pickTab(state, press.name),
  diff: showDiff,
  deploy: (state) => askOperation(state, 'deploy'),
  snapshot: (state) => askOperation(state, 'snapshot'),
  'focus-log': focusLog,
  follow: toggleLogFollow,
  'log-grow': (state) => resizeLog(state, 1),
  'log-shrink': (state) => resizeLog(state, -1),
  'log-zoom': toggleLogZoom,
  wide: (state) => ({ ...state, wide: !state.wide, focus: state.wide || state.focus !== 'hosts' ? state.focus : 'detail' }),
  refresh,
  'break-lock': askBreakLock,
  palette: openPalette,
  undo: askUndo,
  help: (state) => ({ ...state, help: { open: !state.help.open, top: 0 } }),
  quit: (state) => (runningOps(state).length > 0 ? { ...state, confirm: quitDialog(state) } : quit(state, false)),
  interrupt,
  redraw: (state) => pushEffects(state, [{ type: 'redraw' }]),
  validate: askValidate,
} satisfies GlobalHandlers;

/** Tab / Shift-Tab: hosts → detail → log. */
function cyclePane(state: AppState, direction: 1 | -1): AppState {
  const order = ['hosts', 'detail', 'log'] as const;
  const at = order.indexOf(state.logZoom ? 'log' : state.focus);
  const focus = order[(at + (direction === 1 ? 1 : order.length - 1)) % order.length]!;
  return ensureData({ ...state, focus, logZoom: false });
}

/** 1–5: a detail tab. */
function pickTab(state: AppState, key: string): AppState {
  const tab = TABS[Number(key) - 1];
  if (!tab) return state;
  return ensureData({ ...state, tab, focus: 'detail', logZoom: false });
}

/** `R`: the repository is read again, then the selected or marked hosts (every shown host when none) are re-checked. */
function refresh(state: AppState): AppState {
  const targets = targetHosts(state);
  const busy = busyHosts(state);
  const hosts = (targets.length > 0 ? targets : visibleHosts(state).map((h) => h.name)).filter((h) => !busy.has(h));
  return pushEffects({ ...state, notice: `re-reading the repository, re-checking ${hosts.length} host${hosts.length === 1 ? '' : 's'}`, noticeHosts: hosts }, [{ type: 'reload', hosts }]);
}

/** `D` and `S`: the dialog for the selected or marked hosts; a deploy checks hosts without a current check first. */
function askOperation(state: AppState, kind: 'deploy' | 'snapshot'): AppState {
  const targets = targetHosts(state);
  if (targets.length === 0) return { ...state, notice: 'no host selected' };
  const busy = busyHosts(state);
  const busyTargets = targets.filter((h) => busy.has(h));
  if (busyTargets.length > 0) return { ...state, notice: `busy: ${busyTargets.join(', ')}` };
  const skipped = targets.filter((h) => state.status[h]?.kind === 'config-error');
  const hosts = targets.filter((h) => !skipped.includes(h));
  if (hosts.length === 0) return { ...state, notice: 'config error: fix the host\u2019s files first' };
  if (kind === 'deploy') {
    // The dialog lists exactly what will be written: hosts without a current check are checked first.
    const unchecked = hosts.filter((h) => needsCheck(state, h));
    if (unchecked.length > 0) {
      return pushEffects({ ...state, pendingDeploy: { hosts, skipped }, notice: `checking ${unchecked.length} host${unchecked.length === 1 ? '' : 's'} before the deploy\u2026`, noticeHosts: unchecked }, [
        { type: 'check', hosts: unchecked, priority: true },
      ]);
    }
    return openDeployDialog(state, hosts, skipped);
  }
  return { ...state, confirm: snapshotDialog(hosts, skipped) };
}

/** `U`: asks, naming the holder. */
function askBreakLock(state: AppState): AppState {
  const host = state.selected;
  if (!host) return { ...state, notice: 'no host selected' };
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  const status = state.status[host];
  if (status?.kind !== 'locked') return { ...state, notice: `${host} is not locked` };
  return { ...state, confirm: breakLockDialog(state, host, status) };
}

/** Ctrl-C: quits when idle; asks while an operation runs; again (or while quitting): cancels it and quits. */
function interrupt(state: AppState): AppState {
  if (state.quitting) return pushEffects(state, [{ type: 'quit', cancel: true }]);
  if (state.confirm?.action.type === 'quit') return quit({ ...state, confirm: undefined }, true);
  return runningOps(state).length > 0 ? { ...state, confirm: quitDialog(state), help: { open: false, top: 0 } } : quit(state, false);
}

export function quit(state: AppState, cancel: boolean): AppState {
  if (state.quitting) return state;
  return pushEffects({ ...state, quitting: true }, [{ type: 'quit', cancel }]);
}
