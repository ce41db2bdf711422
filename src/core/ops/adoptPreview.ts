/**
 * What `konf adopt` would do, computed before anything is written: for each path of one
 * host, whether its live version goes into the repository for every host (`repo`: a
 * plain file of etc/files, or a capture of a file konf does not manage yet), or the host
 * keeps it alone (`exclude`: a line in its exclude file); the repository edits as diffs;
 * the host as the edited repository plans it (in sync); and every other host whose plan
 * the edit changes, with its diff against its live files. Templates cannot be
 * reverse-rendered: they come back as `template` items (live beside rendered, with
 * provenance) for the admin to exclude or edit.
 *
 * Bad input is a ConfigError (exit 2) before any edit exists: a path that is not absolute
 * or climbs out of the root, konf's own space, an unknown host, a path excluded on the
 * host, a live path outside the root, a folder.
 */
import { ConfigError, HostError, errorMessage } from '../errors.js';
import type { FileChange, HostDiff } from '../diff/types.js';
import { maskSecrets, secretValues } from '../diff/secrets.js';
import { withExcludeLine, withPermissionLine } from '../fleet/editLines.js';
import { EXCLUDE_DIR } from '../fleet/inventory.js';
import { excludeMatcher } from '../fleet/excludes.js';
import { stripTrailingSlash } from '../fleet/paths.js';
import { PERMISSIONS_FILE, parsePermissions, permissionMatcher } from '../fleet/permissions.js';
import { plansAfterEdits, sourceOfLogicalPath, treePathProblem } from '../fleet/planAfterEdits.js';
import type { RepoEdit } from '../fleet/repoEdit.js';
import { checkCommittable } from '../fleet/repoGit.js';
import type { HostPlan, PlannedFile } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';
import { mapLimit } from '../util/mapLimit.js';
import { EditSet, liveContent, liveProblem, permissionFor, viewOf } from './adoptEdits.js';
import { adoptedSignature as signatureOf, checkAdoptPaths, diffPaths, plannedSignature } from './adoptPaths.js';
import { markDrift, readWithRecord } from './drift.js';
import { readAndDiff } from './hostState.js';
import type { OpsRuntime } from './runtime.js';

export type AdoptTo = 'repo' | 'exclude';

export interface AdoptRequest {
  host: string;
  /** The paths and where each goes (`konf adopt HOST PATH… --to X` gives every path the same). */
  paths: { path: string; to: AdoptTo }[];
  /** A captured file (new to etc/files) goes to this host only: excluded on every other host. */
  thisHostOnly?: boolean;
  /** `--commit`: checked before anything is written (a git work tree, the files without uncommitted changes). */
  commit?: boolean;
  signal?: AbortSignal;
}

/**
 * - `adopt`: a managed plain file (or symlink): the live version goes into etc/files
 * - `capture`: a live file konf does not manage: it goes into etc/files
 * - `exclude`: the host keeps its version: an exclude line
 * - `template`: rendered from a template: needs the admin (exclude, or edit the template)
 * - `in-sync`: the host already holds what the repository plans: nothing to do
 */
export type AdoptItemKind = 'adopt' | 'capture' | 'exclude' | 'template' | 'in-sync';

export interface TemplateProvenance {
  /** The template, relative to the repository. */
  source: string;
  /** The switches it read while rendering for this host: value (masked when secret) and where it is set. */
  switches: { name: string; value: string; origin: string }[];
}

export interface AdoptItem {
  path: string;
  to: AdoptTo;
  kind: AdoptItemKind;
  live: LiveEntry;
  /** The host's change for this path now (live vs plan), marked pending / drifted / both; absent for a capture. */
  change?: FileChange;
  planned?: PlannedFile;
  template?: TemplateProvenance;
}

/** A repository edit as shown: its unified diff (secrets masked) or a line about binary content. */
export interface RepoEditView {
  file: string;
  why: string;
  created: boolean;
  unified?: string;
  note?: string;
}

export interface OtherHostEffect {
  host: string;
  /** Its diff for the adopted paths after the edit (live vs the edited repository's plan). */
  diff?: HostDiff;
  /** Why its diff is not known (unreachable, its plan fails). */
  error?: string;
}

export interface AdoptPreview {
  host: string;
  items: AdoptItem[];
  edits: RepoEdit[];
  views: RepoEditView[];
  /** The host's adopted paths as the edited repository plans them (in sync when it all worked). */
  hostAfter: HostDiff;
  /** Other hosts whose plan for these paths changes, with their diffs. */
  others: OtherHostEffect[];
  /** Hosts whose plan for these paths stays as it is. */
  unaffected: string[];
  /** Per host, a signature of the adopted paths as planned after the edit: checked once written. */
  expected: Record<string, string>;
  commit: boolean;
}

