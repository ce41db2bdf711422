/**
 * Operations and the snapshot store's shared remote (store/storeRemote.ts), when the fleet
 * sets one (`store_remote` in etc/konf.conf, or KONF_STORE_REMOTE):
 *
 * - before: deploy, snapshot and rollback fetch every host's ref first, so their snapshots
 *   build on what the other jump hosts recorded; history (CLI and console), rollback's
 *   choice of snapshot and `konf log` fetch first, so they show the team's history;
 * - after: deploy, snapshot and rollback record this jump host's new audit lines in its
 *   audit ref and push every ref not pushed yet (this run's and any an offline run left).
 *
 * Each fetch or push is bounded by `store_timeout`. An unreachable remote never stops an
 * operation: it is a warning (a log event, or a line on stderr), and what was not pushed
 * goes with the next run's push.
 */
import type { KonfConf } from '../fleet/konfConf.js';
import { SnapshotStore } from '../store/snapshotStore.js';
import { jumpHostId, StoreRemote, type AuditLine } from '../store/storeRemote.js';
import { isRecord, readAudit, type AuditFilter, type AuditRecord } from './audit.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';

/** A fetch that finished this recently (or is running) serves the next caller too. */
const FRESH_MS = 2000;

interface FetchState {
  at: number;
  audit: boolean;
  running: Promise<string[]>;
}

const fetches = new WeakMap<StoreRemote, FetchState>();

/**
 * Fetches the shared store (every host ref; `audit`: every jump host's audit ref too) and
 * takes what other jump hosts added. Returns warnings (empty when all went well, or when
 * no remote is set). Concurrent callers share one fetch.
 */
export async function fetchShared(rt: OpsRuntime, options: { audit?: boolean; signal?: AbortSignal } = {}): Promise<string[]> {
  const remote = await rt.storeRemote();
  if (!remote) return [];
  const last = fetches.get(remote);
  const audit = options.audit ?? false;
  if (last && (last.audit || !audit) && Date.now() - last.at < FRESH_MS) return last.running;
  const state: FetchState = { at: Number.POSITIVE_INFINITY, audit, running: Promise.resolve([]) };
  state.running = (async () => {
    try {
      const result = await remote.fetch({ audit, ...(options.signal ? { signal: options.signal } : {}) });
      return result.warnings.map((w) => (result.ok ? w : `${w}: working with this jump host's snapshots only`));
    } finally {
      state.at = Date.now();
    }
  })();
  fetches.set(remote, state);
  return state.running;
}

/**
 * Records this jump host's audit lines in its audit ref and pushes every ref not pushed
 * yet. Returns what to tell the admin: warnings, and what was shared.
 */
export async function pushShared(rt: OpsRuntime, signal?: AbortSignal): Promise<{ warnings: string[]; pushed: string[] }> {
  const remote = await rt.storeRemote();
  if (!remote) return { warnings: [], pushed: [] };
  const warnings: string[] = [];
  let audit: AuditLine[] = [];
  try {
    audit = (await readAudit(rt.stateDir)).map((r) => ({ op: r.op, start: r.start, json: JSON.stringify(r) }));
  } catch (err) {
    warnings.push(`could not read the audit log to share it: ${err instanceof Error ? err.message : String(err)}`);
  }
  const pushed = await remote.push({ audit, ...(signal ? { signal } : {}) });
  return { warnings: [...warnings, ...pushed.warnings], pushed: pushed.pushed };
}

/** Per operation id: its fetch of the shared store, while it runs. */
const fetching = new Map<string, Promise<void>>();

/** A `prepare` that says, in the operation's own log, what the shared store's fetch warned about. */
export function syncWarnings(warnings: readonly string[]): (emitter: OpEmitter) => Promise<void> {
  return async (emitter) => {
    for (const text of warnings) emitter.emit({ type: 'log', phase: 'sync', level: 'warn', text });
  };
}

/**
 * fetchShared as an operation's first step, run beside the hosts' first steps (connect,
 * read, lock): each host waits for it (sharedStoreReady) only before it records a snapshot
 * or verifies against one. Warnings become log events.
 */
