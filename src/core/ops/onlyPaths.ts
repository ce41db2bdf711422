/**
 * `konf deploy HOST --only PATH`: a deploy restricted to some planned files (reverting a
 * hand edit). The lock, journal, snapshot, hooks and confirmation are the deploy's own;
 * only the set of files compared and written is smaller. Every path must be planned on
 * every host named, so a typo never deploys nothing silently.
 */
import { ConfigError } from '../errors.js';
import { logicalPathProblem, reservedPathProblem, stripTrailingSlash } from '../fleet/paths.js';
import type { HostPlan } from '../fleet/types.js';
import type { HostDiff } from '../diff/types.js';

/** Normalises the paths and checks each is planned (not excluded, not skipped) on every host. */
export function checkOnlyPaths(plans: ReadonlyMap<string, HostPlan>, only: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of only) {
    const p = stripTrailingSlash(raw);
    const problem = logicalPathProblem(p) ?? reservedPathProblem(p);
    if (problem !== undefined) throw new ConfigError(`--only ${JSON.stringify(raw)} ${problem}`);
    for (const [host, plan] of plans) {
      if (plan.files.some((f) => f.path === p)) continue;
      const excluded = plan.excluded.find((x) => x.path === p);
      if (excluded) throw new ConfigError(`--only ${p}: excluded on ${host} (rule ${excluded.rule.pattern} at ${excluded.rule.file}:${excluded.rule.line}): a deploy never writes it there`);
      const skipped = plan.skipped.find((x) => x.path === p);
      if (skipped) throw new ConfigError(`--only ${p}: left out for ${host} by its template ${skipped.source} (${skipped.reason})`);
      throw new ConfigError(`--only ${p}: not planned on ${host} (no file in etc/files plans it)`);
    }
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** The diff reduced to the given paths (all of it when `only` is undefined). */
export function restrictDiff(diff: HostDiff, only: readonly string[] | undefined): HostDiff {
  if (only === undefined) return diff;
  const want = new Set(only);
  const files = diff.files.filter((f) => want.has(f.path));
  const pending = files.filter((f) => f.kind !== 'unchanged' && f.kind !== 'excluded' && f.kind !== 'unreadable').length;
  const drifted = files.filter((f) => f.drift === 'drifted' || f.drift === 'both').length;
  return { ...diff, files, pending, ...(diff.drifted !== undefined ? { drifted } : {}) };
}
