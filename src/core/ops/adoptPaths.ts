/** The paths `konf adopt` takes: checked as given, how a plan treats them (signatures), their diffs. */
import { ConfigError } from '../errors.js';
import type { DesiredEntry, HostDiff } from '../diff/types.js';
import { diffHost, sha256 } from '../diff/compare.js';
import { desiredFromPlan } from '../diff/desired.js';
import { secretValues } from '../diff/secrets.js';
import { logicalPathProblem, reservedPathProblem, stripTrailingSlash } from '../fleet/paths.js';
import type { HostPlan } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';

const GLOB_CHARS = /[*?[\]{}]/;

/** Checks and normalises the paths given on the command line. */
export function checkAdoptPaths(host: string, paths: readonly string[]): string[] {
  if (paths.length === 0) throw new ConfigError('no paths given: name the files of the host to adopt (absolute paths, as on the host)');
  const out: string[] = [];
  for (const raw of paths) {
    const p = stripTrailingSlash(raw);
    const problem = logicalPathProblem(p);
    if (problem !== undefined) throw new ConfigError(`${JSON.stringify(raw)} ${problem}; give the path as it is on ${host}, inside its konf_root`);
    if (p === '/') throw new ConfigError('/ is a folder, not a file');
    const reserved = reservedPathProblem(p);
    if (reserved !== undefined) throw new ConfigError(`${p} ${reserved}: it cannot be adopted`);
    if (GLOB_CHARS.test(p)) throw new ConfigError(`${p}: give file paths, not glob patterns`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** A signature of how a plan treats one path (content, metadata, excluded, skipped, absent). */
export function plannedSignature(plan: HostPlan, path: string): string {
  const f = plan.files.find((x) => x.path === path);
  if (f) {
    const meta = `${f.mode ?? '-'} ${f.owner ?? '-'} ${f.group ?? '-'}`;
    return f.kind === 'symlink' ? `L ${f.target} ${meta}` : `F ${sha256(f.content)} ${meta}`;
  }
  if (plan.excluded.some((x) => x.path === path)) return 'excluded';
  if (plan.skipped.some((x) => x.path === path)) return 'skipped';
  return 'absent';
}

function signatureOf(plan: HostPlan, paths: readonly string[]): string {
  return paths.map((p) => `${p}\t${plannedSignature(plan, p)}`).join('\n');
}

/** The host's diff restricted to some paths (desired and excluded entries of the plan). */
export function diffPaths(plan: HostPlan, live: readonly LiveEntry[], paths: readonly string[], reveal: boolean): HostDiff {
  const want = new Set(paths);
  const desired: DesiredEntry[] = desiredFromPlan(plan).filter((d) => want.has(d.path));
  const excluded = plan.excluded.filter((x) => want.has(x.path));
  return diffHost(plan.host, desired, live.filter((e) => want.has(e.path)), { excluded, secrets: secretValues(plan), reveal });
}

export { signatureOf as adoptedSignature };
