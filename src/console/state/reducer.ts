/**
 * The root reducer: every key press, resize, check result and operation event goes
 * through here. Keys are resolved against the keymap in the reducer itself, so two keys
 * arriving before a render still see each other's effect. Side effects (checks, loads,
 * operations, quitting) are queued in `outbox` for the app's effect runner.
 */
import type { HostStatus } from '../../core/ops/session.js';
import { fileDoc } from '../diffRows.js';
import { KEYMAP, resolveKey, type CommandId, type KeyPress } from '../keymap.js';
import { breakLockDialog, deployDialog, quitDialog, rollbackDialog, snapshotDialog } from './confirm.js';
import { clamp, keepVisible, moveCursor, scrollTop, type Motion } from './cursor.js';
import { appendLog, emptyLog, scrollLog, toggleFollow } from './log.js';
import { applyEvents, busyHosts, endOp, hostInOperation, pushEffects, startOp } from './ops.js';
import type { RepoChange } from '../../core/ops/session.js';
import { excludeRows, fileRows, switchRowCount } from './rows.js';
import {
  activeContexts,
  diffEntries,
  diffHostsOf,
  maxLogHeight,
  paneLayout,
  previewEntries,
  runningOps,
  selectedIndex,
  targetHosts,
  visibleHosts,
  type DiffEntry,
} from './select.js';
import { TABS, type Action, type AppState, type DiffCursor, type Effect, type InitOptions, type ListCursor } from './types.js';

const ZERO: ListCursor = { index: 0, top: 0 };
const ZERO_DIFF: DiffCursor = { file: 0, top: 0, left: 0 };
const HSCROLL = 8;
export const DEFAULT_LOG_HEIGHT = 6;

