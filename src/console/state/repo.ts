/** The fleet repository changed on disk or was read again (R) (pure): the views follow it. */
import type { RepoChange } from '../../core/ops/session.js';
import { ensureData } from './loads.js';
import { appendLog } from './log.js';
import { busyHosts, pushEffects } from './ops.js';
import { keepHostVisible, selectHost } from './selection.js';
import type { AppState } from './types.js';

/**
 * The host list follows the inventory, the plans of the hosts the change concerns are
 * dropped (the visible tab loads them again) and those hosts are re-checked.
 */
export function repoChanged(state: AppState, change: RepoChange, recheckOverride: string[] | undefined, time: string): AppState {
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
  // Addresses of hosts new to the list, or of every host when the ssh config changed (last deploys come along).
  const sshConfigChanged = change.paths.some((p) => p === 'etc/ssh_config' || p.endsWith('/etc/ssh_config'));
  const addressless = change.hosts === 'all' || sshConfigChanged ? names : names.filter((h) => !state.inventory?.[h]);
  if (addressless.length > 0) next = pushEffects(next, [{ type: 'load-inventory', hosts: addressless }]);
  if (next.noticeHosts) next = { ...next, noticeHosts: next.noticeHosts.filter((h) => recheck.includes(h)) };
  if (next.noticeHosts?.length === 0) next = { ...next, notice: undefined, noticeHosts: undefined };
  if (next.pendingDeploy) {
    const hosts = next.pendingDeploy.hosts.filter((h) => known.has(h));
    next = hosts.length > 0 ? { ...next, pendingDeploy: { ...next.pendingDeploy, hosts } } : { ...next, pendingDeploy: undefined };
  }
  if (!next.selected || !known.has(next.selected)) next = selectHost(next, names[0]);
  if (recheck.length > 0) {
    // The selected host first.
    const ordered = next.selected && recheck.includes(next.selected) ? [next.selected, ...recheck.filter((h) => h !== next.selected)] : recheck;
    next = pushEffects(next, [{ type: 'check', hosts: ordered, priority: true }]);
  }
  return ensureData(keepHostVisible(next));
}

export function repoFailed(state: AppState, error: string, time: string): AppState {
  return {
    ...state,
    notice: undefined,
    noticeHosts: undefined,
    log: appendLog(state.log, [{ time, level: 'error', source: 'console', text: `cannot read the repository: ${error}` }]),
  };
}
