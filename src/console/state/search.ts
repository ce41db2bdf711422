/**
 * Searching the diff and the log (pure): which rows match, and the log's filter by host and
 * level. The log's search text is words: `host=NAME` (globs with `*`) and `level=LEVEL`
 * (that level and worse) filter its lines; the other words, as typed, are searched.
 */
import type { DiffRow } from '../diffRows.js';
import type { Level } from '../../core/ops/events.js';
import type { LogLine, LogState } from './types.js';

/** The plain text of a diff row (both sides of a side-by-side row). */
export function rowText(row: DiffRow): string {
  switch (row.type) {
    case 'hunk':
      return row.header;
    case 'note':
      return row.text;
    case 'unified':
      return row.segments.map((s) => s.text).join('');
    case 'split':
      return `${row.left?.segments.map((s) => s.text).join('') ?? ''}\u0000${row.right?.segments.map((s) => s.text).join('') ?? ''}`;
  }
}

/** Case-insensitive unless the needle has a capital letter (smartcase, as in vim and less). */
export function textMatcher(needle: string): (text: string) => boolean {
  if (needle === '') return () => false;
  if (/[A-Z]/.test(needle)) return (text) => text.includes(needle);
  const lower = needle.toLowerCase();
  return (text) => text.toLowerCase().includes(lower);
}

export interface LogQuery {
  hosts: string[];
  level?: Level;
  text: string;
}

const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

export function parseLogQuery(query: string): LogQuery {
  const hosts: string[] = [];
  let level: Level | undefined;
  const words: string[] = [];
  for (const word of query.split(' ')) {
    const m = /^(host|level)=(.*)$/.exec(word);
    if (m?.[1] === 'host' && m[2]) hosts.push(m[2]);
    else if (m?.[1] === 'level' && m[2]) level = LEVELS.find((l) => l.startsWith(m[2]!.toLowerCase())) ?? level;
    else words.push(word);
  }
  return { hosts, ...(level ? { level } : {}), text: words.join(' ').trim() };
}

function hostMatch(pattern: string, host: string | undefined): boolean {
  const name = host ?? 'konf';
  if (!pattern.includes('*')) return name.toLowerCase() === pattern.toLowerCase();
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/** True when a line passes the query's host and level filters. */
export function logLineShown(line: LogLine, query: LogQuery): boolean {
  if (query.hosts.length > 0 && !query.hosts.some((h) => hostMatch(h, line.host))) return false;
  if (query.level && LEVELS.indexOf(line.level) < LEVELS.indexOf(query.level)) return false;
  return true;
}

let lastLines: readonly LogLine[] | undefined;
let lastQuery: string | undefined;
let lastShown: LogState | undefined;
let lastLog: LogState | undefined;

/** The log as the pane shows it: only the lines the query's filters let through (memoized). */
export function filteredLog(log: LogState, query: string): LogState {
  const q = parseLogQuery(query);
  if (q.hosts.length === 0 && !q.level) return log;
  if (log === lastLog && query === lastQuery && lastShown) return lastShown;
  const lines = log.lines === lastLines && query === lastQuery && lastShown ? lastShown.lines : log.lines.filter((l) => logLineShown(l, q));
  lastLines = log.lines;
  lastQuery = query;
  lastLog = log;
  lastShown = { ...log, lines };
  return lastShown;
}

/** True when a log line matches the query's searched words. */
export function logLineMatches(line: LogLine, query: LogQuery): boolean {
  return query.text !== '' && textMatcher(query.text)(line.text);
}
