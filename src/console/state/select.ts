/** Derived data (pure, memoized on input identity): filtered hosts, pane sizes, contexts, diff files. */
import { changeKey } from '../../core/diff/group.js';
import type { FileChange } from '../../core/diff/types.js';
import type { HostSummary } from '../../core/ops/session.js';
import { CHANGE_MARKS, columns, takeColumns } from '../format.js';
import { helpRows as keymapHelpRows, type Context, type HelpRow } from '../keymap.js';
import type { AppState, DiffCursor, Size } from './types.js';
import { clamp } from './cursor.js';
import { fittingColumns, inventoryTable } from './inventoryColumns.js';

// The host list's filter and sort live in hostFilter.ts (re-exported here).
export { lastChange, matchesFilter, parseFilter, selectedIndex, targetHosts, visibleHosts, type FilterTerm } from './hostFilter.js';

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
  /** The inventory columns that fit (indices into inventoryTable's columns, most wanted first kept) and their total width. */
  inventoryShown: readonly number[];
  inventoryWidth: number;
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
    for (const h of hosts) n = Math.max(n, columns(h.name));
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
export function hostColumns(longest: number, columns: number, extra = 0): { width: number; badge: number } {
  // Inventory columns widen the list to half the terminal from 100 columns on; at 80 the diff keeps its room (they drop).
  if (columns < 100) extra = 0;
  const cap = extra > 0 ? clamp(Math.floor(columns * 0.5), 26, 44 + extra) : clamp(Math.floor(columns * 0.375), 26, 44);
  const name = Math.max(8, longest);
  const width = clamp(name + 16 + HOST_ROW_FIXED + extra, 26, cap);
  return { width, badge: clamp(width - HOST_ROW_FIXED - name - extra, 12, 18) };
}

/** A host name up to this long is never cut for an inventory column. */
const NAME_KEEPS = 24;