export function initialState(options: InitOptions): AppState {
  const status: Record<string, HostStatus> = {};
  for (const host of options.hosts) status[host.name] = host.error ? { kind: 'config-error', error: host.error } : { kind: 'unknown' };
  const selected = options.hosts.find((h) => h.name === options.lastHost)?.name ?? options.hosts[0]?.name;
  const checkable = options.hosts.filter((h) => !h.error).map((h) => h.name);
  // The selected host is checked first.
  const order = selected && checkable.includes(selected) ? [selected, ...checkable.filter((h) => h !== selected)] : checkable;
  let state: AppState = {
    size: options.size,
    repo: options.repo,
    hosts: options.hosts,
    status,
    checks: {},
    selected,
    hostTop: 0,
    marks: {},
    filter: { text: '', editing: false },
    focus: 'hosts',
    tab: 'diff',
    lists: { switches: ZERO, excludes: ZERO, files: ZERO, history: ZERO },
    plans: {},
    histories: {},
    diffHosts: undefined,
    diffCursor: ZERO_DIFF,
    preview: undefined,
    layout: options.layout ?? 'unified',
    log: emptyLog(options.logCapacity),
    logHeight: options.logHeight ?? DEFAULT_LOG_HEIGHT,
    logZoom: false,
    wide: false,
    confirm: undefined,
    help: { open: false, top: 0 },
    ops: [],
    opSeq: 0,
    outbox: [],
    outboxSeq: 0,
    quitting: false,
    stale: {},
  };
  if (order.length > 0) state = pushEffects(state, [{ type: 'check', hosts: order, priority: false }]);
  state = keepHostVisible(state);
  return state;
}

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'key':
      return onKey(state, action.press);
    case 'resize':
      return keepHostVisible({ ...state, size: action.size });
    case 'hosts/loaded': {
      // Same hosts, now with switches and errors: a config error shows unless a check already said more.
      const status = { ...state.status };
      for (const host of action.hosts) {
        const current = status[host.name]?.kind;
        if (host.error && (current === undefined || current === 'unknown' || current === 'checking')) status[host.name] = { kind: 'config-error', error: host.error };
      }
      return keepHostVisible({ ...state, hosts: action.hosts, status });
    }
    case 'check/start': {
      const current = state.status[action.host];
      if (current && current.kind !== 'unknown') return state;
      return { ...state, status: { ...state.status, [action.host]: { kind: 'checking' } } };
    }
    case 'check/result': {
      const host = action.check.host;
      if (hostInOperation(state, host)) {
        // An operation owns the badge right now; keep the diff for later.
        return checked({ ...state, checks: { ...state.checks, [host]: action.check } }, [host]);
      }
      return checked(
        {
          ...state,
          checks: { ...state.checks, [host]: action.check },
          status: { ...state.status, [host]: action.check.status },
        },
        [host],
      );
    }
    case 'check/error':
      return checked(
        {
          ...state,
          status: { ...state.status, [action.host]: { kind: 'failed', error: action.error } },
          log: appendLog(state.log, [{ time: action.time, level: 'error', host: action.host, source: 'console', text: `check failed: ${action.error}` }]),
        },
        [action.host],
      );
    case 'plan/result':
      return { ...state, plans: { ...state.plans, [action.host]: { state: 'ok', value: action.plan } } };
    case 'plan/error':
      return { ...state, plans: { ...state.plans, [action.host]: { state: 'error', error: action.error } } };
    case 'history/result': {
      // The same snapshot stays selected when a new one arrives at the top.
      const before = state.histories[action.host];
      const cursor = state.lists.history;
      const selectedId = before?.state === 'ok' ? before.value[cursor.index]?.id : undefined;
      const at = selectedId === undefined ? -1 : action.snapshots.findIndex((s) => s.id === selectedId);
      const shifted = action.host === state.selected && at >= 0 && at !== cursor.index;
      const lists = shifted ? { ...state.lists, history: { index: at, top: Math.max(0, cursor.top + (at - cursor.index)) } } : state.lists;
      return { ...state, lists, histories: { ...state.histories, [action.host]: { state: 'ok', value: action.snapshots } } };
    }
    case 'history/error':
      return { ...state, histories: { ...state.histories, [action.host]: { state: 'error', error: action.error } } };
    case 'preview/result':
    case 'preview/error': {
      const preview = state.preview;
      if (!preview || preview.host !== action.host || preview.snapshot.id !== action.snapshot) return state;
      const diff = action.type === 'preview/result' ? { state: 'ok' as const, value: action.diff } : { state: 'error' as const, error: action.error };
      const next: AppState = { ...state, preview: { ...preview, diff, confirmWhenLoaded: false } };
      if (preview.confirmWhenLoaded && diff.state === 'ok' && !state.confirm) return { ...next, confirm: rollbackDialog(next, next.preview!) };
      return next;
    }
    case 'op/events':
      return applyEvents(state, action.items);
    case 'op/end':
      return endOp(state, action.local, action.result, action.error, action.time);
    case 'repo/changed':
      return repoChanged(state, action.change, action.recheck, action.time);
    case 'repo/error':
      return {
        ...state,
        notice: undefined,
        noticeHosts: undefined,
        log: appendLog(state.log, [{ time: action.time, level: 'error', source: 'console', text: `cannot read the repository: ${action.error}` }]),
      };
    case 'log/append':
      return {
        ...state,
        log: appendLog(
          state.log,
          action.lines.map((line) => ({ ...line, time: action.time, source: 'console' as const })),
        ),
      };
    case 'outbox/taken':
      return { ...state, outbox: state.outbox.filter((entry) => entry.seq > action.upTo) };
    case 'batch':
      return reduceBatch(state, action.actions);
  }
}

/**
 * Applies many actions with one copy of the status and check tables: a batch of 2,000
 * check results must not copy a 2,000-entry table 2,000 times.
 */
function reduceBatch(state: AppState, actions: readonly Action[]): AppState {
  let current = state;
  let status: Record<string, HostStatus> | undefined;
  let checks: AppState['checks'] | undefined;
  let done: string[] = [];
  const settle = () => {
    if (status || checks) current = { ...current, status: status ?? current.status, checks: checks ?? current.checks };
    if (done.length > 0) current = checked(current, done);
    status = undefined;
    checks = undefined;
    done = [];
  };
  for (const action of actions) {
    if (action.type === 'check/start') {
      const shown = (status ?? current.status)[action.host];
      if (shown && shown.kind !== 'unknown') continue;
      status ??= { ...current.status };
      status[action.host] = { kind: 'checking' };
    } else if (action.type === 'check/result') {
      const host = action.check.host;
      checks ??= { ...current.checks };
      checks[host] = action.check;
      if (!hostInOperation(current, host)) {
        status ??= { ...current.status };
        status[host] = action.check.status;
      }
      done.push(host);
    } else {
      settle();
      current = reducer(current, action);
    }
  }
  settle();
  return current;
}

// ------------------------------------------------------------------ keys

