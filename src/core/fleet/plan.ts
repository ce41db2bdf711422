/**
 * The plan of one host: every entry of the desired tree, rendered for the host, with its
 * provenance (template switches read, permission rule applied), minus what the host's
 * excludes protect (kept in `excluded` with the rule that fired) and what a template
 * skipped (kept in `skipped` with the reason). Nothing here touches a host.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { excludeMatcher } from './excludes.js';
import type { HookSet } from './hooks.js';
import { permissionMatcher } from './permissions.js';
import { renderTemplate } from './templates.js';
import { maskSecrets } from '../diff/secrets.js';
import type { TreeEntry } from './tree.js';
import type { ExcludeRule, HostPlan, HostSettings, PermissionRule, PlannedFile, Switch } from './types.js';
import type { ValidateRule } from './validate.js';
import picomatch from 'picomatch';

/** The inputs every host's plan shares; planning many hosts reads them once. */
export interface SharedInputs {
  permissionRules: PermissionRule[];
  /** The rules of etc/validate (empty when the file does not exist). */
  validate?: ValidateRule[];
  tree: TreeEntry[];
  hooks: HookSet;
  /** Reads a source file of the tree (path relative to the repository); may cache. */
  readSource?: (source: string) => Promise<Buffer>;
}

export interface PlanInputs extends SharedInputs {
  repoRoot: string;
  host: string;
  switches: Switch[];
  settings: HostSettings;
  excludeRules: ExcludeRule[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a source file of the tree. Synchronously: a fleet's sources are many small files,
 * and a read through the thread pool costs several round trips each (5,000 files: ~0.3 s
 * this way, over 1 s with fs/promises); buildPlan yields to the event loop between
 * batches so a console stays responsive.
 */
export async function readSourceFile(repoRoot: string, source: string): Promise<Buffer> {
  try {
    return readFileSync(path.join(repoRoot, source));
  } catch (err) {
    throw new ConfigError(`cannot read: ${(err as Error).message}`, source);
  }
}

/** Lets other work (key presses, network) run between batches of synchronous reads. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function buildPlan(inputs: PlanInputs): Promise<HostPlan> {
  const { repoRoot, host, tree } = inputs;
  const isExcluded = excludeMatcher(inputs.excludeRules);
  const permissionFor = permissionMatcher(inputs.permissionRules);
  const values = new Map(inputs.switches.map((s) => [s.name, s.value]));
  // What a template says (errors, skip reasons) is masked like diffs and logs.
  const secrets = inputs.switches.filter((s) => s.secret).map((s) => s.value);
  const mask = (text: string): string => maskSecrets(text, secrets);
  const readSource = inputs.readSource ?? ((source: string) => readSourceFile(repoRoot, source));

  const plan: HostPlan = {
    host,
    settings: inputs.settings,
    switches: inputs.switches,
    excludeRules: inputs.excludeRules,
    files: [],
    excluded: [],
    skipped: [],
    hooks: inputs.hooks.hooks,
    skippedHooks: inputs.hooks.skipped,
    validate: inputs.validate ?? [],
    warnings: [...inputs.hooks.warnings],
  };

  let sinceYield = Date.now();
  for (const entry of tree) {
    if (Date.now() - sinceYield > 20) {
      await yieldToLoop();
      sinceYield = Date.now();
    }
    const rule = isExcluded(entry.path);
    if (rule !== undefined) {
      plan.excluded.push({ path: entry.path, rule });
      continue;
    }
    const permission = permissionFor(entry.path);
    const meta: Pick<PlannedFile, 'owner' | 'group' | 'permissionRule'> = {};
    if (permission !== undefined) {
      meta.permissionRule = permission;
      if (permission.owner !== undefined) meta.owner = permission.owner;
      if (permission.group !== undefined) meta.group = permission.group;
    }

    if (entry.kind === 'symlink') {
      plan.files.push({ kind: 'symlink', path: entry.path, source: entry.source, target: entry.target, ...meta });
      continue;
    }
    const mode = permission?.mode !== undefined ? { mode: permission.mode } : {};
    const raw = await readSource(entry.source);
    if (!entry.template) {
      plan.files.push({ kind: 'file', path: entry.path, source: entry.source, content: raw, template: false, switchesUsed: [], ...mode, ...meta });
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      throw new ConfigError('a template must be UTF-8 text', entry.source);
    }
    let result;
    try {
      result = renderTemplate({ text, source: entry.source, host, switches: values });
    } catch (err) {
      // A template can put a secret into its message (konf.fail("… " + api_token)).
      if (err instanceof ConfigError) throw new ConfigError(mask(err.message), err.file, err.line, err.column);
      throw err;
    }
    if (result.kind === 'skipped') {
      plan.skipped.push({ path: entry.path, source: entry.source, reason: mask(result.reason) });
      continue;
    }
    plan.files.push({
      kind: 'file',
      path: entry.path,
      source: entry.source,
      content: Buffer.from(result.content, 'utf8'),
      template: true,
      switchesUsed: result.switchesUsed,
      ...mode,
      ...meta,
    });
  }

  plan.warnings.push(...unusedRuleWarnings(inputs.excludeRules, inputs.permissionRules, tree, inputs.validate ?? []));
  return plan;
}

/** Rules that match no path of the tree are most likely typos: say so. */
function unusedRuleWarnings(excludes: readonly ExcludeRule[], permissions: readonly PermissionRule[], tree: readonly TreeEntry[], validate: readonly ValidateRule[]): string[] {
  const warnings: string[] = [];
  const paths = tree.map((e) => e.path);
  for (const rule of excludes) {
    const match = excludeMatcher([rule]);
    if (!paths.some((p) => match(p) !== undefined)) {
      warnings.push(`${rule.file}:${rule.line}: exclude ${rule.pattern} matches no file in etc/files`);
    }
  }
  for (const rule of permissions) {
    const match = picomatch(rule.glob, { dot: true });
    if (!paths.some((p) => match(p))) {
      warnings.push(`${rule.file}:${rule.line}: permissions rule ${rule.glob} matches no file in etc/files`);
    }
  }
  for (const rule of validate) {
    const match = picomatch(rule.glob, { dot: true });
    if (!paths.some((p) => match(p))) warnings.push(`${rule.file}:${rule.line}: validate rule ${rule.glob} matches no file in etc/files`);
  }
  return warnings;
}