export function paneLayout(
  state: Pick<AppState, 'size' | 'logHeight' | 'logZoom' | 'filter'> & Partial<Pick<AppState, 'wide' | 'focus' | 'hosts' | 'log' | 'inventory' | 'columns'>>,
  diffFileCount = 0,
): PaneLayout {
  const columns = Math.max(1, state.size.columns);
  const rows = Math.max(1, state.size.rows);
  const tooSmall = columns < MIN_COLUMNS || state.size.rows < MIN_ROWS;
  const body = Math.max(0, rows - 2);
  // An empty log is its header line only; it takes its height once something is logged.
  const emptyLog = state.log !== undefined && state.log.lines.length === 0;
  const logContent = state.logZoom ? Math.max(0, body - 1) : emptyLog ? 0 : clamp(state.logHeight, 0, maxLogHeight(state.size));
  const logHeight = state.logZoom ? body : logContent + 1;
  const mainHeight = state.logZoom ? 0 : Math.max(0, body - logHeight);
  // Wide: the detail pane takes the whole width while the host list does not have focus.
  const hideHosts = state.wide === true && state.focus !== undefined && state.focus !== 'hosts';
  const table = state.hosts ? inventoryTable({ hosts: state.hosts, inventory: state.inventory, columns: state.columns }) : undefined;
  const longest = longestName(state.hosts);
  const hostCols = hostColumns(longest, columns, table?.wanted ?? 0);
  const hostWidth = hideHosts ? 0 : hostCols.width;
  const inventoryShown = table ? fittingColumns(table.columns, hostCols.width - HOST_ROW_FIXED - hostCols.badge - Math.min(Math.max(8, longest), NAME_KEEPS)) : [];
  const inventoryWidth = inventoryShown.reduce((n, i) => n + 1 + table!.columns[i]!.width, 0);
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
    inventoryShown,
    inventoryWidth,
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

/** Lines under the Files list that show the selected file whole (wrapped): 4, or 2 in a short pane. */
export function filesFooterRows(detailRows: number): number {
  return detailRows >= 12 ? 4 : 2;
}

/** Lines of text wrapped to `width` columns (whole graphemes). */
export function wrapText(texts: readonly string[], width: number): string[] {
  const out: string[] = [];
  const room = Math.max(1, width);
  for (const text of texts) {
    let rest = text;
    do {
      const head = takeColumns(rest, room);
      const taken = head.text === '' ? [...rest][0]! : head.text;
      out.push(taken);
      rest = rest.slice(taken.length);
    } while (rest !== '');
  }
  return out;
}

/** Rows of a list tab under its header lines. */
export function listRows(state: AppState, tab: 'switches' | 'excludes' | 'files' | 'history'): number {
  const layout = paneLayout(state);
  // Files shows the selected file whole under the list (path, provenance, metadata); History what `u` would undo above it.
  return Math.max(1, layout.detailRows - 1 - (tab === 'files' ? filesFooterRows(layout.detailRows) : tab === 'history' ? 1 : 0));
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

/** Rows of the command palette's list (under its input line and heading). */
export function paletteRows(state: AppState): number {
  return Math.max(1, helpRows(state) - 1);
}

export function helpRows(state: AppState): number {
  const layout = paneLayout(state);
  return Math.max(1, (layout.showMain ? layout.mainHeight : layout.logHeight) - 3);
}

/** The full view's lines wrapped to the screen (Enter on a switch or a log line). */
export function inspectLines(state: Pick<AppState, 'inspect' | 'size'>): string[] {
  return wrapText(state.inspect?.lines ?? [], Math.max(10, state.size.columns - 2));
}

/** Rows the full view shows under its title. */
export function inspectRows(state: AppState): number {
  const layout = paneLayout(state);
  return Math.max(1, (layout.showMain ? layout.mainHeight : layout.logHeight) - 2);
}

let allHelp: HelpRow[] | undefined;
let lastHelpQuery: string | undefined;
let lastHelp: HelpRow[] = [];

/**
 * The help's rows: every binding of the keymap, then the legend of the change marks;
 * with a search, the rows whose keys, description or place contain it (any case).
 */
export function shownHelpRows(state: Pick<AppState, 'help'>): HelpRow[] {
  allHelp ??= [...keymapHelpRows(), ...CHANGE_MARKS.map((m) => ({ keys: m.mark, description: `Change mark: ${m.label}`, where: 'files, diff' }))];
  const query = (state.help.query ?? '').toLowerCase();
  if (query === lastHelpQuery) return lastHelp;
  lastHelpQuery = query;
  lastHelp = query === '' ? allHelp : allHelp.filter((row) => `${row.keys}\u0000${row.description}\u0000${row.where}`.toLowerCase().includes(query));
  return lastHelp;
}

/** Rows of a diff view's file list: its files and the collapsed "N excluded" rows. */
export function diffListLength(state: AppState): number {
  return shownDiffEntries(state).length + shownExcluded(state).length;
}

/** Rows the diff body shows (for paging). */
export function diffViewRows(state: AppState): number {
  const layout = paneLayout(state, diffListLength(state));
  // A header line names the hosts and the marks; the preview has one more (which
  // snapshot); side by side labels its columns.
  const preview = state.tab === 'history' && state.preview ? 1 : 0;
  return Math.max(1, layout.diffRows - 1 - preview - (state.layout === 'side-by-side' ? 1 : 0));
}

/** Columns of the diff view (the detail pane's width). */
export function diffViewWidth(state: AppState): number {
  return paneLayout(state).detailWidth;
}

// ---------------------------------------------------------------- contexts

/** Active key contexts, most specific first. Modal layers shut out everything else. */
export function activeContexts(state: AppState): Context[] {
  if (state.confirm) return ['confirm'];
  if (state.inspect) return ['inspect'];
  if (state.choice) return ['choice'];
  if (state.help.open) return state.help.searching ? ['filter'] : ['help'];
  if (state.palette) return ['palette'];
  if (state.filter.editing) return ['filter'];
  if (state.search.editing) return ['search'];
  if (state.focus === 'log' || state.logZoom) return ['log', 'global'];
  if (state.focus === 'hosts') return ['hosts', 'global'];
  if (state.tab === 'history' && state.preview) return ['preview', 'global'];
  return [state.tab, 'global'];
}

// ---------------------------------------------------------------- diff files

export interface DiffEntry {
  host: string;
  change: FileChange;
  /** Every host with exactly this change (a multi-host diff shows it once); undefined: `host` alone. */
  hosts?: readonly string[];
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

/**
 * A diff view's files across hosts: each host's changes in order, a change that several
 * hosts have identically (same path, kind, metadata and contents, as `konf diff` groups
 * them) once with all its hosts; then, when excluded files are shown, each host's
 * excluded files (otherwise they are one summary row per host: excludedSummary).
 */
export function buildDiffEntries(perHost: readonly { host: string; files: readonly FileChange[] }[], showExcluded: boolean): DiffEntry[] {
  const entries: DiffEntry[] = [];
  const excluded: DiffEntry[] = [];
  const byKey = new Map<string, { host: string; change: FileChange; hosts: string[] }>();
  const grouping = perHost.length > 1;
  for (const { host, files } of perHost) {
    for (const change of reviewFiles(files)) {
      if (change.kind === 'excluded') {
        if (showExcluded) excluded.push({ host, change });
        continue;
      }
      if (!grouping || change.kind === 'unreadable') {
        entries.push({ host, change });
        continue;
      }
      const key = changeKey(change);
      const same = byKey.get(key);
      if (same) same.hosts.push(host);
      else {
        const entry = { host, change, hosts: [host] };
        byKey.set(key, entry);
        entries.push(entry);
      }
    }
  }
  return [...entries, ...excluded];
}

/** Per host of a diff view, how many of its files are excluded (the collapsed rows). */
export function excludedSummary(perHost: readonly { host: string; files: readonly FileChange[] }[]): { host: string; count: number }[] {
  return perHost.map(({ host, files }) => ({ host, count: files.filter((f) => f.kind === 'excluded').length })).filter((s) => s.count > 0);
}

function diffSources(state: Pick<AppState, 'diffHosts' | 'selected' | 'checks'>): { host: string; files: readonly FileChange[] }[] {
  return diffHostsOf(state).map((host) => ({ host, files: state.checks[host]?.diff?.files ?? [] }));
}

/** The Diff tab's files across its hosts (memoized on the hosts' diff objects). */
export function diffEntries(state: Pick<AppState, 'diffHosts' | 'selected' | 'checks'> & Partial<Pick<AppState, 'showExcluded'>>): DiffEntry[] {
  const hosts = diffHostsOf(state);
  const key: unknown[] = [state.showExcluded === true, ...hosts, ...hosts.map((h) => state.checks[h]?.diff)];
  if (key.length === lastDiffKey.length && key.every((k, i) => k === lastDiffKey[i])) return lastDiffEntries;
  lastDiffKey = key;
  lastDiffEntries = buildDiffEntries(diffSources(state), state.showExcluded === true);
  return lastDiffEntries;
}

/** The collapsed excluded rows of the diff on screen (none while they are shown). */
export function shownExcluded(state: AppState): { host: string; count: number }[] {
  if (state.showExcluded) return [];
  if (state.tab === 'history' && state.preview) {
    const preview = state.preview;
    return preview.diff.state === 'ok' ? excludedSummary([{ host: preview.host, files: preview.diff.value.files }]) : [];
  }
  return excludedSummary(diffSources(state));
}

export function previewEntries(state: Pick<AppState, 'preview'> & Partial<Pick<AppState, 'showExcluded'>>): DiffEntry[] {
  const preview = state.preview;
  if (!preview || preview.diff.state !== 'ok') return [];
  return previewCache(preview.host, preview.diff.value.files, state.showExcluded === true);
}

const previewMemo = new WeakMap<readonly FileChange[], Partial<Record<'shown' | 'hidden', DiffEntry[]>>>();
function previewCache(host: string, files: readonly FileChange[], showExcluded: boolean): DiffEntry[] {
  let hit = previewMemo.get(files);
  if (!hit) {
    hit = {};
    previewMemo.set(files, hit);
  }
  const key = showExcluded ? 'shown' : 'hidden';
  return (hit[key] ??= buildDiffEntries([{ host, files }], showExcluded));
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
