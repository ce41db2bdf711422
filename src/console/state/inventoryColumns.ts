/**
 * The host list's inventory columns (pure): address, last deploy and switch values, in the
 * order of the `columns` preference (first = kept longest when the list is narrow).
 *
 * The cells of every host are computed once per change of the host list, the inventory or
 * the preference (one cached table), never per key or per visible window; the list then
 * shows the columns that fit, dropping the least wanted first. Nothing is cut: a column
 * that does not fit whole is dropped (the detail header shows the address and last
 * deploy, the Switches tab each value whole).
 */
import type { HostSummary } from '../../core/ops/session.js';
import { columns as textColumns } from '../format.js';
import type { AppState } from './types.js';

export interface InventoryColumn {
  key: string;
  label: string;
  /** The widest cell (or the label), capped. */
  width: number;
}

export interface InventoryCell {
  text: string;
  /** deployed: when (shown as an age before the text, so it stays current). */
  time?: string;
  /** The last deploy did not end well. */
  failed?: boolean;
}

export interface InventoryTable {
  columns: readonly InventoryColumn[];
  cells: ReadonlyMap<string, readonly InventoryCell[]>;
  /** Every column with one space before it. */
  wanted: number;
}

/** Widest an address or switch value may make its column (wider values drop the column rather than crush the list). */
const MAX_CELL = 24;
/** An age (`59m`) and a space before the operator. */
const AGE = 4;

const EMPTY: InventoryTable = { columns: [], cells: new Map(), wanted: 0 };
let cache: { hosts: readonly HostSummary[]; inventory: AppState['inventory']; keys: readonly string[]; table: InventoryTable } | undefined;

export function inventoryTable(state: Pick<AppState, 'hosts'> & Partial<Pick<AppState, 'inventory' | 'columns'>>): InventoryTable {
  const keys = state.columns ?? [];
  if (keys.length === 0) return EMPTY;
  if (cache && cache.hosts === state.hosts && cache.inventory === state.inventory && cache.keys === keys) return cache.table;
  const widths = keys.map((k) => textColumns(k));
  const cells = new Map<string, InventoryCell[]>();
  for (const host of state.hosts) {
    const details = state.inventory?.[host.name];
    const row = keys.map((key, i): InventoryCell => {
      let cell: InventoryCell;
      if (key === 'address') cell = { text: details?.address ?? '' };
      else if (key === 'deployed') {
        const last = details?.lastDeploy;
        // A rollback or rebuild wrote the host too: said, as `konf hosts` says it.
        cell = last ? { text: `${last.operator}${last.kind && last.kind !== 'deploy' ? ` (${last.kind})` : ''}`, time: last.time, ...(last.ok ? {} : { failed: true }) } : { text: '' };
      } else cell = { text: host.values[key] ?? '' };
      widths[i] = Math.max(widths[i]!, textColumns(cell.text) + (cell.time ? AGE : 0));
      return cell;
    });
    cells.set(host.name, row);
  }
  // A column no host has a value for (not loaded yet, a switch nobody sets) takes no room.
  const filled = keys.map((_, i) => [...cells.values()].some((row) => row[i]!.text !== ''));
  const kept = keys.flatMap((key, i) => (filled[i] ? [i] : []));
  // The last column is one wider than its label, so the label never runs into `snap` (right-aligned after it).
  const columns = kept.map((i, n) => ({ key: keys[i]!, label: keys[i]!, width: Math.max(Math.min(widths[i]!, MAX_CELL), n === kept.length - 1 ? textColumns(keys[i]!) + 1 : 0) }));
  if (kept.length < keys.length) for (const [host, row] of cells) cells.set(host, kept.map((i) => row[i]!));
  const table: InventoryTable = { columns, cells, wanted: columns.reduce((n, c) => n + 1 + c.width, 0) };
  cache = { hosts: state.hosts, inventory: state.inventory, keys, table };
  return table;
}

/** The indices of the columns shown in `room` columns: the most wanted first, each whole or not at all (a column whose cells are wider than it can be is dropped). */
export function fittingColumns(columns: readonly InventoryColumn[], room: number): number[] {
  const shown: number[] = [];
  let left = room;
  for (let i = 0; i < columns.length; i++) {
    const need = 1 + columns[i]!.width;
    if (need <= left) {
      shown.push(i);
      left -= need;
    }
  }
  return shown;
}
