/**
 * The title's counts of hosts by badge (pending, failing, to check), kept by the reducer:
 * a batch of check results adjusts them by the hosts it changed instead of recounting the
 * fleet on every frame. The tally names the status table and host list it counts; after
 * any other change of either, `hostCounts` counts once afresh.
 */
import type { HostStatus, HostSummary } from '../../core/ops/session.js';
import type { AppState } from './types.js';

export interface HostCounts {
  /** pending or drifted */
  pending: number;
  /** failed, unreachable, config error, restored */
  failing: number;
  /** not checked yet, or being checked */
  checking: number;
}

export interface HostTally {
  status: AppState['status'];
  hosts: AppState['hosts'];
  counts: HostCounts;
}

/** Which count a badge is in (none: in sync, locked, running). */
export function countOf(status: HostStatus | undefined): keyof HostCounts | undefined {
  switch (status?.kind) {
    case 'pending':
    case 'drifted':
      return 'pending';
    case 'failed':
    case 'unreachable':
    case 'config-error':
    case 'restored':
      return 'failing';
    case 'checking':
    case 'unknown':
      return 'checking';
    default:
      return undefined;
  }
}

/** The counts of the state's hosts: its tally when that counts this status table and host list, else counted now. */
export function hostCounts(state: Pick<AppState, 'status' | 'hosts' | 'tally'>): HostCounts {
  const tally = state.tally;
  if (tally && tally.status === state.status && tally.hosts === state.hosts) return tally.counts;
  const counts: HostCounts = { pending: 0, failing: 0, checking: 0 };
  for (const host of state.hosts) {
    const which = countOf(state.status[host.name]);
    if (which) counts[which]++;
  }
  return counts;
}

const namesOf = new WeakMap<readonly HostSummary[], ReadonlySet<string>>();

function hostNames(hosts: readonly HostSummary[]): ReadonlySet<string> {
  let names = namesOf.get(hosts);
  if (!names) {
    names = new Set(hosts.map((h) => h.name));
    namesOf.set(hosts, names);
  }
  return names;
}

/**
 * The tally of `status` (the state's status table with some hosts changed): the state's
 * counts adjusted by each changed host, `changed` giving its status before.
 */
export function retally(state: Pick<AppState, 'status' | 'hosts' | 'tally'>, status: AppState['status'], changed: ReadonlyMap<string, HostStatus | undefined>): HostTally {
  const counts = { ...hostCounts(state) };
  const names = hostNames(state.hosts);
  for (const [host, before] of changed) {
    if (!names.has(host)) continue;
    const from = countOf(before);
    const to = countOf(status[host]);
    if (from === to) continue;
    if (from) counts[from]--;
    if (to) counts[to]++;
  }
  return { status, hosts: state.hosts, counts };
}
