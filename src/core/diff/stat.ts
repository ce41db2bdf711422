/** Plain-text descriptions of changes: one-line verdicts and `--stat` summaries. */
import { formatMode, isPending } from './compare.js';
import type { ChangeKind, FileChange, HostDiff } from './types.js';

/** Every kind, in the order summaries list them. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'new',
  'modified',
  'binary',
  'metadata',
  'link-changed',
  'type-changed',
  'removed',
  'excluded',
  'unreadable',
  'unchanged',
];

const SHORT_SHA = 12;

function short(sha: string | undefined): string {
  return sha === undefined ? '-' : sha.slice(0, SHORT_SHA);
}

function stateName(state: string | undefined): string {
  switch (state) {
    case 'file':
      return 'file';
    case 'symlink':
      return 'symlink';
    case 'dir':
      return 'directory';
    case 'other':
      return 'special file';
    case 'missing':
    case 'absent':
      return 'nothing';
    default:
      return state ?? '?';
  }
}

/** `mode 0644 → 0600, owner root → www` */
export function describeMeta(f: FileChange): string {
  return f.meta.map((m) => `${m.field} ${m.from} → ${m.to}`).join(', ');
}

/** What a new entry will get (declared metadata only). */
function declared(f: FileChange): string {
  const d = f.desired;
  if (!d || d.state === 'absent') return '';
  const parts: string[] = [];
  if (d.state === 'file' && d.mode !== undefined) parts.push(`mode ${formatMode(d.mode)}`);
  if (d.owner !== undefined) parts.push(`owner ${d.owner}`);
  if (d.group !== undefined) parts.push(`group ${d.group}`);
  return parts.join(', ');
}

function binaryText(f: FileChange): string {
  const b = f.binary;
  if (!b) return '';
  const from = b.fromSize === undefined ? 'nothing' : `${b.fromSize} bytes (sha256 ${short(b.fromSha)})`;
  const to = b.toSize === undefined ? 'nothing' : `${b.toSize} bytes (sha256 ${short(b.toSha)})`;
  return `binary: ${from} → ${to}`;
}

function lines(f: FileChange): string {
  return `+${f.added} -${f.removed}`;
}

/**
 * One line saying what will happen to a path (without the path), for plain-text rows in
 * the console, the CLI and the HTML report: e.g. `binary: 10 bytes (sha256 …) → 12 bytes
 * (sha256 …)`, `mode 0644 → 0600`, `excluded by /etc/shadow (etc/serverconfig/exclude/web1:1)`.
 */
export function describeChange(f: FileChange): string {
  const parts: string[] = [];
  const d = f.desired;
  const l = f.live;
  switch (f.kind) {
    case 'new':
      if (d?.state === 'symlink') parts.push(`new symlink → ${d.target}`);
      else if (f.binary) parts.push(`new ${binaryText(f)}`);
      else parts.push(f.unified === undefined ? 'new empty file' : `new file, ${f.added} line(s)`);
      if (declared(f)) parts.push(declared(f));
      break;
    case 'modified':
      parts.push(`modified ${lines(f)}`);
      break;
    case 'binary':
      parts.push(binaryText(f));
      break;
    case 'metadata':
      parts.push('metadata only');
      break;
    case 'link-changed':
      parts.push(`symlink ${l?.state === 'symlink' ? l.target : '?'} → ${d?.state === 'symlink' ? d.target : '?'}`);
      break;
    case 'type-changed': {
      const to = d?.state === 'symlink' ? `symlink → ${d.target}` : stateName(d?.state);
      const from = l?.state === 'symlink' ? `symlink → ${l.target}` : stateName(l?.state);
      parts.push(`type changes: ${from} becomes ${to}`);
      if (f.binary) parts.push(binaryText(f));
      else if (f.unified !== undefined) parts.push(lines(f));
      break;
    }
    case 'removed':
      parts.push(`will be removed (${stateName(l?.state)}${f.binary ? `, ${binaryText(f)}` : f.unified !== undefined ? `, ${f.removed} line(s)` : ''})`);
      break;
    case 'unchanged':
      parts.push('unchanged');
      break;
    case 'excluded': {
      const r = f.excludeRule;
      parts.push(r ? `excluded by ${r.pattern} (${r.file}:${r.line}): never written` : 'excluded: never written');
      break;
    }
    case 'unreadable':
      parts.push(`unreadable: ${f.error ?? 'unknown error'}`);
      break;
  }
  if (f.meta.length > 0) parts.push(describeMeta(f));
  if (f.note !== undefined) parts.push(f.note);
  return parts.join('; ');
}

export interface StatEntry {
  path: string;
  kind: ChangeKind;
  added: number;
  removed: number;
  /** describeMeta, empty when no metadata changes. */
  meta: string;
}

export interface StatTotals {
  /** Files with a pending change. */
  pending: number;
  added: number;
  removed: number;
  byKind: Partial<Record<ChangeKind, number>>;
}

/**
 * The `--stat` data of a host: every path except unchanged ones (excluded and unreadable
 * paths are listed: a reviewer must see them), with totals over all paths.
 */
export function diffStat(diff: HostDiff, opts: { includeUnchanged?: boolean } = {}): { entries: StatEntry[]; totals: StatTotals } {
  const entries: StatEntry[] = [];
  const totals: StatTotals = { pending: 0, added: 0, removed: 0, byKind: {} };
  for (const f of diff.files) {
    totals.byKind[f.kind] = (totals.byKind[f.kind] ?? 0) + 1;
    if (isPending(f.kind)) totals.pending++;
    totals.added += f.added;
    totals.removed += f.removed;
    if (f.kind === 'unchanged' && opts.includeUnchanged !== true) continue;
    entries.push({ path: f.path, kind: f.kind, added: f.added, removed: f.removed, meta: describeMeta(f) });
  }
  return { entries, totals };
}

/** `4 pending (2 modified, 1 new, 1 metadata), +12 -3` */
export function formatTotals(t: StatTotals): string {
  const kinds = CHANGE_KINDS.filter((k) => isPending(k) && (t.byKind[k] ?? 0) > 0).map((k) => `${t.byKind[k]} ${k}`);
  const extra = (['excluded', 'unreadable'] as const).filter((k) => (t.byKind[k] ?? 0) > 0).map((k) => `${t.byKind[k]} ${k}`);
  const head = t.pending === 0 ? 'in sync' : `${t.pending} pending (${kinds.join(', ')})`;
  return `${head}${extra.length > 0 ? `, ${extra.join(', ')}` : ''}, +${t.added} -${t.removed}`;
}

/**
 * `--stat` lines of one host: ` PATH  KIND  +A -R  (meta)` per entry (paths padded to the
 * longest), then the totals line.
 */
export function formatStat(diff: HostDiff, opts: { includeUnchanged?: boolean } = {}): string[] {
  const { entries, totals } = diffStat(diff, opts);
  const pathWidth = entries.reduce((w, e) => Math.max(w, e.path.length), 0);
  const kindWidth = entries.reduce((w, e) => Math.max(w, e.kind.length), 0);
  const out = entries.map((e) => {
    const counts = e.added > 0 || e.removed > 0 ? ` +${e.added} -${e.removed}` : '';
    const meta = e.meta ? ` (${e.meta})` : '';
    return ` ${e.path.padEnd(pathWidth)}  ${e.kind.padEnd(kindWidth)}${counts}${meta}`.trimEnd();
  });
  out.push(` ${formatTotals(totals)}`);
  return out;
}