export function fetchBefore(rt: OpsRuntime): (emitter: OpEmitter) => Promise<void> {
  return async (emitter) => {
    if (!(await rt.storeRemote())) return;
    emitter.emit({ type: 'log', phase: 'sync', level: 'debug', text: 'fetching the shared snapshot store' });
    const done = (async () => {
      try {
        for (const text of await fetchShared(rt)) emitter.emit({ type: 'log', phase: 'sync', level: 'warn', text });
      } catch (err) {
        emitter.emit({ type: 'log', phase: 'sync', level: 'warn', text: `could not fetch the shared snapshot store: ${err instanceof Error ? err.message : String(err)}` });
      }
    })();
    fetching.set(emitter.op, done);
    void done.finally(() => fetching.delete(emitter.op));
  };
}

/** Resolves once operation `op`'s fetch of the shared store (if any) has finished. */
export async function sharedStoreReady(op: string): Promise<void> {
  await fetching.get(op);
}

/**
 * pushShared after an operation (its audit record written): warnings and what was shared
 * become log events. It never fails the operation (whose outcome is decided and recorded
 * by then): whatever goes wrong is a warning, and what was not pushed goes with the next
 * run's push. An interrupted operation does not wait for the remote at all, and an
 * interruption during the push stops it.
 */
export async function pushAfter(rt: OpsRuntime, emitter: OpEmitter, signal?: AbortSignal): Promise<void> {
  const remote = await rt.storeRemote();
  if (!remote) return;
  if (signal?.aborted) {
    emitter.emit({ type: 'log', phase: 'sync', level: 'warn', text: `interrupted: not shared with ${remote.settings.url} now; the next konf run pushes it` });
    return;
  }
  let result: { warnings: string[]; pushed: string[] };
  try {
    result = await pushShared(rt, signal);
  } catch (err) {
    result = { warnings: [`could not push to ${remote.describe()}: ${err instanceof Error ? err.message : String(err)}; the next konf run tries again`], pushed: [] };
  }
  const { warnings, pushed } = result;
  const snapshots = pushed.filter((r) => r.startsWith('refs/konf/hosts/')).length;
  if (pushed.length > 0) {
    emitter.emit({ type: 'log', phase: 'sync', level: 'info', text: `shared with ${remote.settings.url}: ${snapshots} host history(ies)${pushed.length > snapshots ? ' and the audit log' : ''}` });
  }
  for (const text of warnings) emitter.emit({ type: 'log', phase: 'sync', level: 'warn', text });
}

/**
 * The audit log as the team sees it: this jump host's records, plus (with a shared store,
 * fetched first) every other jump host's, merged by start time, oldest first; `limit`
 * keeps the newest N after filtering. Without a shared store: exactly the local log.
 */
export async function readTeamAudit(stateDir: string, conf: KonfConf, filter: AuditFilter = {}): Promise<{ records: AuditRecord[]; warnings: string[] }> {
  const setting = conf.storeRemote;
  if (setting === undefined) return { records: await readAudit(stateDir, filter), warnings: [] };
  const store = await SnapshotStore.open(stateDir);
  const remote = new StoreRemote(store.gitDir, { url: setting.url, origin: setting.origin, timeoutMs: Math.round(conf.storeTimeoutS * 1000) }, await jumpHostId(stateDir));
  const fetched = await remote.fetch({ audit: true });
  const warnings = fetched.warnings.map((w) => (fetched.ok ? w : `${w}: showing what this jump host has (its own log, and others' as last fetched)`));
  const seen = new Set<string>();
  const records: AuditRecord[] = [];
  const add = (r: AuditRecord) => {
    const key = `${r.op}\0${r.jumpHost}\0${r.pid}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (filter.host !== undefined && !r.hosts.includes(filter.host)) return;
    if (filter.kind !== undefined && r.kind !== filter.kind) return;
    records.push(r);
  };
  for (const r of await readAudit(stateDir)) add(r);
  for (const json of await remote.sharedAudit()) {
    try {
      const parsed: unknown = JSON.parse(json);
      if (isRecord(parsed)) add(parsed);
    } catch {
      // a damaged line of another jump host: skipped, like a torn local line
    }
  }
  records.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  if (filter.limit !== undefined) return { records: filter.limit <= 0 ? [] : records.slice(-filter.limit), warnings };
  return { records, warnings };
}