function onKey(state: AppState, press: KeyPress): AppState {
  const contexts = activeContexts(state);
  const binding = resolveKey(press, contexts);
  const cleared = state.notice === undefined ? state : { ...state, notice: undefined };
  if (!binding) return cleared;
  return command(cleared, binding.command, press);
}

/** Runs one command (exported for tests and for callers that bypass the keyboard). */
export function command(state: AppState, id: CommandId, press: KeyPress = { name: '' }): AppState {
  switch (id) {
    case 'up':
    case 'down':
    case 'top':
    case 'bottom':
    case 'page-up':
    case 'page-down':
      return motion(state, id);
    case 'left':
    case 'right':
      return updateDiffCursor(state, (cursor) => ({ ...cursor, left: clamp(cursor.left + (id === 'left' ? -HSCROLL : HSCROLL), 0, 10_000) }));
    case 'next-pane':
    case 'prev-pane': {
      const order = ['hosts', 'detail', 'log'] as const;
      const at = order.indexOf(state.logZoom ? 'log' : state.focus);
      const focus = order[(at + (id === 'next-pane' ? 1 : order.length - 1)) % order.length]!;
      return ensureData({ ...state, focus, logZoom: false });
    }
    case 'tab': {
      const tab = TABS[Number(press.name) - 1];
      if (!tab) return state;
      return ensureData({ ...state, tab, focus: 'detail', logZoom: false });
    }
    case 'open':
      return open(state);
    case 'back':
      return back(state);
    case 'filter':
      return { ...state, filter: { ...state.filter, editing: true }, focus: 'hosts', logZoom: false };
    case 'filter-type':
      return setFilter(state, state.filter.text + (press.text ?? ''), true);
    case 'filter-erase':
      return setFilter(state, state.filter.text.slice(0, -1), true);
    case 'filter-accept':
      return { ...state, filter: { ...state.filter, editing: false } };
    case 'filter-clear':
      return setFilter(state, '', false);
    case 'mark': {
      if (!state.selected) return state;
      const marks = { ...state.marks };
      if (marks[state.selected]) delete marks[state.selected];
      else marks[state.selected] = true;
      return motion({ ...state, marks }, 'down');
    }
    case 'mark-all': {
      const shown = visibleHosts(state).map((h) => h.name);
      const all = shown.length > 0 && shown.every((h) => state.marks[h]);
      const marks = { ...state.marks };
      for (const host of shown) {
        if (all) delete marks[host];
        else marks[host] = true;
      }
      return { ...state, marks };
    }
    case 'diff': {
      const hosts = targetHosts(state);
      if (hosts.length === 0) return { ...state, notice: 'no host selected' };
      const marked = Object.keys(state.marks).length > 0;
      const next: AppState = { ...state, diffHosts: marked ? hosts : undefined, diffCursor: ZERO_DIFF, tab: 'diff', focus: 'detail', logZoom: false };
      return pushEffects(next, [{ type: 'check', hosts: hosts.filter((h) => state.status[h]?.kind !== 'config-error'), priority: true }]);
    }
    case 'layout':
      return toggleLayout(state);
    case 'next-hunk':
    case 'prev-hunk':
      return jumpHunk(state, id === 'next-hunk' ? 1 : -1);
    case 'next-file':
    case 'prev-file': {
      const total = currentDiffEntries(state).length;
      return updateDiffCursor(state, (cursor) => ({ file: clamp(cursor.file + (id === 'next-file' ? 1 : -1), 0, Math.max(0, total - 1)), top: 0, left: 0 }));
    }
    case 'deploy':
    case 'snapshot':
      return askOperation(state, id);
    case 'history':
      return ensureData({ ...state, tab: 'history', focus: 'detail', logZoom: false });
    case 'rollback':
      return askRollback(state);
    case 'yes': {
      const confirm = state.confirm;
      if (!confirm) return state;
      const closed: AppState = { ...state, confirm: undefined };
      if (confirm.action.type === 'quit') return quit(closed, true);
      return startOp(closed, confirm.action.request);
    }
    case 'no':
      return { ...state, confirm: undefined };
    case 'focus-log':
      return { ...state, focus: 'log' };
    case 'follow':
      return { ...state, log: toggleFollow(state.log, paneLayout(state).logRows) };
    case 'log-grow':
    case 'log-shrink': {
      const height = clamp(Math.min(state.logHeight, maxLogHeight(state.size)) + (id === 'log-grow' ? 1 : -1), 0, maxLogHeight(state.size));
      return keepHostVisible({ ...state, logHeight: height, logZoom: false });
    }
    case 'wide':
      return { ...state, wide: !state.wide, focus: state.wide || state.focus !== 'hosts' ? state.focus : 'detail' };
    case 'log-zoom':
      return state.logZoom ? { ...state, logZoom: false } : { ...state, logZoom: true, focus: 'log' };
    case 'refresh': {
      // The repository is read again, then the selected or marked hosts (every shown host when none) are re-checked.
      const targets = targetHosts(state);
      const busy = busyHosts(state);
      const hosts = (targets.length > 0 ? targets : visibleHosts(state).map((h) => h.name)).filter((h) => !busy.has(h));
      return pushEffects({ ...state, notice: `re-reading the repository, re-checking ${hosts.length} host${hosts.length === 1 ? '' : 's'}`, noticeHosts: hosts }, [{ type: 'reload', hosts }]);
    }
    case 'break-lock':
      return askBreakLock(state);
    case 'help':
      return { ...state, help: { open: !state.help.open, top: 0 } };
    case 'quit':
      return runningOps(state).length > 0 ? { ...state, confirm: quitDialog(state) } : quit(state, false);
    case 'redraw':
      return pushEffects(state, [{ type: 'redraw' }]);
    case 'interrupt':
      if (state.quitting) return pushEffects(state, [{ type: 'quit', cancel: true }]);
      if (state.confirm?.action.type === 'quit') return quit({ ...state, confirm: undefined }, true);
      return runningOps(state).length > 0 ? { ...state, confirm: quitDialog(state), help: { open: false, top: 0 } } : quit(state, false);
  }
}

