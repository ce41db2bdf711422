/** Row models of the detail tabs, shared by the reducer (cursor limits) and the components. */
import type { ExcludeRule, HostPlan, PlannedFile, SkippedPath } from '../../core/fleet/types.js';

export type ExcludeRow = { type: 'rule'; rule: ExcludeRule; matched: number } | { type: 'path'; path: string } | { type: 'none' };

const excludeMemo = new WeakMap<HostPlan, ExcludeRow[]>();

/** Each exclude rule, then the paths it removed from this host's plan. */
export function excludeRows(plan: HostPlan): ExcludeRow[] {
  const hit = excludeMemo.get(plan);
  if (hit) return hit;
  const rows: ExcludeRow[] = [];
  const same = (a: ExcludeRule, b: ExcludeRule) => a.pattern === b.pattern && a.file === b.file && a.line === b.line;
  for (const rule of plan.excludeRules) {
    const paths = plan.excluded.filter((e) => same(e.rule, rule)).map((e) => e.path);
    rows.push({ type: 'rule', rule, matched: paths.length });
    if (paths.length === 0) rows.push({ type: 'none' });
    for (const path of paths) rows.push({ type: 'path', path });
  }
  excludeMemo.set(plan, rows);
  return rows;
}

export type FileRow = { type: 'file'; file: PlannedFile } | { type: 'skipped'; skipped: SkippedPath };

const fileMemo = new WeakMap<HostPlan, FileRow[]>();

/** Planned files in path order, then paths a template left out. */
export function fileRows(plan: HostPlan): FileRow[] {
  const hit = fileMemo.get(plan);
  if (hit) return hit;
  const rows: FileRow[] = [...plan.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((file): FileRow => ({ type: 'file', file }));
  for (const skipped of plan.skipped) rows.push({ type: 'skipped', skipped });
  fileMemo.set(plan, rows);
  return rows;
}

/** Rows of the Switches tab: warnings first, then one per switch. */
export function switchRowCount(plan: HostPlan): number {
  return plan.warnings.length + plan.switches.length;
}
