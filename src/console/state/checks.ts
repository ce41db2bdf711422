/**
 * Background checks (pure): the badge and diff of each host from its check results, which
 * hosts are current, and the deploy dialog that waits for its hosts' checks.
 */
import type { HostCheck, HostStatus, HostSummary } from '../../core/ops/session.js';
import { openDeployDialog } from './confirm.js';
import { retally } from './hostCounts.js';
import { appendLog } from './log.js';
import { hostInOperation } from './ops.js';
import { keepHostVisible } from './selection.js';
import type { Action, AppState } from './types.js';

/** The full summaries of a lazily opened session: a config error shows unless a check already said more. */
export function hostsLoaded(state: AppState, hosts: HostSummary[]): AppState {
  const status = { ...state.status };
  for (const host of hosts) {
    const current = status[host.name]?.kind;
    if (host.error && (current === undefined || current === 'unknown' || current === 'checking')) status[host.name] = { kind: 'config-error', error: host.error };
  }
  return keepHostVisible({ ...state, hosts, status });
}

export function checkStarted(state: AppState, host: string): AppState {
  const current = state.status[host];
  if (current && current.kind !== 'unknown') return state;
  return { ...state, status: { ...state.status, [host]: { kind: 'checking' } } };
}

export function checkResult(state: AppState, check: HostCheck): AppState {
  const host = check.host;
  if (hostInOperation(state, host)) {
    // An operation owns the badge right now; keep the diff for later.
    return checked({ ...state, checks: { ...state.checks, [host]: check } }, [host]);
  }
  return checked({ ...state, checks: { ...state.checks, [host]: check }, status: { ...state.status, [host]: check.status } }, [host]);
}

export function checkFailed(state: AppState, host: string, error: string, time: string): AppState {
  // A deploy waiting for this check opens without the host (its changes cannot be shown).
  const pending = state.pendingDeploy;
  return checked(
    {
      ...state,
      ...(pending?.hosts.includes(host) ? { pendingDeploy: { ...pending, failed: [...(pending.failed ?? []), host] } } : {}),
      status: { ...state.status, [host]: { kind: 'failed', error } },
      log: appendLog(state.log, [{ time, level: 'error', host, source: 'console', text: `check failed: ${error}` }]),
    },
    [host],
  );
}

/**
 * Applies many actions with one copy of the status and check tables: a batch of 2,000
 * check results must not copy a 2,000-entry table 2,000 times. Other actions go to `reduce`.
 */
export function reduceBatch(state: AppState, actions: readonly Action[], reduce: (state: AppState, action: Action) => AppState): AppState {
  let current = state;
  let status: Record<string, HostStatus> | undefined;
  let checks: AppState['checks'] | undefined;
  let done: string[] = [];
  /** Hosts whose badge the batch changed, with the badge before (the title's counts follow from them). */
  const changed = new Map<string, HostStatus | undefined>();
  const setStatus = (host: string, next: HostStatus) => {
    if (!changed.has(host)) changed.set(host, current.status[host]);
    status ??= { ...current.status };
    status[host] = next;
  };
  const settle = () => {
    if (status) current = { ...current, status, tally: retally(current, status, changed) };
    if (checks) current = { ...current, checks };
    if (done.length > 0) current = checked(current, done);
    status = undefined;
    checks = undefined;
    done = [];
    changed.clear();
  };
  for (const action of actions) {
    if (action.type === 'check/start') {
      const shown = (status ?? current.status)[action.host];
      if (shown && shown.kind !== 'unknown') continue;
      setStatus(action.host, { kind: 'checking' });
    } else if (action.type === 'check/result') {
      const host = action.check.host;
      checks ??= { ...current.checks };
      checks[host] = action.check;
      if (!hostInOperation(current, host)) setStatus(host, action.check.status);
      done.push(host);
    } else {
      settle();
      current = reduce(current, action);
    }
  }
  settle();
  return current;
}

/** A host whose changes are not known as of the repository on disk: never checked, or checked before an edit. */
export function needsCheck(state: AppState, host: string): boolean {
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
  if (pending && !pending.hosts.some((h) => needsCheck(next, h) && !pending.failed?.includes(h))) {
    next = { ...next, pendingDeploy: undefined };
    if (!next.confirm && !next.quitting) next = openDeployDialog(next, pending.hosts, pending.skipped);
  }
  return next;
}