function quit(state: AppState, cancel: boolean): AppState {
  if (state.quitting) return state;
  return pushEffects({ ...state, quitting: true }, [{ type: 'quit', cancel }]);
}

// ------------------------------------------------------------------ hosts

function keepHostVisible(state: AppState): AppState {
  const index = selectedIndex(state);
  const layout = paneLayout(state);
  const hostTop = keepVisible(Math.max(0, index), state.hostTop, layout.hostRows, visibleHosts(state).length);
  return hostTop === state.hostTop ? state : { ...state, hostTop };
}

/** A new host is selected: the detail pane starts over for it. */
function select(state: AppState, host: string | undefined): AppState {
  if (host === state.selected) return keepHostVisible(state);
  return ensureData(
    keepHostVisible({
      ...state,
      selected: host,
      lists: { switches: ZERO, excludes: ZERO, files: ZERO, history: ZERO },
      diffHosts: undefined,
      diffCursor: ZERO_DIFF,
      preview: undefined,
    }),
  );
}

function setFilter(state: AppState, text: string, editing: boolean): AppState {
  const next: AppState = { ...state, filter: { text, editing }, hostTop: 0 };
  const shown = visibleHosts(next);
  const keep = shown.some((h) => h.name === state.selected);
  return select(next, keep ? state.selected : (shown[0]?.name ?? state.selected));
}

// ------------------------------------------------------------------ data the visible tab needs

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

// ------------------------------------------------------------------ motion

function historyCount(state: AppState): number {
  const history = state.selected ? state.histories[state.selected] : undefined;
  return history?.state === 'ok' ? history.value.length : 0;
}

function planRows(state: AppState, tab: 'switches' | 'excludes' | 'files'): number {
  const plan = state.selected ? state.plans[state.selected] : undefined;
  if (plan?.state !== 'ok') return 0;
  if (tab === 'switches') return switchRowCount(plan.value);
  if (tab === 'excludes') return excludeRows(plan.value).length;
  return fileRows(plan.value).length;
}

