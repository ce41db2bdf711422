/** The console's first state: every host unknown (or in config error), the selected one checked first. */
import type { HostStatus } from '../../core/ops/session.js';
import { ZERO_DIFF, ZERO_LIST } from './cursor.js';
import { emptyLog } from './log.js';
import { pushEffects } from './ops.js';
import { keepHostVisible } from './selection.js';
import type { AppState, Effect, InitOptions } from './types.js';

export const DEFAULT_LOG_HEIGHT = 6;

export function initialState(options: InitOptions): AppState {
  const status: Record<string, HostStatus> = {};
  for (const host of options.hosts) status[host.name] = host.error ? { kind: 'config-error', error: host.error } : { kind: 'unknown' };
  const selected = options.hosts.find((h) => h.name === options.lastHost)?.name ?? options.hosts[0]?.name;
  const checkable = options.hosts.filter((h) => !h.error).map((h) => h.name);
  // The selected host is checked first.
  const order = selected && checkable.includes(selected) ? [selected, ...checkable.filter((h) => h !== selected)] : checkable;
  const state: AppState = {
    size: options.size,
    repo: options.repo,
    hosts: options.hosts,
    status,
    checks: {},
    selected,
    hostTop: 0,
    marks: {},
    filter: { text: '', editing: false },
    sort: 'name',
    search: { diff: '', log: '' },
    focus: 'hosts',
    tab: 'diff',
    lists: { switches: ZERO_LIST, excludes: ZERO_LIST, files: ZERO_LIST, history: ZERO_LIST },
    plans: {},
    histories: {},
    diffHosts: undefined,
    diffCursor: ZERO_DIFF,
    preview: undefined,
    layout: options.layout ?? 'unified',
    diffEngine: 'loading',
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
    ...(options.columns ? { columns: options.columns } : {}),
  };
  // The diff engine is not needed for the first frame: the effect runner loads it after.
  const effects: Effect[] = order.length > 0 ? [{ type: 'check', hosts: order, priority: false }, { type: 'load-diff-engine' }] : [{ type: 'load-diff-engine' }];
  // Addresses and last deploys (the inventory columns) load beside the checks.
  if (options.hosts.length > 0) effects.push({ type: 'load-inventory', hosts: options.hosts.map((h) => h.name) });
  return keepHostVisible(pushEffects(state, effects));
}
