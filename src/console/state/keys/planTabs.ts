/**
 * Keys in the plan tabs, contexts `switches`, `excludes` and `files` (tabs 1–3): moving in
 * the list; in Files, Enter opens the file's diff.
 */
import { fileRows, excludeRows, switchRowCount } from '../rows.js';
import { moveCursor, ZERO_DIFF, type Motion } from '../cursor.js';
import { ensureData } from '../loads.js';
import { diffEntries, listRows } from '../select.js';
import type { AppState } from '../types.js';
import { back, focusHosts, motions, type ContextHandlers } from './handler.js';
import { startFilter } from './filter.js';
import { openHistoryTab } from './history.js';
import { inspectSwitch } from './inspect.js';
import { openChoices } from '../driftAnswers.js';

type PlanTab = 'switches' | 'excludes' | 'files';

function planList(tab: PlanTab) {
  return {
    ...motions((state, motion) => movePlanCursor(state, tab, motion)),
    back: back(focusHosts),
    history: openHistoryTab,
    filter: startFilter,
  };
}

export const switches = { ...planList('switches'), open: inspectSwitch } satisfies ContextHandlers<'switches'>;

export const excludes = planList('excludes') satisfies ContextHandlers<'excludes'>;

export const files = {
  ...planList('files'),
  open: openFileDiff,
  answer: openChoices,
} satisfies ContextHandlers<'files'>;

function planRows(state: AppState, tab: PlanTab): number {
  const plan = state.selected ? state.plans[state.selected] : undefined;
  if (plan?.state !== 'ok') return 0;
  if (tab === 'switches') return switchRowCount(plan.value);
  if (tab === 'excludes') return excludeRows(plan.value).length;
  return fileRows(plan.value).length;
}

function movePlanCursor(state: AppState, tab: PlanTab, motion: Motion): AppState {
  const cursor = moveCursor(state.lists[tab], motion, planRows(state, tab), listRows(state, tab));
  return { ...state, lists: { ...state.lists, [tab]: cursor } };
}

/** Enter on a file: the Diff tab at that file (or a notice when it has no change). */
function openFileDiff(state: AppState): AppState {
  const plan = state.selected ? state.plans[state.selected] : undefined;
  if (plan?.state !== 'ok') return state;
  const row = fileRows(plan.value)[state.lists.files.index];
  if (row?.type !== 'file') return state;
  let next = ensureData({ ...state, tab: 'diff', diffHosts: undefined });
  let index = diffEntries(next).findIndex((e) => e.change.path === row.file.path);
  if (index < 0 && !next.showExcluded) {
    // an excluded file: the diff lists the excluded files, to show this one
    const shown: AppState = { ...next, showExcluded: true };
    const at = diffEntries(shown).findIndex((e) => e.change.path === row.file.path);
    if (at >= 0) [next, index] = [shown, at];
  }
  if (index < 0) return { ...next, diffCursor: ZERO_DIFF, notice: `${row.file.path}: no change to show` };
  return { ...next, diffCursor: { file: index, top: 0, left: 0 } };
}
