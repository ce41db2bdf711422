/** The log pane: live operation events with host prefixes, follow mode, bounded scrollback. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { clockTime, columns, fit } from '../format.js';
import { logTop } from '../state/log.js';
import { countdowns, secondsLeft } from '../state/ops.js';
import type { LogLine, LogState, RunningOp } from '../state/types.js';
import { hostTone, useTone } from '../theme.js';

const LogRow = memo(function LogRow(props: { line: LogLine; hostWidth: number; width: number; selected?: boolean; hit?: boolean }) {
  const tone = useTone();
  const { line } = props;
  const color = line.level === 'error' ? 'red' : line.level === 'warn' ? 'yellow' : undefined;
  return (
    <Text wrap="truncate" inverse={props.selected === true || props.hit === true}>
      <Text dimColor>{clockTime(line.time)} </Text>
      <Text color={tone(line.host ? hostTone(line.host) : undefined)} dimColor={!line.host}>
        {fit(line.host ?? 'konf', props.hostWidth)}
      </Text>
      <Text dimColor>{line.source === 'hook' ? ' \u2502 ' : ' \u2502 '}</Text>
      <Text color={tone(color)} dimColor={line.level === 'debug' || (line.source === 'hook' && line.stream === 'stdout')}>
        {line.text}
      </Text>
    </Text>
  );
});

/** "deploy 2/5 done · web3 write 3/7 · web4 pre-deploy · 1 failed" */
export function progressText(op: RunningOp): string {
  const hosts = op.hosts;
  const done = hosts.filter((h) => op.progress[h]?.outcome);
  const failed = done.filter((h) => ['failed', 'restored', 'restore-failed', 'recoverable', 'reverted'].includes(op.progress[h]?.outcome ?? ''));
  const active = hosts
    .filter((h) => !op.progress[h]?.outcome && op.progress[h]?.phase !== 'start')
    .map((h) => {
      const p = op.progress[h]!;
      return `${h} ${p.phase}${p.total ? ` ${p.done ?? 0}/${p.total}` : ''}`;
    });
  const parts = [`${op.kind} ${done.length}/${hosts.length} done`];
  if (failed.length > 0) parts.push(`${failed.length} failed`);
  if (op.wave) {
    const inWave = op.wave.hosts.filter((h) => op.progress[h]?.outcome).length;
    parts.push(`wave ${op.wave.index}/${op.wave.total}: ${inWave}/${op.wave.hosts.length} done`);
  }
  parts.push(...active);
  return parts.join(' \u00b7 ');
}

export interface LogPaneProps {
  log: LogState;
  rows: number;
  width: number;
  focused: boolean;
  zoomed: boolean;
  ops: readonly RunningOp[];
  /** The clock the confirm-or-revert countdowns are shown against (ms). */
  now?: number;
  /** The log's search (`/`): its filters narrow `log` already; named in the heading. */
  query?: string;
  /** The line (seq) of the current match. */
  hit?: number;
}

/** "⏱ web1 reverts itself in 23 s unless konf gets in · db1 reverting: 4 s" — armed reverts of running operations. */
export function countdownText(ops: readonly RunningOp[], now: number): string {
  const list = countdowns(ops);
  if (list.length === 0) return '';
  const parts = list.map((c) =>
    c.phase === 'confirm' ? `${c.host} reverts itself in ${secondsLeft(c.deadline, now)} s unless konf gets in` : `${c.host} reverting: ${secondsLeft(c.deadline, now)} s`,
  );
  return `\u23f1 ${parts.join(' \u00b7 ')}`;
}

export function LogPane(props: LogPaneProps) {
  const tone = useTone();
  const { log, width } = props;
  // A running confirm-or-revert counts down on the pane's last row.
  const counting = countdownText(props.ops, props.now ?? Date.now());
  const rows = counting ? Math.max(1, props.rows - 1) : props.rows;
  const top = logTop(log, rows);
  const lines = log.lines.slice(top, top + rows);
  const hostWidth = Math.min(12, Math.max(4, ...lines.map((l) => columns(l.host ?? 'konf'))));
  const running = props.ops.filter((op) => !op.finished);
  const last = props.ops[props.ops.length - 1];
  const progress = running.length > 0 ? running.map(progressText).join(' | ') : last?.summary ?? '';
  const mode = log.follow ? 'follow' : `scrolled ${Math.min(log.lines.length, top + rows)}/${log.lines.length}`;
  const heading = ` Log (${mode}${props.zoomed ? ', zoomed' : ''})${props.query ? ` /${props.query}` : ''}`;
  return (
    <Box flexDirection="column" width={width} height={rows + 1}>
      <Text wrap="truncate">
        <Text bold inverse={props.focused}>
          {heading}
        </Text>
        <Text color={tone(running.length > 0 ? 'blue' : last?.ok === false ? 'red' : undefined)}>{progress ? `  ${progress}` : ''}</Text>
      </Text>
      {lines.map((line, i) => (
        // The focused log's last shown line is the one Enter shows whole.
        <LogRow key={line.seq} line={line} hostWidth={hostWidth} width={width} selected={props.focused && i === lines.length - 1} hit={line.seq === props.hit} />
      ))}
      {counting ? <Box flexGrow={1} /> : null}
      {counting ? (
        <Text wrap="truncate" color={tone('yellow')} bold>
          {counting}
        </Text>
      ) : null}
    </Box>
  );
}
