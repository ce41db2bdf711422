/**
 * What `konf show HOST` reports, built once from a host plan and printed either as JSON or
 * as text. Secret switch values are masked unless revealed; file contents are summarised
 * (size, sha256), never printed.
 */
import { createHash } from 'node:crypto';
import type { HookPhase, HostPlan, SwitchOrigin } from '../core/fleet/types.js';
import { validateMatcher } from '../core/fleet/validate.js';
import { formatTable, indent } from './table.js';

export const MASK = '********';

export interface ShowReport {
  host: string;
  repo: string;
  settings: { root: string; become: string; watch: string[]; confirmWithin: number };
  switches: { name: string; value: string; secret: boolean; origin: SwitchOrigin; overrides?: SwitchOrigin }[];
  excludes: { pattern: string; file: string; line: number; matched: string[] }[];
  files: ShowFile[];
  skipped: { path: string; source: string; reason: string }[];
  hooks: Record<HookPhase, { name: string; source: string }[]>;
  warnings: string[];
}

export interface ShowFile {
  path: string;
  kind: 'file' | 'symlink';
  source: string;
  template?: boolean;
  switchesUsed?: string[];
  size?: number;
  sha256?: string;
  target?: string;
  /** Octal, e.g. "0440". */
  mode?: string;
  owner?: string;
  group?: string;
  permissionRule?: { glob: string; file: string; line: number };
  /** The etc/validate rules a deploy of this file must pass (file checks on the staged copy, set checks after the swap). */
  validate?: ShowRule[];
}

export interface ShowRule {
  kind: 'file' | 'set';
  command: string;
  glob: string;
  file: string;
  line: number;
}

export const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

export function buildShowReport(plan: HostPlan, repo: string, reveal: boolean): ShowReport {
  const matched = new Map<string, string[]>();
  for (const x of plan.excluded) {
    const key = `${x.rule.file}:${x.rule.line}`;
    matched.set(key, [...(matched.get(key) ?? []), x.path]);
  }
  const rulesFor = validateMatcher(plan.validate ?? []);
  const hooks = Object.fromEntries(
    Object.entries(plan.hooks).map(([phase, list]) => [phase, list.map((h) => ({ name: h.name, source: h.source }))]),
  ) as ShowReport['hooks'];

  return {
    host: plan.host,
    repo,
    settings: { root: plan.settings.root, become: plan.settings.become, watch: plan.settings.watch, confirmWithin: plan.settings.confirmWithin ?? 0 },
    switches: plan.switches.map((s) => ({
      name: s.name,
      value: s.secret && !reveal ? MASK : s.value,
      secret: s.secret,
      origin: s.origin,
      ...(s.overrides ? { overrides: s.overrides } : {}),
    })),
    excludes: plan.excludeRules.map((r) => ({ pattern: r.pattern, file: r.file, line: r.line, matched: matched.get(`${r.file}:${r.line}`) ?? [] })),
    files: plan.files.map((f) => {
      const out: ShowFile = { path: f.path, kind: f.kind, source: f.source };
      if (f.kind === 'file') {
        out.template = f.template;
        out.switchesUsed = f.switchesUsed;
        out.size = f.content.length;
        out.sha256 = createHash('sha256').update(f.content).digest('hex');
      } else {
        out.target = f.target;
      }
      if (f.mode !== undefined) out.mode = octal(f.mode);
      if (f.owner !== undefined) out.owner = f.owner;
      if (f.group !== undefined) out.group = f.group;
      if (f.permissionRule) out.permissionRule = { glob: f.permissionRule.glob, file: f.permissionRule.file, line: f.permissionRule.line };
      const rules = rulesFor(f.path);
      if (rules.length > 0) out.validate = rules.map((r) => ({ kind: r.kind, command: r.command, glob: r.glob, file: r.file, line: r.line }));
      return out;
    }),
    skipped: plan.skipped.map((s) => ({ path: s.path, source: s.source, reason: s.reason })),
    hooks,
    warnings: plan.warnings,
  };
}