function motion(state: AppState, id: Motion): AppState {
  const contexts = activeContexts(state);
  const context = contexts[0];
  const layout = paneLayout(state);
  switch (context) {
    case 'confirm': {
      const confirm = state.confirm!;
      const height = confirmRows(state);
      return { ...state, confirm: { ...confirm, top: scrollTop(confirm.top, id, confirm.lines.length, height) } };
    }
    case 'help':
      return { ...state, help: { open: true, top: scrollTop(state.help.top, id, KEYMAP.length, helpRows(state)) } };
    case 'hosts': {
      const shown = visibleHosts(state);
      if (shown.length === 0) return state;
      const cursor = moveCursor({ index: Math.max(0, selectedIndex(state)), top: state.hostTop }, id, shown.length, layout.hostRows);
      return select({ ...state, hostTop: cursor.top }, shown[cursor.index]?.name);
    }
    case 'switches':
    case 'excludes':
    case 'files': {
      const cursor = moveCursor(state.lists[context], id, planRows(state, context), listRows(state, context));
      return { ...state, lists: { ...state.lists, [context]: cursor } };
    }
    case 'history': {
      const cursor = moveCursor(state.lists.history, id, historyCount(state), listRows(state, 'history'));
      return { ...state, lists: { ...state.lists, history: cursor } };
    }
    case 'diff':
    case 'preview': {
      const doc = currentDoc(state);
      const rows = diffViewRows(state);
      return updateDiffCursor(state, (cursor) => ({ ...cursor, top: scrollTop(cursor.top, id, doc?.rows.length ?? 0, rows) }));
    }
    case 'log':
      return { ...state, log: scrollLog(state.log, id, layout.logRows) };
    default:
      return state;
  }
}

/** Rows of a list tab under its header lines. */
export function listRows(state: AppState, tab: 'switches' | 'excludes' | 'files' | 'history'): number {
  const layout = paneLayout(state);
  // Files shows the selected file's provenance in two lines under the list.
  return Math.max(1, layout.detailRows - 1 - (tab === 'files' ? 2 : 0));
}

export function confirmRows(state: AppState): number {
  const layout = paneLayout(state);
  const available = layout.showMain ? layout.mainHeight : layout.logHeight;
  // title, blank, answer line and the frame
  return Math.max(1, available - 5);
}

export function helpRows(state: AppState): number {
  const layout = paneLayout(state);
  return Math.max(1, (layout.showMain ? layout.mainHeight : layout.logHeight) - 3);
}

// ------------------------------------------------------------------ diff views

function currentDiffEntries(state: AppState): DiffEntry[] {
  return state.tab === 'history' && state.preview ? previewEntries(state) : diffEntries(state);
}

function currentCursor(state: AppState): DiffCursor {
  return state.tab === 'history' && state.preview ? state.preview.cursor : state.diffCursor;
}

function currentDoc(state: AppState) {
  const entries = currentDiffEntries(state);
  const cursor = currentCursor(state);
  const entry = entries[clamp(cursor.file, 0, Math.max(0, entries.length - 1))];
  return entry ? fileDoc(entry.change, state.layout) : undefined;
}

/** Rows the diff body shows (for paging). */
export function diffViewRows(state: AppState): number {
  const entries = currentDiffEntries(state);
  const layout = paneLayout(state, entries.length);
  // The preview has one more header line (which snapshot).
  return Math.max(1, layout.diffRows - (state.tab === 'history' && state.preview ? 1 : 0));
}

function updateDiffCursor(state: AppState, update: (cursor: DiffCursor) => DiffCursor): AppState {
  if (state.tab === 'history' && state.preview) return { ...state, preview: { ...state.preview, cursor: update(state.preview.cursor) } };
  return { ...state, diffCursor: update(state.diffCursor) };
}

function toggleLayout(state: AppState): AppState {
  const layout = state.layout === 'unified' ? 'side-by-side' : 'unified';
  const before = currentDoc(state);
  const next: AppState = { ...state, layout };
  const after = currentDoc(next);
  if (!before || !after) return next;
  // Stay in the same hunk, as far into it as before.
  const rows = diffViewRows(state);
  const top = Math.min(currentCursor(state).top, Math.max(0, before.rows.length - rows));
  let hunk = -1;
  before.hunks.forEach((row, i) => {
    if (row <= top) hunk = i;
  });
  const base = hunk >= 0 ? (after.hunks[hunk] ?? 0) : 0;
  const offset = hunk >= 0 ? top - (before.hunks[hunk] ?? 0) : top;
  const row = clamp(base + offset, 0, Math.max(0, after.rows.length - diffViewRows(next)));
  return updateDiffCursor(next, (cursor) => ({ ...cursor, top: row }));
}

