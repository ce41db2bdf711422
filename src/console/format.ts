/** Small text helpers shared by the reducers and the components (pure, no colors). */
import type { ChangeKind, MetaChange } from '../core/diff/types.js';
import type { HostStatus } from '../core/ops/session.js';
import { lazySegmenter } from './ink/lazySegmenter.js';
import { textWidth } from './ink/textWidth.js';

/** Named 16-color palette entries the console uses (never hex). */
export type Tone = 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'blue' | 'gray' | 'white';

export interface Badge {
  text: string;
  tone: Tone;
}

/** The short badge a host row shows. */
export function badge(status: HostStatus): Badge {
  switch (status.kind) {
    case 'unknown':
      return { text: '\u2026', tone: 'gray' };
    case 'checking':
      return { text: 'checking', tone: 'gray' };
    case 'in-sync':
      return { text: 'in sync', tone: 'green' };
    case 'pending':
      return { text: `${status.count} pending`, tone: 'yellow' };
    case 'drifted':
      return { text: `${status.count} drifted`, tone: 'magenta' };
    case 'unreachable':
      return { text: 'unreachable', tone: 'red' };
    case 'locked':
      return status.stale ? { text: 'stale lock', tone: 'yellow' } : { text: `locked by ${status.by}`, tone: 'cyan' };
    case 'running':
      return { text: `running ${status.phase}`, tone: 'blue' };
    case 'failed':
      return { text: 'failed', tone: 'red' };
    case 'restored':
      return { text: 'restored', tone: 'yellow' };
    case 'config-error':
      return { text: 'config error', tone: 'red' };
  }
}

/** The badge of a host whose revert is armed: `confirm 23s` (konf proving access), `revert 4s` (waiting for the host to revert itself). */
export function countdownBadge(phase: 'confirm' | 'revert', seconds: number): Badge {
  return phase === 'confirm' ? { text: `confirm ${seconds}s`, tone: 'yellow' } : { text: `revert ${seconds}s`, tone: 'red' };
}

/**
 * A host's error without a leading `host: ` (HostError messages start with the host; the
 * console already shows it beside them).
 */
