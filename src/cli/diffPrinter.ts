/**
 * Human output of `konf diff`: per host and file a one-line verdict, then the unified
 * (or side-by-side) diff; identical changes across hosts are printed once.
 */
import type { ChangeGroup, FileChange, HostDiff, SideBySideRow, SideCell } from '../core/diff/types.js';
import { groupIdentical } from '../core/diff/group.js';
import { sideBySideRows } from '../core/diff/sideBySide.js';
import type { Palette } from './color.js';
import { count } from '../core/util/count.js';

const SHOWN_KINDS = new Set(['new', 'modified', 'binary', 'metadata', 'link-changed', 'type-changed', 'removed', 'excluded', 'unreadable']);

export interface DiffPrintOptions {
  stat: boolean;
  sideBySide: boolean;
  width: number;
}

/** ` [drifted: …]` for a file changed on the host since konf wrote it. */
export function driftNote(f: FileChange, c: Palette): string {
  if (f.drift === 'drifted') return c.red(' [drifted: changed on the host since konf wrote it]');
  if (f.drift === 'both') return c.red(' [drifted and pending: changed on the host and in the repository]');
  return '';
}

function verdict(f: FileChange, c: Palette): string {
  return verdictText(f, c) + driftNote(f, c);
}

function verdictText(f: FileChange, c: Palette): string {
  const meta = f.meta.map((m) => `${m.field} ${m.from} → ${m.to}`).join(', ');
  switch (f.kind) {
    case 'new':
      return c.green(`new        ${f.path}`) + (meta ? c.dim(` (${meta})`) : '');
    case 'modified':
      return c.yellow(`modified   ${f.path}`) + c.dim(` +${f.added} -${f.removed}`) + (meta ? c.dim(` (${meta})`) : '');
    case 'binary':
      return (
        c.yellow(`binary     ${f.path}`) +
        c.dim(` ${f.binary?.fromSize ?? 0} → ${f.binary?.toSize ?? 0} bytes, sha256 ${(f.binary?.fromSha ?? '-').slice(0, 12)} → ${(f.binary?.toSha ?? '').slice(0, 12)}${f.note ? ` (${f.note})` : ''}`)
      );
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

/** A cell as terminal lines of `room` columns: long lines wrap (continuations marked ↪), nothing is cut. */
function cellLines(cell: SideCell, room: number, c: Palette): string[] {
  const chars: { ch: string; changed: boolean }[] = [];
  for (const seg of cell.segments) for (const ch of Array.from(seg.text.replace(/\t/g, '  '))) chars.push({ ch, changed: seg.changed });
  const colorize = cell.kind === 'delete' ? c.red : cell.kind === 'insert' ? c.green : (t: string) => t;
  const sign = cell.kind === 'delete' ? '-' : cell.kind === 'insert' ? '+' : ' ';
  const lines: string[] = [];
  const step = Math.max(1, room);
  for (let at = 0; at === 0 || at < chars.length; at += step) {
    const piece = chars.slice(at, at + step);
    let out = '';
    let run = '';
    let changed = false;
    const flush = () => {
      if (run) out += changed ? c.inverse(colorize(run)) : colorize(run);
      run = '';
    };
    for (const p of piece) {
      if (p.changed !== changed) {
        flush();
        changed = p.changed;
      }
      run += p.ch;
    }
    flush();
    const num = at === 0 ? String(cell.line).padStart(5) : ' '.repeat(5);
    lines.push(`${c.dim(num)} ${at === 0 ? sign : c.dim('↪')}${out}${' '.repeat(Math.max(0, step - piece.length))}`);
  }
  return lines;
}

/**
 * Side-by-side rows in `width` columns: two halves split by │, each line numbered; a line
 * longer than its half wraps onto more rows (marked ↪), so no change is ever hidden.
 */
export function renderSideBySide(rows: SideBySideRow[], width: number, c: Palette): string {
  const half = Math.max(20, Math.floor((width - 3) / 2));
  const room = half - 7;
  const blank = ' '.repeat(half);
  const out: string[] = [];
  for (const r of rows) {
    if (r.type === 'hunk') {
      const header = r.header ?? '@@';
      out.push(c.cyan(header.length > width ? `${header.slice(0, Math.max(1, width - 1))}…` : header));
      continue;
    }
    const left = r.left ? cellLines(r.left, room, c) : [];
    const right = r.right ? cellLines(r.right, room, c) : [];
    for (let k = 0; k < Math.max(left.length, right.length, 1); k++) out.push(`${left[k] ?? blank} ${c.dim('│')} ${right[k] ?? blank}`);
  }
  return out.join('\n');
}

/** Columns for human diff output: --width, else $COLUMNS, else the terminal's, else 80. */
export function terminalWidth(stream: { columns?: number } | undefined, flag: string | number | undefined, env: NodeJS.ProcessEnv): number {
  const valid = (v: unknown) => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  return valid(flag) ?? valid(env.COLUMNS) ?? valid(stream?.columns) ?? 80;
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
    const drifted = d.drifted ?? 0;
    const state = d.pending === 0 ? 'in sync' : drifted === 0 ? `${d.pending} pending` : drifted === d.pending ? `${d.pending} drifted` : `${d.pending} pending (${drifted} drifted)`;
    out += c.bold(`${d.host}: ${state}`) + '\n';
    for (const f of shown) {
      const shared = printedOnce.get(`${d.host}\0${f.path}`);
      out += `  ${verdict(f, c)}${shared ? c.dim(` (same as ${count(shared.hosts.length - 1, 'other host')}, shown above)`) : ''}\n`;
      if (!o.stat && !shared) out += body(f, o, c);
    }
  }
  if (o.stat) {
    const pending = diffs.reduce((n, d) => n + d.pending, 0);
    const added = diffs.reduce((n, d) => n + d.files.reduce((m, f) => m + f.added, 0), 0);
    const removed = diffs.reduce((n, d) => n + d.files.reduce((m, f) => m + f.removed, 0), 0);
    out += `${count(diffs.length, 'host')}, ${count(pending, 'file')} pending, +${added} -${removed}\n`;
  }
  return out;
}