function jumpHunk(state: AppState, direction: 1 | -1): AppState {
  const entries = currentDiffEntries(state);
  if (entries.length === 0) return state;
  const cursor = currentCursor(state);
  const file = clamp(cursor.file, 0, entries.length - 1);
  const doc = fileDoc(entries[file]!.change, state.layout);
  const rows = diffViewRows(state);
  const maxTop = Math.max(0, doc.rows.length - rows);
  const top = Math.min(cursor.top, maxTop);
  if (direction === 1) {
    const nextHunk = doc.hunks.find((row) => row > top);
    if (nextHunk !== undefined && Math.min(nextHunk, maxTop) > top) return updateDiffCursor(state, (c) => ({ ...c, file, top: Math.min(nextHunk, maxTop) }));
    if (file + 1 < entries.length) return updateDiffCursor(state, () => ({ file: file + 1, top: 0, left: 0 }));
    return { ...state, notice: 'last change' };
  }
  const previous = [...doc.hunks].reverse().find((row) => row < top);
  if (previous !== undefined) return updateDiffCursor(state, (c) => ({ ...c, file, top: previous }));
  if (file > 0) {
    const prevDoc = fileDoc(entries[file - 1]!.change, state.layout);
    const last = prevDoc.hunks[prevDoc.hunks.length - 1] ?? 0;
    return updateDiffCursor(state, () => ({ file: file - 1, top: Math.min(last, Math.max(0, prevDoc.rows.length - rows)), left: 0 }));
  }
  return { ...state, notice: 'first change' };
}

// ------------------------------------------------------------------ open / back

function open(state: AppState): AppState {
  const context = activeContexts(state)[0];
  if (context === 'hosts') return ensureData({ ...state, focus: 'detail' });
  if (context === 'files') {
    const plan = state.selected ? state.plans[state.selected] : undefined;
    if (plan?.state !== 'ok') return state;
    const row = fileRows(plan.value)[state.lists.files.index];
    if (row?.type !== 'file') return state;
    const next = ensureData({ ...state, tab: 'diff', diffHosts: undefined });
    const index = diffEntries(next).findIndex((e) => e.change.path === row.file.path);
    if (index < 0) return { ...next, diffCursor: ZERO_DIFF, notice: `${row.file.path}: no change to show` };
    return { ...next, diffCursor: { file: index, top: 0, left: 0 } };
  }
  if (context === 'history') {
    const host = state.selected;
    const history = host ? state.histories[host] : undefined;
    if (!host || history?.state !== 'ok') return state;
    const snapshot = history.value[state.lists.history.index];
    if (!snapshot) return state;
    return openPreview(state, host, snapshot.id, false);
  }
  return state;
}

function openPreview(state: AppState, host: string, id: string, confirmWhenLoaded: boolean): AppState {
  const history = state.histories[host];
  const snapshot = history?.state === 'ok' ? history.value.find((s) => s.id === id) : undefined;
  if (!snapshot) return state;
  const next: AppState = { ...state, preview: { host, snapshot, diff: { state: 'loading' }, cursor: ZERO_DIFF, confirmWhenLoaded } };
  return pushEffects(next, [{ type: 'load-preview', host, snapshot: id }]);
}

function back(state: AppState): AppState {
  if (state.pendingDeploy) return { ...state, pendingDeploy: undefined, notice: 'deploy cancelled', noticeHosts: undefined };
  const context = activeContexts(state)[0];
  switch (context) {
    case 'help':
      return { ...state, help: { open: false, top: 0 } };
    case 'preview':
      return { ...state, preview: undefined };
    case 'log':
      return { ...state, logZoom: false, focus: 'hosts' };
    case 'hosts':
      if (state.filter.text !== '') return setFilter(state, '', false);
      if (Object.keys(state.marks).length > 0) return { ...state, marks: {} };
      return state;
    default:
      return { ...state, focus: 'hosts' };
  }
}

// ------------------------------------------------------------------ writing operations

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
    return { ...state, confirm: deployDialog(state, hosts, skipped) };
  }
  return { ...state, confirm: snapshotDialog(hosts, skipped) };
}

/** A host whose changes are not known as of the repository on disk: never checked, or checked before an edit. */
function needsCheck(state: AppState, host: string): boolean {
  const kind = state.status[host]?.kind;
  if (kind === 'unreachable' || kind === 'locked') return state.stale[host] === true;
  return !state.checks[host]?.diff || state.stale[host] === true || kind === 'checking' || kind === 'unknown';
}

