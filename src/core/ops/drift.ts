/**
 * Pending or drifted, per file: konf compares what a host holds with what konf last wrote
 * there (the deployed record) and with what the repository wants now.
 *
 * - `pending`: the repository changed since konf last wrote the file (or konf never wrote it);
 * - `drifted`: the host changed since konf last wrote it (a hand edit, a package upgrade);
 * - `both`: the repository and the host both changed.
 *
 * One place decides it for `konf diff` (human and --json), `konf diff --drift`, the deploy
 * confirmations and the console's badges.
 */
import { createHash } from 'node:crypto';
import type { DesiredEntry, DriftState, FileChange, HostDiff } from '../diff/types.js';
import { isPending } from '../diff/compare.js';
import type { LiveEntry } from '../remote/types.js';
import { effectiveRecord, parseRecord, RECORD_PATH, type DeployedFile, type DeployedRecord } from './deployedRecord.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { OpsRuntime } from './runtime.js';

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function liveMatches(rec: DeployedFile, live: LiveEntry | undefined): boolean {
  if (!live) return true; // not read: nothing to say
  if (rec.target !== undefined) return live.state === 'symlink' && live.target === rec.target;
  if (rec.sha256 === undefined) return true;
  if (live.state !== 'file') return false;
  if (live.sha256 !== rec.sha256) return false;
  return rec.mode === undefined || (live.mode & 0o7777) === rec.mode;
}

function desiredMatches(rec: DeployedFile, desired: DesiredEntry | undefined): boolean {
  if (!desired) return true;
  if (rec.target !== undefined) return desired.state === 'symlink' && desired.target === rec.target;
  if (rec.sha256 === undefined) return true;
  if (desired.state !== 'file') return false;
  if (sha(desired.content) !== rec.sha256) return false;
  return rec.mode === undefined || desired.mode === undefined || desired.mode === rec.mode;
}

/** The drift state of one pending change (undefined for a file without a pending change). */
export function driftOf(change: FileChange, record: DeployedRecord): DriftState | undefined {
  if (!isPending(change.kind)) return undefined;
  const rec = record[change.path];
  if (!rec) return 'pending';
  const drifted = !liveMatches(rec, change.live);
  const repoChanged = !desiredMatches(rec, change.desired);
  if (drifted && repoChanged) return 'both';
  if (drifted) return 'drifted';
  return 'pending';
}

/**
 * The diff with each pending file marked pending / drifted / both, and the number of
 * drifted files (drifted or both). `live` is not needed: each change carries its live entry.
 */
export function withDrift(diff: HostDiff, record: DeployedRecord): HostDiff {
  let drifted = 0;
  const files = diff.files.map((f) => {
    const drift = driftOf(f, record);
    if (drift === undefined) return f;
    if (drift !== 'pending') drifted++;
    return { ...f, drift };
  });
  return { ...diff, files, drifted };
}

/** Paths of the hand edits (drifted or both) a write of this diff would overwrite. */
export function handEdits(diff: HostDiff): string[] {
  return diff.files.filter((f) => f.drift === 'drifted' || f.drift === 'both').map((f) => f.path);
}

/**
 * The host's diff with each pending file marked pending / drifted / both, judged against
 * the record the host holds (read with its files: `onHost`, undefined when it has none;
 * then this jump host's old local record, see deployedRecord.ts).
 */
export async function markDrift(rt: OpsRuntime, host: string, diff: HostDiff, onHost: DeployedRecord | undefined): Promise<HostDiff> {
  return withDrift(diff, await effectiveRecord(rt.stateDir, host, onHost));
}

/** Reads `paths` on a host and, in the same round trip, the deployed record it holds. */
export async function readWithRecord(remote: RemoteHost, paths: readonly string[], signal?: AbortSignal): Promise<{ live: LiveEntry[]; record?: DeployedRecord }> {
  const want = paths.filter((p) => p !== RECORD_PATH);
  const all = await remote.readState([...want, RECORD_PATH], { signal });
  const record = parseRecord(all.find((e) => e.path === RECORD_PATH));
  return { live: all.filter((e) => e.path !== RECORD_PATH), ...(record ? { record } : {}) };
}
