/** Derived data (pure, memoized on input identity): filtered hosts, pane sizes, contexts, diff files. */
import type { FileChange } from '../../core/diff/types.js';
import type { HostSummary } from '../../core/ops/session.js';
import type { Context } from '../keymap.js';
import type { AppState, DiffCursor, Size } from './types.js';
import { clamp } from './cursor.js';

// ---------------------------------------------------------------- filter

export interface FilterTerm {
  kind: 'name' | 'switch';
  name: string;
  value: string;
  negate: boolean;
}

export function parseFilter(text: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq > 0) {
      const negate = word[eq - 1] === '!';
      terms.push({ kind: 'switch', name: word.slice(0, negate ? eq - 1 : eq), value: word.slice(eq + 1), negate });
    } else {
      terms.push({ kind: 'name', name: word.toLowerCase(), value: '', negate: false });
    }
  }
  return terms;
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern.toLowerCase() === value.toLowerCase();
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(value);
}

/** Every word must match: a part of the host name, or `switch=value` (`*` globs, `!=` negates). */
export function matchesFilter(host: HostSummary, terms: readonly FilterTerm[]): boolean {
  return terms.every((term) => {
    if (term.kind === 'name') return host.name.toLowerCase().includes(term.name);
    const value = host.values[term.name];
    const hit = value !== undefined && globMatch(term.value, value);
    return term.negate ? !hit : hit;
  });
}

let lastHosts: readonly HostSummary[] | undefined;
let lastText: string | undefined;
let lastVisible: HostSummary[] = [];

export function visibleHosts(state: Pick<AppState, 'hosts' | 'filter'>): HostSummary[] {
  if (state.hosts === lastHosts && state.filter.text === lastText) return lastVisible;
  const terms = parseFilter(state.filter.text);
  lastVisible = terms.length === 0 ? [...state.hosts] : state.hosts.filter((h) => matchesFilter(h, terms));
  lastHosts = state.hosts;
  lastText = state.filter.text;
  return lastVisible;
}

export function selectedIndex(state: Pick<AppState, 'hosts' | 'filter' | 'selected'>): number {
  return visibleHosts(state).findIndex((h) => h.name === state.selected);
}

/** Marked hosts in list order, or the selected host. */
export function targetHosts(state: Pick<AppState, 'hosts' | 'marks' | 'selected'>): string[] {
  const marked = state.hosts.filter((h) => state.marks[h.name]).map((h) => h.name);
  if (marked.length > 0) return marked;
  return state.selected ? [state.selected] : [];
}

// ---------------------------------------------------------------- layout

export interface PaneLayout {
  columns: number;
  /** Rows drawn: the whole terminal (frames are placed line by line, never scrolled). */
  rows: number;
  tooSmall: boolean;
  showMain: boolean;
  /** The host list is shown (not hidden by the wide detail pane). */
  showHosts: boolean;
  hostWidth: number;
  /** Badge column of the host list (the name column gets the rest). */
  badgeWidth: number;
  detailWidth: number;
  /** Height of the host list + detail area. */
  mainHeight: number;
  hostRows: number;
  filterBar: boolean;
  /** Rows under the detail header and tab bar. */
  detailRows: number;
  diffFileRows: number;
  diffRows: number;
  /** Log pane: header line + content rows. */
  logHeight: number;
  logRows: number;
}

export const MIN_COLUMNS = 50;
export const MIN_ROWS = 12;
const MIN_MAIN = 8;

export function maxLogHeight(size: Size): number {
  // title + hint + log header + the smallest main area
  return Math.max(0, size.rows - 3 - MIN_MAIN);
}

const longestNames = new WeakMap<readonly HostSummary[], number>();

/** The longest host name (memoized per host list). */
export function longestName(hosts: readonly HostSummary[] | undefined): number {
  if (!hosts) return 14;
  let n = longestNames.get(hosts);
  if (n === undefined) {
    n = 0;
    for (const h of hosts) n = Math.max(n, h.name.length);
    longestNames.set(hosts, n);
  }
  return n;
}

/** Pointer, mark, the spaces around the badge, the snapshot age. */
const HOST_ROW_FIXED = 2 + 1 + 1 + 3;

/**
 * The host list as wide as its names and badges need (a diff gets the rest), at most
 * 3/8 of the terminal (26 to 44 columns).
 */
export function hostColumns(longest: number, columns: number): { width: number; badge: number } {
  const cap = clamp(Math.floor(columns * 0.375), 26, 44);
  const name = Math.max(8, longest);
  const width = clamp(name + 16 + HOST_ROW_FIXED, 26, cap);
  return { width, badge: clamp(width - HOST_ROW_FIXED - name, 12, 18) };
}

