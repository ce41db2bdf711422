/**
 * Human output of `konf diff`: per host and file a one-line verdict, then the unified
 * (or side-by-side) diff; identical changes across hosts are printed once.
 */
import type { ChangeGroup, FileChange, HostDiff, SideBySideRow, SideCell } from '../core/diff/types.js';
import { groupIdentical } from '../core/diff/group.js';
import { sideBySideRows } from '../core/diff/sideBySide.js';
import type { Palette } from './color.js';

const SHOWN_KINDS = new Set(['new', 'modified', 'binary', 'metadata', 'link-changed', 'type-changed', 'removed', 'excluded', 'unreadable']);

export interface DiffPrintOptions {
  stat: boolean;
  sideBySide: boolean;
  width: number;
}

function verdict(f: FileChange, c: Palette): string {
  const meta = f.meta.map((m) => `${m.field} ${m.from} → ${m.to}`).join(', ');
  switch (f.kind) {
    case 'new':
      return c.green(`new        ${f.path}`) + (meta ? c.dim(` (${meta})`) : '');
    case 'modified':
      return c.yellow(`modified   ${f.path}`) + c.dim(` +${f.added} -${f.removed}`) + (meta ? c.dim(` (${meta})`) : '');
    case 'binary':
      return c.yellow(`binary     ${f.path}`) + c.dim(` ${f.binary?.fromSize ?? 0} → ${f.binary?.toSize ?? 0} bytes, sha256 ${(f.binary?.fromSha ?? '-').slice(0, 12)} → ${(f.binary?.toSha ?? '').slice(0, 12)}`);
    case 'metadata':
      return c.cyan(`metadata   ${f.path}`) + c.dim(` (${meta})`);
    case 'link-changed':
      return c.yellow(`link       ${f.path}`) + c.dim(` ${f.live && f.live.state === 'symlink' ? f.live.target : '?'} → ${f.desired && f.desired.state === 'symlink' ? f.desired.target : '?'}`);
    case 'type-changed':
      return c.yellow(`type       ${f.path}`) + c.dim(` ${f.live?.state ?? '?'} → ${f.desired?.state ?? '?'}`);
    case 'removed':
      return c.red(`remove     ${f.path}`);
    case 'excluded':
      return c.dim(`excluded   ${f.path} (rule ${f.excludeRule?.pattern ?? '?'} at ${f.excludeRule?.file ?? '?'}:${f.excludeRule?.line ?? '?'})`);
    case 'unreadable':
      return c.red(`unreadable ${f.path}: ${f.error ?? ''}`);
    default:
      return `${f.kind.padEnd(10)} ${f.path}`;
  }
}

function colorUnified(text: string, c: Palette): string {
  return text
    .split('\n')
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return c.bold(l);
      if (l.startsWith('@@')) return c.cyan(l);
      if (l.startsWith('+')) return c.green(l);
      if (l.startsWith('-')) return c.red(l);
      return l;
    })
    .join('\n');
}

function cellText(cell: SideCell | undefined, width: number, c: Palette): string {
  if (!cell) return ' '.repeat(width);
  const num = String(cell.line).padStart(5);
  const room = Math.max(0, width - 7);
  let used = 0;
  let out = '';
  for (const seg of cell.segments) {
    const t = seg.text.replace(/\t/g, '  ').slice(0, Math.max(0, room - used));
    used += t.length;
    const colorize = cell.kind === 'delete' ? c.red : cell.kind === 'insert' ? c.green : (s: string) => s;
    out += seg.changed ? c.inverse(colorize(t)) : colorize(t);
  }
  const sign = cell.kind === 'delete' ? '-' : cell.kind === 'insert' ? '+' : ' ';
  return `${c.dim(num)} ${sign}${out}${' '.repeat(Math.max(0, room - used))}`;
}

export function renderSideBySide(rows: SideBySideRow[], width: number, c: Palette): string {
  const half = Math.max(20, Math.floor((width - 3) / 2));
  return rows
    .map((r) => (r.type === 'hunk' ? c.cyan(r.header ?? '@@') : `${cellText(r.left, half, c)} ${c.dim('│')} ${cellText(r.right, half, c)}`))
    .join('\n');
}

function body(f: FileChange, o: DiffPrintOptions, c: Palette): string {
  if (!f.unified) return '';
  if (o.sideBySide) return `${renderSideBySide(sideBySideRows(f), o.width, c)}\n`;
  return `${colorUnified(f.unified.trimEnd(), c)}\n`;
}

/** The whole human diff report for several hosts. */
export function formatDiffs(diffs: HostDiff[], o: DiffPrintOptions, c: Palette): string {
  let out = '';
  const groups: ChangeGroup[] = diffs.length > 1 ? groupIdentical(diffs) : [];
  const printedOnce = new Map<string, ChangeGroup>();
  for (const g of groups) if (g.hosts.length > 1) for (const h of g.hosts) printedOnce.set(`${h}\0${g.path}`, g);

  if (!o.stat && printedOnce.size > 0) {
    out += c.bold('Changes shared by several hosts (shown once):\n');
    for (const g of groups.filter((x) => x.hosts.length > 1)) {
      out += `${c.bold(`${g.hosts.length} hosts: identical change to ${g.path}`)} ${c.dim(`(${g.hosts.join(', ')})`)}\n`;
      out += `  ${verdict(g.change, c)}\n${body(g.change, o, c)}`;
    }
    out += '\n';
  }
  for (const d of diffs) {
    const shown = d.files.filter((f) => SHOWN_KINDS.has(f.kind));
    out += c.bold(`${d.host}: ${d.pending === 0 ? 'in sync' : `${d.pending} pending`}`) + '\n';
    for (const f of shown) {
      const shared = printedOnce.get(`${d.host}\0${f.path}`);
      out += `  ${verdict(f, c)}${shared ? c.dim(` (same as ${shared.hosts.length - 1} other host(s), shown above)`) : ''}\n`;
      if (!o.stat && !shared) out += body(f, o, c);
    }
  }
  if (o.stat) {
    const pending = diffs.reduce((n, d) => n + d.pending, 0);
    const added = diffs.reduce((n, d) => n + d.files.reduce((m, f) => m + f.added, 0), 0);
    const removed = diffs.reduce((n, d) => n + d.files.reduce((m, f) => m + f.removed, 0), 0);
    out += `${diffs.length} host(s), ${pending} file(s) pending, +${added} -${removed}\n`;
  }
  return out;
}