export async function previewAdopt(rt: OpsRuntime, req: AdoptRequest): Promise<AdoptPreview> {
  const { host, signal } = req;
  rt.fleet.assertHost(host);
  const checked = checkAdoptPaths(
    host,
    req.paths.map((p) => p.path),
  );
  const toOf = new Map(req.paths.map((p) => [stripTrailingSlash(p.path), p.to]));
  const allHosts = [...rt.fleet.hosts];
  const needsOthers = req.paths.some((p) => p.to === 'repo');
  rt.invalidate();
  rt.preparePlans(needsOthers ? allHosts : [host]);
  const plan = await rt.plan(host);

  // Every path must be something konf may take (bad input stops here, before any host is read).
  for (const p of checked) {
    const excluded = plan.excluded.find((x) => x.path === p);
    if (excluded) {
      throw new ConfigError(
        `${p} is excluded on ${host} (rule ${excluded.rule.pattern} at ${excluded.rule.file}:${excluded.rule.line}): konf never writes it there, so there is nothing to adopt${toOf.get(p) === 'exclude' ? ' (it is kept on this host already)' : ''}`,
      );
    }
    const skipped = plan.skipped.find((x) => x.path === p);
    if (skipped) throw new ConfigError(`${p} is left out for ${host} by its template ${skipped.source} (${skipped.reason}): edit the template to plan it there`);
    const planned = plan.files.find((f) => f.path === p);
    if (!planned && toOf.get(p) === 'exclude') throw new ConfigError(`${p} is not managed on ${host} (nothing in etc/files plans it): konf never writes it there, there is nothing to keep`);
  }

  const remote = await rt.remote(host, signal);
  const read = await readAndDiff(remote, plan, rt.reveal, signal);
  const hostDiff = await markDrift(rt, host, read.diff, read.record);
  const captures = checked.filter((p) => !plan.files.some((f) => f.path === p));
  const captured = captures.length > 0 ? await remote.readState(captures, { signal }) : [];
  const liveOf = new Map<string, LiveEntry>([...read.live, ...captured].map((e) => [e.path, e]));

  const items: AdoptItem[] = [];
  for (const p of checked) {
    const to = toOf.get(p) ?? 'repo';
    const live = liveOf.get(p) ?? { path: p, state: 'missing' as const };
    const planned = plan.files.find((f) => f.path === p);
    const change = hostDiff.files.find((f) => f.path === p);
    if (live.state === 'unreadable') throw new ConfigError(liveProblem(host, live) as string);
    if (!planned) {
      const problem = liveProblem(host, live);
      if (problem !== undefined) throw new ConfigError(`${problem}: nothing to capture`);
      const treeProblem = treePathProblem(p, liveContent(live));
      if (treeProblem !== undefined) throw new ConfigError(`${treeProblem}: it cannot be captured into etc/files`);
      items.push({ path: p, to, kind: 'capture', live });
      continue;
    }
    const base = { path: p, to, live, planned, ...(change ? { change } : {}) };
    if (to === 'repo' && change?.kind === 'unchanged') {
      items.push({ ...base, kind: 'in-sync' });
      continue;
    }
    if (planned.kind === 'file' && planned.template) {
      const template: TemplateProvenance = {
        source: planned.source,
        switches: planned.switchesUsed.map((name) => {
          const s = plan.switches.find((x) => x.name === name);
          const value = s === undefined ? '' : s.secret && !rt.reveal ? '********' : s.value;
          return { name, value, origin: s ? `${s.origin.file}:${s.origin.line}` : 'konf' };
        }),
      };
      items.push({ ...base, kind: to === 'exclude' ? 'exclude' : 'template', template });
      continue;
    }
    if (to === 'exclude') {
      items.push({ ...base, kind: 'exclude' });
      continue;
    }
    const problem = liveProblem(host, live);
    if (problem !== undefined) {
      throw new ConfigError(`${problem}: there is no live version to adopt (to make ${host} match the repository: konf deploy ${host} --only ${p}; to keep it absent there: --to exclude)`);
    }
    const treeProblem = treePathProblem(p, liveContent(live));
    if (treeProblem !== undefined) throw new ConfigError(`${treeProblem}: it cannot be adopted into etc/files`);
    items.push({ ...base, kind: 'adopt' });
  }

  // The edits, in a stable order: etc/files, then etc/permissions, then exclude files.
  const when = new Date();
  const set = new EditSet(rt.fleet.root);
  const permissionsNow = await set.text(PERMISSIONS_FILE);
  const rules = parsePermissions(permissionsNow, PERMISSIONS_FILE);
  const ruleFor = permissionMatcher(rules);
  for (const item of items.filter((i) => i.kind === 'adopt' || i.kind === 'capture')) {
    const source = item.planned?.source ?? sourceOfLogicalPath(item.path);
    const verb = item.kind === 'capture' ? 'captured from' : 'adopted from';
    await set.set(source, liveContent(item.live), `${item.path} ${verb} ${host}`);
  }
  for (const item of items.filter((i) => i.kind === 'adopt' || i.kind === 'capture')) {
    const rule = ruleFor(item.path);
    const perm = permissionFor(item.live, rule, item.kind === 'capture');
    if (perm === undefined) continue;
    const text = await set.text(PERMISSIONS_FILE);
    await set.set(PERMISSIONS_FILE, { kind: 'file', content: Buffer.from(withPermissionLine(text, item.path, perm, rule), 'utf8') }, `metadata of ${item.path} as on ${host}`);
  }
  for (const item of items.filter((i) => i.kind === 'exclude')) {
    const file = `${EXCLUDE_DIR}/${host}`;
    const text = await set.text(file);
    await set.set(file, { kind: 'file', content: Buffer.from(withExcludeLine(text, item.path, 'kept on this host only (konf adopt)', rt.operator, rt.jumpHost, when), 'utf8') }, `${item.path} kept on ${host} only`);
  }
  if (req.thisHostOnly) {
    for (const item of items.filter((i) => i.kind === 'capture')) {
      for (const other of allHosts.filter((h) => h !== host)) {
        const rules = await rt.fleet.excludes(other);
        if (excludeMatcher(rules)(item.path) !== undefined) continue;
        const file = `${EXCLUDE_DIR}/${other}`;
        const text = await set.text(file);
        await set.set(file, { kind: 'file', content: Buffer.from(withExcludeLine(text, item.path, `only on ${host} (konf adopt)`, rt.operator, rt.jumpHost, when), 'utf8') }, `${item.path} left out on ${other}`);
      }
    }
  }
  const edits = set.edits();
  if (req.commit) await checkCommittable(rt.fleet.root, edits.map((e) => e.file));

  // The repository as it would plan after the edits: this host, then every other one.
  const itemPaths = items.filter((i) => i.kind !== 'template').map((i) => i.path);
  const affectedHosts = edits.length > 0 && needsOthers ? allHosts : [host];
  const after = edits.length > 0 ? await plansAfterEdits(rt.fleet, affectedHosts, edits) : affectedHosts.map(() => plan);
  const planAfter = new Map<string, HostPlan | Error>(affectedHosts.map((h, i) => [h, after[i] as HostPlan | Error]));
  const hostPlanAfter = planAfter.get(host);
  if (hostPlanAfter instanceof Error) throw hostPlanAfter;
  if (hostPlanAfter === undefined) throw new Error(`no plan after the edit for ${host}`);
  const hostAfter = diffPaths(hostPlanAfter, [...liveOf.values()], itemPaths, rt.reveal);
  const expected: Record<string, string> = { [host]: signatureOf(hostPlanAfter, itemPaths) };

  const others: OtherHostEffect[] = [];
  const unaffected: string[] = [];
  const otherHosts = affectedHosts.filter((h) => h !== host);
  await mapLimit(
    otherHosts,
    rt.concurrency,
    async (other) => {
      const afterPlan = planAfter.get(other);
      let before: HostPlan;
      try {
        before = await rt.plan(other);
      } catch (err) {
        others.push({ host: other, error: `its plan fails: ${errorMessage(err)}` });
        return;
      }
      if (afterPlan instanceof Error || afterPlan === undefined) {
        others.push({ host: other, error: `its plan fails after the edit: ${afterPlan ? errorMessage(afterPlan) : 'unknown'}` });
        return;
      }
      expected[other] = signatureOf(afterPlan, itemPaths);
      const changed = itemPaths.filter((p) => plannedSignature(before, p) !== plannedSignature(afterPlan, p));
      if (changed.length === 0) {
        unaffected.push(other);
        return;
      }
      try {
        const r = await rt.remote(other, signal);
        const { live, record } = await readWithRecord(r, changed, signal);
        others.push({ host: other, diff: await markDrift(rt, other, diffPaths(afterPlan, live, changed, rt.reveal), record) });
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        others.push({ host: other, error: err instanceof HostError ? err.message : errorMessage(err) });
      }
    },
    signal,
  );
  others.sort((a, b) => (a.host < b.host ? -1 : 1));
  unaffected.sort();
  const secrets = secretValues(plan);
  const views = edits.map((e) => viewOf(e, secrets, rt.reveal));
  for (const v of views) v.why = maskSecrets(v.why, secrets, { reveal: rt.reveal });
  return { host, items, edits, views, hostAfter, others, unaffected, expected, commit: req.commit ?? false };
}