/** `default:12` / `web1:3` for switch origins (the folder is always etc/serverconfig/). */
const shortOrigin = (o: SwitchOrigin): string => `${o.file.replace(/^etc\/serverconfig\//, '')}:${o.line}`;

function section(title: string, count: number | undefined, body: string): string {
  const head = count === undefined ? title : `${title} (${count})`;
  return `\n${head}\n${body === '' ? '  (none)\n' : body}`;
}

export function formatShowReport(r: ShowReport): string {
  let out = `${r.host}  (repository ${r.repo})\n`;
  out += `  root ${r.settings.root}   become ${r.settings.become === '' ? '(none)' : r.settings.become}`;
  out += r.settings.watch.length > 0 ? `   watch ${r.settings.watch.join(' ')}` : '';
  out += r.settings.confirmWithin > 0 ? `   confirm within ${r.settings.confirmWithin} s\n` : '\n';

  const switchRows = r.switches.map((s) => [
    s.name,
    shortOrigin(s.origin) + (s.overrides ? ` (over ${shortOrigin(s.overrides)})` : ''),
    (s.value === '' ? '""' : s.value) + (s.secret ? '  (secret)' : ''),
  ]);
  out += section('Switches', r.switches.length, indent(formatTable(switchRows)));

  const excludeRows: string[][] = [];
  for (const x of r.excludes) {
    const where = `${x.file.replace(/^etc\/serverconfig\//, '')}:${x.line}`;
    if (x.matched.length === 0) excludeRows.push([x.pattern, where, 'matches nothing planned']);
    x.matched.forEach((p, i) => excludeRows.push([i === 0 ? x.pattern : '', i === 0 ? where : '', `-> ${p}`]));
  }
  out += section('Excludes', r.excludes.length, indent(formatTable(excludeRows)));

  // The source of /x/y is etc/files/x/y (or etc/files/x/y.tmpl for a template): only say more when it differs.
  const fileRows = r.files.map((f) => {
    const meta = [f.mode ?? '', f.owner !== undefined || f.group !== undefined ? `${f.owner ?? '-'}:${f.group ?? '-'}` : ''].filter((m) => m !== '').join(' ');
    const perm = f.permissionRule ? `${f.permissionRule.file.replace(/^etc\//, '')}:${f.permissionRule.line}` : '';
    const expected = `etc/files${f.path}${f.template ? '.tmpl' : ''}`;
    const notes: string[] = [];
    if (f.kind === 'symlink') notes.push(`-> ${f.target ?? ''}`);
    if (f.switchesUsed && f.switchesUsed.length > 0) notes.push(`uses ${f.switchesUsed.join(', ')}`);
    if (f.source !== expected) notes.push(`from ${f.source}`);
    const kind = f.kind === 'symlink' ? 'link' : f.template ? 'tmpl' : 'file';
    return [f.path, kind, meta === '' ? '-' : meta, perm === '' ? '-' : perm, notes.join('  ')];
  });
  out += section('Files from etc/files/', r.files.length, indent(formatTable(fileRows)));

  // Which checks each file must pass before a deploy of it goes live (etc/validate).
  const validateRows: string[][] = [];
  for (const f of r.files) {
    (f.validate ?? []).forEach((v, i) => validateRows.push([i === 0 ? f.path : '', v.kind === 'file' ? 'file check' : 'set check', `validate:${v.line}`, v.command]));
  }
  if (validateRows.length > 0) out += section('Checks from etc/validate', undefined, indent(formatTable(validateRows)));

  if (r.skipped.length > 0) {
    out += section('Skipped by templates', r.skipped.length, indent(formatTable(r.skipped.map((s) => [s.path, s.reason, s.source]))));
  }

  const hookRows = Object.entries(r.hooks).map(([phase, list]) => [phase, list.length === 0 ? '-' : list.map((h) => h.name).join(', ')]);
  out += section('Hooks', undefined, indent(formatTable(hookRows)));

  if (r.warnings.length > 0) out += section('Warnings', r.warnings.length, r.warnings.map((w) => `  ${w}\n`).join(''));
  return out;
}
