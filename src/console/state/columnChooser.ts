/**
 * Choosing the host list's inventory columns in the console (pure): `C` lists the columns
 * there are (the address, the last deploy, every switch some host sets), each shown or
 * not; Enter toggles the highlighted one and the list stays open. A column shown anew
 * goes last (the first ones are kept longest when the list is narrow). The choice is the
 * `columns` preference: the App saves it as it changes.
 */
import type { AppState, ChoiceItem, ChoiceState } from './types.js';

const BUILT_IN: readonly { key: string; what: string }[] = [
  { key: 'address', what: 'the address konf connects to (HostName from the ssh config)' },
  { key: 'deployed', what: 'the last deploy, rollback or rebuild: how long ago, and who (audit log)' },
];

/** Switch names most hosts set first (then by name), at most this many. */
const MAX_SWITCHES = 30;

/** Every column there is: the chosen ones in their order, then the built-in ones, then switches by how many hosts set them. */
export function columnCandidates(state: Pick<AppState, 'hosts' | 'columns'>): string[] {
  const counts = new Map<string, number>();
  // A secret switch reaches the console without its value (''): no column for it.
  for (const host of state.hosts) for (const [key, value] of Object.entries(host.values)) if (value !== '') counts.set(key, (counts.get(key) ?? 0) + 1);
  const switches = [...counts.entries()]
    .filter(([key]) => !BUILT_IN.some((b) => b.key === key))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_SWITCHES)
    .map(([key]) => key);
  const chosen = state.columns ?? [];
  return [...chosen, ...[...BUILT_IN.map((b) => b.key), ...switches].filter((k) => !chosen.includes(k))];
}

function item(state: Pick<AppState, 'hosts' | 'columns'>, key: string): ChoiceItem {
  const chosen = state.columns ?? [];
  const at = chosen.indexOf(key);
  const builtIn = BUILT_IN.find((b) => b.key === key);
  const setBy = state.hosts.filter((h) => h.values[key] !== undefined).length;
  const what = builtIn ? builtIn.what : `the switch ${key} (set on ${setBy} of ${state.hosts.length} host${state.hosts.length === 1 ? '' : 's'})`;
  return {
    label: `${at >= 0 ? '[x]' : '[ ]'} ${key}`,
    detail: at >= 0 ? `shown (${ordinal(at + 1)}): Enter hides ${what}` : `hidden: Enter shows ${what}, after the others`,
    action: { type: 'column', key },
  };
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

function chooser(state: Pick<AppState, 'hosts' | 'columns'>, index: number, keys = columnCandidates(state)): ChoiceState {
  return {
    title: 'Host list columns (Enter shows or hides, Esc closes)',
    lines: ['The first shown is kept longest when the list is narrow; a column that does not fit whole is left out.'],
    items: keys.map((key) => item(state, key)),
    index: Math.max(0, Math.min(index, keys.length - 1)),
  };
}

/** `C`: the column list, the first column highlighted. */
export function openColumns(state: AppState): AppState {
  if (columnCandidates(state).length === 0) return { ...state, notice: 'no columns to choose' };
  return { ...state, choice: chooser(state, 0) };
}

/** Enter on a column: shown ↔ hidden; the list stays open on the same row (its order is kept while it is open). */
export function toggleColumn(state: AppState, key: string): AppState {
  const chosen = state.columns ?? [];
  const columns = chosen.includes(key) ? chosen.filter((k) => k !== key) : [...chosen, key];
  const keys = state.choice?.items.map((i) => (i.action.type === 'column' ? i.action.key : '')).filter((k) => k !== '') ?? columnCandidates({ ...state, columns });
  const next = { ...state, columns };
  return { ...next, choice: chooser(next, state.choice?.index ?? 0, keys) };
}
