/** The list tabs of the detail pane: Switches, Excludes, Files, History. All windowed. */
import path from 'node:path';
import { Box, Text } from 'ink';
import { memo, type ReactNode } from 'react';
import type { FileChange } from '../../core/diff/types.js';
import type { HostPlan, Switch } from '../../core/fleet/types.js';
import type { SnapshotInfo } from '../../core/store/types.js';
import { formatMode } from '../diffRows.js';
import { age, changeMark, changeTone, fit, plural, SECRET_MASK, shortTime } from '../format.js';
import { windowOf, keepVisible } from '../state/cursor.js';
import { excludeRows, fileRows } from '../state/rows.js';
import type { ListCursor, Loadable } from '../state/types.js';
import { useTone } from '../theme.js';
import { shortId } from '../state/confirm.js';

/** The visible window of a list with a cursor, clamped for the current size. */
function cursorWindow(cursor: ListCursor, rows: number, total: number) {
  const top = keepVisible(Math.min(cursor.index, Math.max(0, total - 1)), cursor.top, rows, total);
  return windowOf(top, rows, total);
}

export function LoadState<T>(props: { value: Loadable<T> | undefined; what: string; children: (value: T) => ReactNode }) {
  const tone = useTone();
  const value = props.value;
  if (!value || value.state === 'loading') return <Text dimColor>loading {props.what}{'\u2026'}</Text>;
  if (value.state === 'error')
    return (
      <Text color={tone('red')} wrap="wrap">
        {props.what}: {value.error}
      </Text>
    );
  return <>{props.children(value.value)}</>;
}

// ---------------------------------------------------------------- switches

function originText(sw: Switch): string {
  return `${path.basename(sw.origin.file)}:${sw.origin.line}`;
}

const SwitchRow = memo(function SwitchRow(props: { sw: Switch; nameWidth: number; originWidth: number; width: number; selected: boolean; focused: boolean }) {
  const tone = useTone();
  const { sw } = props;
  const valueWidth = Math.max(1, props.width - 2 - props.nameWidth - 1 - props.originWidth - 1);
  const value = sw.secret ? SECRET_MASK : sw.value;
  return (
    <Text wrap="truncate" inverse={props.selected && props.focused}>
      {props.selected ? '>' : ' '} {fit(sw.name, props.nameWidth)}{' '}
      <Text color={tone(sw.secret ? 'magenta' : undefined)}>{fit(value, valueWidth)}</Text>{' '}
      <Text color={tone(sw.origin.kind === 'host' ? 'cyan' : undefined)} dimColor={sw.origin.kind === 'default'}>
        {fit(originText(sw), props.originWidth)}
      </Text>
    </Text>
  );
});

export function SwitchesTab(props: { plan: HostPlan; cursor: ListCursor; rows: number; width: number; focused: boolean }) {
  const tone = useTone();
  const { plan, width } = props;
  const total = plan.warnings.length + plan.switches.length;
  const win = cursorWindow(props.cursor, props.rows, total);
  const nameWidth = Math.min(24, Math.max(6, ...plan.switches.map((s) => s.name.length)));
  const originWidth = Math.min(Math.max(8, Math.floor(width / 4)), Math.max(8, ...plan.switches.map((s) => originText(s).length)));
  const items: ReactNode[] = [];
  for (let i = win.start; i < win.end; i++) {
    if (i < plan.warnings.length) {
      items.push(
        <Text key={`w${i}`} wrap="truncate" color={tone('yellow')}>
          {i === props.cursor.index ? '>' : ' '} warning: {plan.warnings[i]}
        </Text>,
      );
      continue;
    }
    const sw = plan.switches[i - plan.warnings.length]!;
    items.push(<SwitchRow key={sw.name} sw={sw} nameWidth={nameWidth} originWidth={originWidth} width={width} selected={i === props.cursor.index} focused={props.focused} />);
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" dimColor>
        {'  '}
        {fit('switch', nameWidth)} {fit('value', Math.max(1, width - 2 - nameWidth - 1 - originWidth - 1))} {fit('origin', originWidth)}
      </Text>
      {total === 0 ? <Text dimColor> no switches</Text> : items}
    </Box>
  );
}

// ---------------------------------------------------------------- excludes

export function ExcludesTab(props: { plan: HostPlan; cursor: ListCursor; rows: number; width: number; focused: boolean }) {
  const tone = useTone();
  const rows = excludeRows(props.plan);
  const win = cursorWindow(props.cursor, props.rows, rows.length);
  return (
    <Box flexDirection="column" width={props.width}>
      <Text wrap="truncate" dimColor>
        {`  ${plural(props.plan.excludeRules.length, 'rule')}, ${plural(props.plan.excluded.length, 'path')} excluded: never written on this host`}
      </Text>
      {rows.length === 0 ? <Text dimColor> no excludes for this host</Text> : null}
      {rows.slice(win.start, win.end).map((row, i) => {
        const index = win.start + i;
        const pointer = index === props.cursor.index ? '>' : ' ';
        const inverse = index === props.cursor.index && props.focused;
        if (row.type === 'rule')
          return (
            <Text key={index} wrap="truncate" inverse={inverse}>
              {pointer} <Text color={tone('magenta')}>{row.rule.pattern}</Text>
              <Text dimColor>
                {'  '}
                {row.rule.file}:{row.rule.line}
                {' \u00b7 '}
                {row.matched} matched
              </Text>
            </Text>
          );
        if (row.type === 'none')
          return (
            <Text key={index} wrap="truncate" dimColor inverse={inverse}>
              {pointer}{'     '}(matches no planned file)
            </Text>
          );
        return (
          <Text key={index} wrap="truncate" inverse={inverse}>
            {pointer}
            {'   '}
            {'\u2192'} {row.path}
          </Text>
        );
      })}
    </Box>
  );
}