/** Check results came in for `hosts`: they are current now; the notice and a waiting deploy dialog follow. */
function checked(state: AppState, hosts: readonly string[]): AppState {
  let next = state;
  if (hosts.some((h) => next.stale[h])) {
    const stale = { ...next.stale };
    for (const h of hosts) delete stale[h];
    next = { ...next, stale };
  }
  if (next.noticeHosts) {
    const left = next.noticeHosts.filter((h) => !hosts.includes(h));
    next = left.length === 0 ? { ...next, notice: undefined, noticeHosts: undefined } : { ...next, noticeHosts: left };
  }
  const pending = next.pendingDeploy;
  if (pending && !pending.hosts.some((h) => needsCheck(next, h))) {
    next = { ...next, pendingDeploy: undefined };
    if (!next.confirm && !next.quitting) next = { ...next, confirm: deployDialog(next, pending.hosts, pending.skipped) };
  }
  return next;
}

/**
 * The repository changed (or was read again): the host list follows the inventory, the
 * plans of the hosts it concerns are dropped (the visible tab loads them again) and those
 * hosts are re-checked.
 */
function repoChanged(state: AppState, change: RepoChange, recheckOverride: string[] | undefined, time: string): AppState {
  const names = change.summaries.map((h) => h.name);
  const known = new Set(names);
  const affected = change.hosts === 'all' ? names : change.hosts.filter((h) => known.has(h));
  const status: AppState['status'] = {};
  const checks: AppState['checks'] = {};
  const plans = { ...state.plans };
  const stale: AppState['stale'] = {};
  const busy = busyHosts(state);
  for (const h of names) {
    const summary = change.summaries.find((x) => x.name === h)!;
    const before = state.status[h];
    if (summary.error && !busy.has(h)) status[h] = { kind: 'config-error', error: summary.error };
    else if (!before || (before.kind === 'config-error' && !busy.has(h))) status[h] = { kind: 'unknown' };
    else status[h] = before;
    const check = state.checks[h];
    if (check) checks[h] = check;
    if (state.stale[h]) stale[h] = true;
  }
  for (const h of affected) {
    delete plans[h];
    if (status[h]?.kind !== 'config-error') stale[h] = true;
  }
  for (const h of Object.keys(plans)) if (!known.has(h)) delete plans[h];
  const marks = Object.fromEntries(Object.entries(state.marks).filter(([h]) => known.has(h))) as AppState['marks'];
  const recheck = (recheckOverride ?? affected).filter((h) => known.has(h) && status[h]?.kind !== 'config-error' && !busy.has(h));
  const what = change.paths.length === 0 ? 'repository read again' : `repository changed (${change.paths.slice(0, 3).join(', ')}${change.paths.length > 3 ? ', \u2026' : ''})`;
  let next: AppState = {
    ...state,
    hosts: change.summaries,
    status,
    checks,
    plans,
    stale,
    marks,
    log: appendLog(state.log, [{ time, level: 'info', source: 'console', text: `${what}: re-checking ${recheck.length} host${recheck.length === 1 ? '' : 's'}` }]),
  };
  if (next.noticeHosts) next = { ...next, noticeHosts: next.noticeHosts.filter((h) => recheck.includes(h)) };
  if (next.noticeHosts?.length === 0) next = { ...next, notice: undefined, noticeHosts: undefined };
  if (next.pendingDeploy) {
    const hosts = next.pendingDeploy.hosts.filter((h) => known.has(h));
    next = hosts.length > 0 ? { ...next, pendingDeploy: { ...next.pendingDeploy, hosts } } : { ...next, pendingDeploy: undefined };
  }
  if (!next.selected || !known.has(next.selected)) next = select(next, names[0]);
  if (recheck.length > 0) {
    // The selected host first.
    const ordered = next.selected && recheck.includes(next.selected) ? [next.selected, ...recheck.filter((h) => h !== next.selected)] : recheck;
    next = pushEffects(next, [{ type: 'check', hosts: ordered, priority: true }]);
  }
  return ensureData(keepHostVisible(next));
}

function askBreakLock(state: AppState): AppState {
  const host = state.selected;
  if (!host) return { ...state, notice: 'no host selected' };
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  const status = state.status[host];
  if (status?.kind !== 'locked') return { ...state, notice: `${host} is not locked` };
  return { ...state, confirm: breakLockDialog(state, host, status) };
}

function askRollback(state: AppState): AppState {
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