export function paneLayout(
  state: Pick<AppState, 'size' | 'logHeight' | 'logZoom' | 'filter'> & Partial<Pick<AppState, 'wide' | 'focus' | 'hosts'>>,
  diffFileCount = 0,
): PaneLayout {
  const columns = Math.max(1, state.size.columns);
  const rows = Math.max(1, state.size.rows);
  const tooSmall = columns < MIN_COLUMNS || state.size.rows < MIN_ROWS;
  const body = Math.max(0, rows - 2);
  const logContent = state.logZoom ? Math.max(0, body - 1) : clamp(state.logHeight, 0, maxLogHeight(state.size));
  const logHeight = state.logZoom ? body : logContent + 1;
  const mainHeight = state.logZoom ? 0 : Math.max(0, body - logHeight);
  // Wide: the detail pane takes the whole width while the host list does not have focus.
  const hideHosts = state.wide === true && state.focus !== undefined && state.focus !== 'hosts';
  const hostCols = hostColumns(longestName(state.hosts), columns);
  const hostWidth = hideHosts ? 0 : hostCols.width;
  const detailWidth = Math.max(0, columns - (hideHosts ? 0 : hostWidth + 1));
  const filterBar = state.filter.editing || state.filter.text !== '';
  const hostRows = Math.max(0, mainHeight - 1 - (filterBar ? 1 : 0));
  const detailRows = Math.max(0, mainHeight - 2);
  const diffFileRows = diffFileCount === 0 ? 0 : Math.min(diffFileCount, Math.max(1, Math.floor(detailRows / 5)));
  const diffRows = Math.max(1, detailRows - diffFileRows - 1);
  return {
    columns,
    rows,
    tooSmall,
    showMain: !state.logZoom,
    showHosts: !hideHosts,
    hostWidth,
    badgeWidth: hostCols.badge,
    detailWidth,
    mainHeight,
    hostRows,
    filterBar,
    detailRows,
    diffFileRows,
    diffRows,
    logHeight,
    logRows: logContent,
  };
}

/** Rows of a list tab under its header lines. */
export function listRows(state: AppState, tab: 'switches' | 'excludes' | 'files' | 'history'): number {
  const layout = paneLayout(state);
  // Files shows the selected file's provenance in two lines under the list.
  return Math.max(1, layout.detailRows - 1 - (tab === 'files' ? 2 : 0));
}

/** Rows a dialog's choice takes: a heading and one row per option. */
export function choiceRows(dialog: AppState['confirm']): number {
  return dialog?.choices && dialog.choices.length > 0 ? dialog.choices.length + 1 : 0;
}

export function confirmRows(state: AppState): number {
  const layout = paneLayout(state);
  const available = layout.showMain ? layout.mainHeight : layout.logHeight;
  // title, blank, answer line and the frame; a choice (deploy: the rollout) takes its heading and one row per option
  return Math.max(1, available - 5 - choiceRows(state.confirm));
}

export function helpRows(state: AppState): number {
  const layout = paneLayout(state);
  return Math.max(1, (layout.showMain ? layout.mainHeight : layout.logHeight) - 3);
}

/** Rows the diff body shows (for paging). */
export function diffViewRows(state: AppState): number {
  const entries = shownDiffEntries(state);
  const layout = paneLayout(state, entries.length);
  // The preview has one more header line (which snapshot).
  return Math.max(1, layout.diffRows - (state.tab === 'history' && state.preview ? 1 : 0));
}

// ---------------------------------------------------------------- contexts

/** Active key contexts, most specific first. Modal layers shut out everything else. */
export function activeContexts(state: AppState): Context[] {
  if (state.confirm) return ['confirm'];
  if (state.choice) return ['choice'];
  if (state.help.open) return ['help'];
  if (state.filter.editing) return ['filter'];
  if (state.focus === 'log' || state.logZoom) return ['log', 'global'];
  if (state.focus === 'hosts') return ['hosts', 'global'];
  if (state.tab === 'history' && state.preview) return ['preview', 'global'];
  return [state.tab, 'global'];
}

// ---------------------------------------------------------------- diff files

export interface DiffEntry {
  host: string;
  change: FileChange;
}

/** Files a diff view lists: everything but unchanged files. */
export function reviewFiles(files: readonly FileChange[]): FileChange[] {
  return files.filter((f) => f.kind !== 'unchanged');
}

let lastDiffKey: unknown[] = [];
let lastDiffEntries: DiffEntry[] = [];

export function diffHostsOf(state: Pick<AppState, 'diffHosts' | 'selected'>): string[] {
  return state.diffHosts ?? (state.selected ? [state.selected] : []);
}

/** The Diff tab's files across its hosts (memoized on the hosts' diff objects). */
export function diffEntries(state: Pick<AppState, 'diffHosts' | 'selected' | 'checks'>): DiffEntry[] {
  const hosts = diffHostsOf(state);
  const key: unknown[] = [...hosts, ...hosts.map((h) => state.checks[h]?.diff)];
  if (key.length === lastDiffKey.length && key.every((k, i) => k === lastDiffKey[i])) return lastDiffEntries;
  const entries: DiffEntry[] = [];
  for (const host of hosts) {
    for (const change of reviewFiles(state.checks[host]?.diff?.files ?? [])) entries.push({ host, change });
  }
  lastDiffKey = key;
  lastDiffEntries = entries;
  return entries;
}

export function previewEntries(state: Pick<AppState, 'preview'>): DiffEntry[] {
  const preview = state.preview;
  if (!preview || preview.diff.state !== 'ok') return [];
  return previewCache(preview.host, preview.diff.value.files);
}

const previewMemo = new WeakMap<readonly FileChange[], DiffEntry[]>();
function previewCache(host: string, files: readonly FileChange[]): DiffEntry[] {
  let hit = previewMemo.get(files);
  if (!hit) {
    hit = reviewFiles(files).map((change) => ({ host, change }));
    previewMemo.set(files, hit);
  }
  return hit;
}

/** The files of the diff on screen: the rollback preview's in the History tab, else the Diff tab's. */
export function shownDiffEntries(state: AppState): DiffEntry[] {
  return state.tab === 'history' && state.preview ? previewEntries(state) : diffEntries(state);
}

/** The cursor of the diff on screen (see shownDiffEntries). */
export function shownDiffCursor(state: AppState): DiffCursor {
  return state.tab === 'history' && state.preview ? state.preview.cursor : state.diffCursor;
}

export function runningOps(state: Pick<AppState, 'ops'>) {
  return state.ops.filter((op) => !op.finished);
}