// ---------------------------------------------------------------- files

export function FilesTab(props: { plan: HostPlan; changes: readonly FileChange[] | undefined; cursor: ListCursor; rows: number; width: number; focused: boolean }) {
  const tone = useTone();
  const rows = fileRows(props.plan);
  const byPath = new Map((props.changes ?? []).map((c) => [c.path, c]));
  const win = cursorWindow(props.cursor, props.rows, rows.length);
  const current = rows[Math.min(props.cursor.index, rows.length - 1)];
  let provenance = '';
  let metadata = '';
  if (current?.type === 'file') {
    const f = current.file;
    provenance = `from ${f.source}${f.kind === 'file' && f.template ? ` (template${f.switchesUsed.length > 0 ? `; switches ${f.switchesUsed.join(', ')}` : ''})` : ''}${f.kind === 'symlink' ? ` (symlink \u2192 ${f.target})` : ''}`;
    metadata = `mode ${f.mode === undefined ? 'kept' : formatMode(f.mode)}, owner ${f.owner ?? 'kept'}, group ${f.group ?? 'kept'}${f.permissionRule ? ` (${f.permissionRule.file}:${f.permissionRule.line} ${f.permissionRule.glob})` : ''}`;
  } else if (current?.type === 'skipped') {
    provenance = `from ${current.skipped.source}`;
    metadata = `left out: ${current.skipped.reason}`;
  }
  return (
    <Box flexDirection="column" width={props.width}>
      <Text wrap="truncate" dimColor>
        {`  ${plural(props.plan.files.length, 'planned file')}${props.changes ? '' : ' (live state unknown: ? marks)'}`}
      </Text>
      {rows.slice(win.start, win.end).map((row, i) => {
        const index = win.start + i;
        const pointer = index === props.cursor.index ? '>' : ' ';
        const inverse = index === props.cursor.index && props.focused;
        if (row.type === 'skipped')
          return (
            <Text key={`s${index}`} wrap="truncate" dimColor inverse={inverse}>
              {pointer} - {row.skipped.path} (left out)
            </Text>
          );
        const change = byPath.get(row.file.path);
        const kind = change?.kind;
        return (
          <Text key={row.file.path} wrap="truncate" inverse={inverse}>
            {pointer} <Text color={tone(kind ? changeTone(kind) : undefined)}>{kind ? changeMark(kind) : '?'}</Text> {row.file.path}
            <Text dimColor>{row.file.kind === 'file' && row.file.template ? ' (template)' : ''}</Text>
          </Text>
        );
      })}
      <Box flexGrow={1} />
      <Text wrap="truncate" dimColor>
        {fit(provenance, props.width)}
      </Text>
      <Text wrap="truncate" dimColor>
        {fit(metadata, props.width)}
      </Text>
    </Box>
  );
}

// ---------------------------------------------------------------- history

const SnapshotRow = memo(function SnapshotRow(props: { snapshot: SnapshotInfo; selected: boolean; focused: boolean; width: number; now: number }) {
  const tone = useTone();
  const s = props.snapshot;
  const reasonTone = s.reason === 'manual' ? 'cyan' : s.reason === 'pre-rollback' ? 'magenta' : s.reason === 'pre-deploy' ? 'yellow' : undefined;
  return (
    <Text wrap="truncate" inverse={props.selected && props.focused}>
      {props.selected ? '>' : ' '} <Text color={tone('yellow')}>{shortId(s.id)}</Text> {shortTime(s.time)} <Text dimColor>{age(s.time, new Date(props.now)).padStart(3)}</Text>{' '}
      <Text color={tone(reasonTone)}>{fit(s.reason, 12)}</Text> {fit(s.operator, 10)} {plural(s.files, 'file')}
      <Text dimColor>{s.changed.length > 0 ? ` (${s.changed.length} changed)` : ''}</Text>
      {s.message ? <Text dimColor> {s.message}</Text> : null}
    </Text>
  );
});

export function HistoryTab(props: { snapshots: SnapshotInfo[]; cursor: ListCursor; rows: number; width: number; focused: boolean; now: number }) {
  const win = cursorWindow(props.cursor, props.rows, props.snapshots.length);
  return (
    <Box flexDirection="column" width={props.width}>
      <Text wrap="truncate" dimColor>
        {`  ${plural(props.snapshots.length, 'snapshot')}, newest first \u00b7 Enter previews \u00b7 r rolls back`}
      </Text>
      {props.snapshots.length === 0 ? <Text dimColor> no snapshots yet (S takes one)</Text> : null}
      {props.snapshots.slice(win.start, win.end).map((s, i) => (
        <SnapshotRow key={s.id} snapshot={s} selected={win.start + i === props.cursor.index} focused={props.focused} width={props.width} now={props.now} />
      ))}
    </Box>
  );
}
