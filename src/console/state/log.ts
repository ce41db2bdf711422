/** The log pane's bounded scrollback (pure). */
import type { OpEvent, HostOutcome, Level } from '../../core/ops/events.js';
import { nameList, plural } from '../format.js';
import type { Motion } from './cursor.js';
import { clamp, scrollTop } from './cursor.js';
import type { AppState, LogLine, LogState } from './types.js';

export const DEFAULT_LOG_CAPACITY = 5000;

export function emptyLog(capacity = DEFAULT_LOG_CAPACITY): LogState {
  return { lines: [], appended: 0, dropped: 0, capacity: Math.max(1, capacity), follow: true, top: 0 };
}

export type NewLogLine = Omit<LogLine, 'seq'>;

/** Appends lines; beyond capacity the oldest are dropped and a scrolled view stays on its lines. */
export function appendLog(log: LogState, lines: readonly NewLogLine[]): LogState {
  if (lines.length === 0) return log;
  const added = lines.map((line, i) => ({ ...line, seq: log.appended + i }));
  let next = log.lines.concat(added);
  let dropped = 0;
  if (next.length > log.capacity) {
    dropped = next.length - log.capacity;
    next = next.slice(dropped);
  }
  return {
    ...log,
    lines: next,
    appended: log.appended + lines.length,
    dropped: log.dropped + dropped,
    top: Math.max(0, log.top - dropped),
  };
}

/** The console's own messages (warnings at start, stray console output) into the log pane. */
export function consoleLines(state: AppState, lines: readonly { level: Level; text: string; host?: string }[], time: string): AppState {
  return { ...state, log: appendLog(state.log, lines.map((line) => ({ ...line, time, source: 'console' as const }))) };
}

/** First visible line for a pane of `height` rows. */
export function logTop(log: LogState, height: number): number {
  const max = Math.max(0, log.lines.length - Math.max(1, height));
  return log.follow ? max : clamp(log.top, 0, max);
}

/** Scrolling up leaves follow mode; reaching the bottom (G) returns to it. */
export function scrollLog(log: LogState, motion: Motion, height: number): LogState {
  const current = logTop(log, height);
  const top = scrollTop(current, motion, log.lines.length, height);
  const max = Math.max(0, log.lines.length - Math.max(1, height));
  const follow = motion === 'bottom' || (log.follow && top >= max);
  return { ...log, top, follow };
}

export function toggleFollow(log: LogState, height: number): LogState {
  return log.follow ? { ...log, follow: false, top: logTop(log, height) } : { ...log, follow: true };
}

function summaryText(summary: Partial<Record<HostOutcome, number>>): string {
  const parts = Object.entries(summary)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([outcome, n]) => `${n} ${outcome}`);
  return parts.join(', ');
}

/** The log lines one event produces (progress events only move the progress line). */
export function eventLines(event: OpEvent): NewLogLine[] {
  const base = { time: event.time };
  switch (event.type) {
    case 'op-start':
      return [
        {
          ...base,
          level: 'info',
          source: 'event',
          text: `${event.kind}${event.dryRun ? ' (dry run)' : ''} started on ${plural(event.hosts.length, 'host')} (${nameList(event.hosts)}) by ${event.operator}`,
        },
      ];
    case 'log':
      return [{ ...base, level: event.level, host: event.host, source: 'event', text: event.text }];
    case 'file':
      return [{ ...base, level: event.level, host: event.host, source: 'event', text: event.text || `${event.action} ${event.file}` }];
    case 'hook-output':
      return [{ ...base, level: event.level, host: event.host, source: 'hook', stream: event.stream, text: `[${event.hook}] ${event.text}` }];
    case 'progress':
      return [];
    case 'host-result': {
      const detail = [event.text, event.error].filter((s) => s && s.length > 0).join(': ');
      return [{ ...base, level: event.level, host: event.host, source: 'event', text: `${event.outcome}${detail ? ` \u2014 ${detail}` : ''}` }];
    }
    case 'op-end': {
      const summary = summaryText(event.summary);
      const status = event.ok ? 'done' : 'failed';
      return [
        {
          ...base,
          level: event.ok ? 'info' : 'error',
          source: 'event',
          // One summary: the outcome counts; the core's text only when there are none (it
          // repeats the counts otherwise).
          text: `${event.kind} ${status}${summary ? ` (${summary})` : event.text ? `: ${event.text}` : ''}`,
        },
      ];
    }
  }
}
