/**
 * Reading a host against its plan: which paths konf manages there, what they hold now,
 * and the diff. One read (one round trip) per host covers planned, excluded and watched paths.
 */
import type { HostPlan } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { HostDiff } from '../diff/types.js';
import { desiredFromPlan } from '../diff/desired.js';
import { diffHost } from '../diff/compare.js';
import { secretValues } from '../diff/secrets.js';

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
}

export function diffPlan(plan: HostPlan, live: LiveEntry[], reveal: boolean): HostDiff {
  const planned = new Set(plan.files.map((f) => f.path));
  const excludedPaths = new Set(plan.excluded.map((e) => e.path));
  const relevant = live.filter((e) => planned.has(e.path) || excludedPaths.has(e.path));
  return diffHost(plan.host, desiredFromPlan(plan), relevant, { excluded: plan.excluded, secrets: secretValues(plan), reveal });
}

export async function readAndDiff(remote: RemoteHost, plan: HostPlan, reveal: boolean, signal?: AbortSignal): Promise<PlanDiff> {
  const live = await remote.readState(managedPaths(plan), { signal });
  return { live, diff: diffPlan(plan, live, reveal) };
}

/** Entries of `live` for the given paths (snapshot content). */
export function entriesFor(live: LiveEntry[], paths: string[]): LiveEntry[] {
  const want = new Set(paths);
  return live.filter((e) => want.has(e.path));
}