export function withoutHost(text: string, host: string | undefined): string {
  if (!host) return text;
  const prefix = `${host}: `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

/** One line describing a status in full (detail header); `host` is left out of its error. */
export function statusLine(status: HostStatus, host?: string): string {
  switch (status.kind) {
    case 'unknown':
      return 'not checked yet';
    case 'checking':
      return 'checking\u2026';
    case 'in-sync':
      return 'in sync';
    case 'pending':
      return `${status.count} file${status.count === 1 ? '' : 's'} pending`;
    case 'drifted':
      return `${status.count} file${status.count === 1 ? '' : 's'} drifted from the last deploy`;
    case 'unreachable':
      return `unreachable: ${withoutHost(status.error, host)}`;
    case 'locked': {
      const who = status.holder ? `${status.holder.operator}@${status.holder.jumpHost} (pid ${status.holder.pid}, ${status.holder.operation})` : status.by;
      const journal = status.journal ? '; an unfinished operation left its journal (put back first by the next deploy)' : '';
      const stale = status.stale ? ' \u2014 that konf is gone: the next deploy takes it over' : '';
      return `locked by ${who} since ${shortTime(status.since)}${stale}${journal} \u00b7 U breaks it`;
    }
    case 'running':
      return `running: ${status.phase}`;
    case 'failed':
      return `failed: ${withoutHost(status.error, host)}`;
    case 'restored':
      return `failed and restored: ${withoutHost(status.error, host)}`;
    case 'config-error':
      return `config error: ${withoutHost(status.error, host)}`;
  }
}

/** What an operation that wrote a host did to it, for "… 5m ago by alice" (a deploy when unknown). */
export function wroteVerb(kind: string | undefined): string {
  if (kind === 'rollback') return 'rolled back';
  if (kind === 'rebuild') return 'rebuilt';
  return 'deployed';
}

/** "42s", "5m", "3h", "12d", "—" — the age of a time relative to now. */
export function age(iso: string | undefined, now: Date): string {
  if (!iso) return '\u2014';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '?';
  const seconds = Math.max(0, Math.round((now.getTime() - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  if (seconds < 86_400 * 365) return `${Math.floor(seconds / 86_400)}d`;
  return `${Math.floor(seconds / (86_400 * 365))}y`;
}

/** "2024-05-01 10:02" in local time, or the input when it is not a date. */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "10:02:03" local time of an ISO stamp (log lines). */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** One-character change marks, as in the file lists. */
export function changeMark(kind: ChangeKind): string {
  switch (kind) {
    case 'new':
      return '+';
    case 'modified':
      return 'M';
    case 'binary':
      return 'B';
    case 'metadata':
      return 'm';
    case 'link-changed':
      return 'L';
    case 'type-changed':
      return 'T';
    case 'removed':
      return '-';
    case 'unchanged':
      return '=';
    case 'excluded':
      return 'x';
    case 'unreadable':
      return '!';
  }
}

/** Every change mark with what it means, in the order the legend shows them. */
export const CHANGE_MARKS: readonly { kind: ChangeKind | 'unknown'; mark: string; label: string }[] = [
  { kind: 'unchanged', mark: '=', label: 'unchanged' },
  { kind: 'new', mark: '+', label: 'new' },
  { kind: 'removed', mark: '-', label: 'removed' },
  { kind: 'modified', mark: 'M', label: 'modified' },
  { kind: 'metadata', mark: 'm', label: 'mode/owner' },
  { kind: 'binary', mark: 'B', label: 'binary' },
  { kind: 'link-changed', mark: 'L', label: 'link target' },
  { kind: 'type-changed', mark: 'T', label: 'type' },
  { kind: 'excluded', mark: 'x', label: 'excluded' },
  { kind: 'unreadable', mark: '!', label: 'unreadable' },
  { kind: 'unknown', mark: '?', label: 'not checked' },
];

/** "+ new  M modified  x excluded": the marks of `kinds` (all when undefined), in legend order. */
export function changeLegend(kinds?: Iterable<ChangeKind | 'unknown'>): string {
  const wanted = kinds ? new Set(kinds) : undefined;
  return CHANGE_MARKS.filter((m) => !wanted || wanted.has(m.kind))
    .map((m) => `${m.mark} ${m.label}`)
    .join('  ');
}

export function changeTone(kind: ChangeKind): Tone {
  switch (kind) {
    case 'new':
      return 'green';
    case 'removed':
    case 'unreadable':
      return 'red';
    case 'modified':
    case 'binary':
    case 'type-changed':
    case 'link-changed':
      return 'yellow';
    case 'metadata':
      return 'cyan';
    case 'unchanged':
    case 'excluded':
      return 'gray';
  }
}

/** A list of names, shortened: "web1, web2, web3 and 4 more". */
export function nameList(names: readonly string[], max = 4): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function plural(count: number, word: string): string {
  if (count === 1) return `1 ${word}`;
  return `${count} ${/(s|sh|ch|x)$/.test(word) ? `${word}es` : `${word}s`}`;
}

/** Terminal columns of a text (string-width: CJK and emoji are two). */
export function columns(text: string): number {
  return textWidth(text);
}

// Built on first use (an Intl.Segmenter costs ICU's break data: not before the first frame).
const segmenter = lazySegmenter();

/** The longest start of `text` that takes at most `width` columns (whole graphemes), and its width. */
export function takeColumns(text: string, width: number): { text: string; width: number } {
  let used = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const w = textWidth(segment);
    if (used + w > width) return { text: text.slice(0, index), width: used };
    used += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width: used };
}

/** `text` without its first `skip` columns (a wide character cut in half becomes a space). */
export function dropColumns(text: string, skip: number): string {
  if (skip <= 0) return text;
  let used = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    if (used >= skip) return (used > skip ? ' '.repeat(used - skip) : '') + text.slice(index);
    used += textWidth(segment);
  }
  return used > skip ? ' '.repeat(used - skip) : '';
}

/** Pads or cuts text to exactly `width` terminal columns (string-width; … marks a cut). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const w = textWidth(text);
  if (w === width) return text;
  if (w < width) return text + ' '.repeat(width - w);
  if (width === 1) return '\u2026';
  const head = takeColumns(text, width - 1);
  return head.text + ' '.repeat(width - 1 - head.width) + '\u2026';
}

/** Cuts text to at most `width` columns. */
export function cut(text: string, width: number): string {
  return textWidth(text) <= width ? text : fit(text, width);
}

/** Secrets are shown as a fixed mask, so not even their length leaks. */
export const SECRET_MASK = '\u2022'.repeat(8);

export function formatMeta(meta: MetaChange): string {
  return `${meta.field} ${meta.from} \u2192 ${meta.to}`;
}
