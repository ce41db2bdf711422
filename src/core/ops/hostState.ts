/**
 * Reading a host against its plan: which paths konf manages there, what they hold now,
 * and the diff. One read (one round trip) per host covers planned, excluded and watched paths.
 */
import type { HostPlan } from '../fleet/types.js';
import type { LiveEntry, LockInfo } from '../remote/types.js';
import { parseLock, type RemoteHost } from '../remote/remoteHost.js';
import { LOCK_DIR, LOCK_PATH } from '../remote/scripts/index.js';
import { JOURNAL_NAME } from '../remote/journal.js';
import type { HostDiff } from '../diff/types.js';
import { desiredFromPlan } from '../diff/desired.js';
import { diffHost } from '../diff/compare.js';
import { secretValues } from '../diff/secrets.js';
import { parseRecord, RECORD_PATH, type DeployedRecord } from './deployedRecord.js';

/** Paths konf reads on a host for a plan: planned files, excluded paths (shown), watched paths. */
export function managedPaths(plan: HostPlan): string[] {
  const paths = new Set<string>();
  for (const f of plan.files) paths.add(f.path);
  for (const e of plan.excluded) paths.add(e.path);
  for (const w of plan.settings.watch) paths.add(w);
  return [...paths].sort();
}

/** The paths whose state a snapshot records: everything konf could write, plus watched paths. */
export function snapshotPaths(plan: HostPlan): string[] {
  const paths = new Set<string>();
  for (const f of plan.files) paths.add(f.path);
  for (const w of plan.settings.watch) paths.add(w);
  return [...paths].sort();
}

export interface PlanDiff {
  live: LiveEntry[];
  diff: HostDiff;
  /** The host lock, when someone holds it. */
  lock?: LockInfo;
  /** An unfinished operation's journal is on the host (the next deploy or rollback recovers it). */
  journal: boolean;
  /** What konf last wrote there, as the host's record says (undefined: the host holds none). */
  record?: DeployedRecord;
  /** The record file as read (to check later that it did not change). */
  recordEntry?: LiveEntry;
}

const JOURNAL_PATH = `${LOCK_DIR}/${JOURNAL_NAME}`;

export function diffPlan(plan: HostPlan, live: LiveEntry[], reveal: boolean): HostDiff {
  const planned = new Set(plan.files.map((f) => f.path));
  const excludedPaths = new Set(plan.excluded.map((e) => e.path));
  const relevant = live.filter((e) => planned.has(e.path) || excludedPaths.has(e.path));
  return diffHost(plan.host, desiredFromPlan(plan), relevant, { excluded: plan.excluded, secrets: secretValues(plan), reveal });
}

/** What one read of a host found: the paths asked for, the host lock and whether a journal is there. */
export type HostRead = Omit<PlanDiff, 'diff'>;

/**
 * One read of the host (one round trip): the given paths (entries in their order), and the
 * host lock, journal and deployed record beside them. `large: 'hash'` when the live content
 * of large files will not be needed (a diff only); the default keeps it (spooled to disk)
 * for a snapshot. The deployed record is always read whole.
 */
export async function readHost(remote: RemoteHost, paths: string[], signal?: AbortSignal, large: 'spool' | 'hash' = 'spool'): Promise<HostRead> {
  const extra = [LOCK_PATH, JOURNAL_PATH, RECORD_PATH].filter((p) => !paths.includes(p));
  const all = await remote.readState([...paths, ...extra], { signal, large });
  const byPath = new Map(all.map((e) => [e.path, e]));
  const live = all.slice(0, paths.length);
  const lockEntry = byPath.get(LOCK_PATH);
  const journalEntry = byPath.get(JOURNAL_PATH);
  const lock = lockEntry?.state === 'file' && lockEntry.content !== undefined ? parseLock(lockEntry.content.toString('utf8')) : undefined;
  let recordEntry = byPath.get(RECORD_PATH);
  // A record over the large-file size read with 'hash' came without its bytes: read it alone, kept.
  if (recordEntry?.state === 'file' && recordEntry.content === undefined && recordEntry.spool === undefined) {
    recordEntry = (await remote.readState([RECORD_PATH], { signal, large: 'spool' }))[0];
  }
  const record = parseRecord(recordEntry);
  return { live, ...(lock ? { lock } : {}), journal: journalEntry !== undefined && journalEntry.state === 'file', ...(record ? { record } : {}), ...(recordEntry ? { recordEntry } : {}) };
}

/** One read of the host's managed paths, lock, journal and deployed record (one round trip), diffed against the plan. */
export async function readAndDiff(remote: RemoteHost, plan: HostPlan, reveal: boolean, signal?: AbortSignal, large: 'spool' | 'hash' = 'spool'): Promise<PlanDiff> {
  const read = await readHost(remote, managedPaths(plan), signal, large);
  return { ...read, diff: diffPlan(plan, read.live, reveal) };
}

/** Entries of `live` for the given paths (snapshot content). */
export function entriesFor(live: LiveEntry[], paths: string[]): LiveEntry[] {
  const want = new Set(paths);
  return live.filter((e) => want.has(e.path));
}
