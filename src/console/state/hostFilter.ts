/** The host list as shown: the `/` filter (name, `switch=value`, status words), the sort, and the hosts an action targets. Pure, memoized on input identity. */
import type { HostStatus, HostSummary } from '../../core/ops/session.js';
import type { AppState } from './types.js';

export interface FilterTerm {
  kind: 'name' | 'switch' | 'status';
  name: string;
  value: string;
  negate: boolean;
}

/** Words that filter by status (a bare word, or `status=WORD`), and the badge kinds each takes in. */
const STATUS_WORDS: Record<string, readonly HostStatus['kind'][]> = {
  pending: ['pending', 'drifted'],
  drifted: ['drifted'],
  'in-sync': ['in-sync'],
  insync: ['in-sync'],
  synced: ['in-sync'],
  unreachable: ['unreachable'],
  locked: ['locked'],
  running: ['running'],
  failed: ['failed', 'restored'],
  restored: ['restored'],
  checking: ['checking', 'unknown'],
  unknown: ['unknown'],
  'config-error': ['config-error'],
  error: ['config-error', 'failed', 'restored'],
};

export function parseFilter(text: string): FilterTerm[] {
  const terms: FilterTerm[] = [];
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq > 0) {
      const negate = word[eq - 1] === '!';
      const name = word.slice(0, negate ? eq - 1 : eq);
      const value = word.slice(eq + 1);
      if (name === 'status') terms.push({ kind: 'status', name: value.toLowerCase(), value: '', negate });
      else terms.push({ kind: 'switch', name, value, negate });
    } else if (STATUS_WORDS[word.toLowerCase()]) {
      terms.push({ kind: 'status', name: word.toLowerCase(), value: '', negate: false });
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

/**
 * Every word must match: a part of the host name, a status (`pending`, `status=drifted`,
 * `unreachable`…), or `switch=value` (`*` globs, `!=` negates).
 */
export function matchesFilter(host: HostSummary, terms: readonly FilterTerm[], status?: HostStatus): boolean {
  return terms.every((term) => {
    if (term.kind === 'name') return host.name.toLowerCase().includes(term.name);
    if (term.kind === 'status') {
      const kinds = STATUS_WORDS[term.name] ?? [term.name];
      const hit = kinds.includes(status?.kind ?? 'unknown');
      return term.negate ? !hit : hit;
    }
    const value = host.values[term.name];
    const hit = value !== undefined && globMatch(term.value, value);
    return term.negate ? !hit : hit;
  });
}

/** Worst first: what needs the admin's eyes comes to the top when sorted by status. */
const STATUS_ORDER: readonly HostStatus['kind'][] = ['failed', 'restored', 'config-error', 'unreachable', 'locked', 'drifted', 'pending', 'running', 'checking', 'unknown', 'in-sync'];

/** When konf last changed the host: its last deploy (audit log), else its newest snapshot. */
export function lastChange(state: Partial<Pick<AppState, 'checks' | 'inventory'>>, host: string): string | undefined {
  return state.inventory?.[host]?.lastDeploy?.time ?? state.checks?.[host]?.lastSnapshot;
}

type HostListInput = Pick<AppState, 'hosts' | 'filter'> & Partial<Pick<AppState, 'status' | 'sort' | 'checks' | 'inventory'>>;

function sortHosts(hosts: HostSummary[], state: HostListInput): HostSummary[] {
  const byName = (a: HostSummary, b: HostSummary) => a.name.localeCompare(b.name);
  if (state.sort === 'status') {
    const rank = (h: HostSummary) => STATUS_ORDER.indexOf(state.status?.[h.name]?.kind ?? 'unknown');
    return hosts.sort((a, b) => rank(a) - rank(b) || byName(a, b));
  }
  if (state.sort === 'change') {
    const when = (h: HostSummary) => lastChange(state, h.name) ?? '';
    // Newest first; hosts konf never changed last.
    return hosts.sort((a, b) => when(b).localeCompare(when(a)) || byName(a, b));
  }
  return hosts;
}

let lastKey: unknown[] = [];
let lastVisible: HostSummary[] = [];

/** The host list as shown: filtered (name, status, switches) and sorted (memoized on what it reads). */
export function visibleHosts(state: HostListInput): HostSummary[] {
  const terms = parseFilter(state.filter.text);
  const sort = state.sort ?? 'name';
  const readsStatus = sort === 'status' || terms.some((t) => t.kind === 'status');
  const key = [state.hosts, state.filter.text, sort, readsStatus ? state.status : undefined, sort === 'change' ? state.checks : undefined, sort === 'change' ? state.inventory : undefined];
  if (key.length === lastKey.length && key.every((k, i) => k === lastKey[i])) return lastVisible;
  const shown = terms.length === 0 ? [...state.hosts] : state.hosts.filter((h) => matchesFilter(h, terms, state.status?.[h.name]));
  lastVisible = sort === 'name' ? shown : sortHosts(shown, state);
  lastKey = key;
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
