/** The list tabs of the detail pane: Switches, Excludes, Files, History. All windowed. */
import path from 'node:path';
import { Box, Text } from 'ink';
import { undoTarget } from '../state/undo.js';
import { memo, type ReactNode } from 'react';
import type { FileChange } from '../../core/diff/types.js';
import type { HostPlan, Switch } from '../../core/fleet/types.js';
import type { SnapshotInfo } from '../../core/store/types.js';
import { formatMode } from '../diffRows.js';
import { age, changeLegend, changeMark, columns, changeTone, fit, plural, SECRET_MASK, shortTime, type Tone } from '../format.js';
import { windowOf, keepVisible } from '../state/cursor.js';
import { wrapText } from '../state/select.js';
import { excludeRows, fileRows } from '../state/rows.js';
import type { ListCursor, Loadable } from '../state/types.js';
import { useTone } from '../theme.js';
import { keysOf } from '../keymap.js';
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
  const valueWidth = Math.max(1, props.width - 2 - props.nameWidth - 1 - (props.originWidth > 0 ? props.originWidth + 1 : 0));
  const value = sw.secret ? SECRET_MASK : sw.value;
  return (
    <Text wrap="truncate" inverse={props.selected && props.focused}>
      {props.selected ? '>' : ' '} {fit(sw.name, props.nameWidth)}{' '}
      <Text color={tone(sw.secret ? 'magenta' : undefined)}>{fit(value, valueWidth)}</Text>
      {props.originWidth > 0 ? ' ' : ''}
      <Text color={tone(sw.origin.kind === 'host' ? 'cyan' : undefined)} dimColor={sw.origin.kind === 'default'}>
        {props.originWidth > 0 ? fit(originText(sw), props.originWidth) : ''}
      </Text>
    </Text>
  );
});

/**
 * Columns of the Switches tab: values get the width they need; the origin column gives
 * way first (down to 8 columns, then it is left out: Enter shows a switch whole).
 */
export function switchColumns(list: readonly Switch[], width: number): { nameWidth: number; valueWidth: number; originWidth: number } {
  const nameWidth = Math.min(24, Math.max(6, ...list.map((s) => columns(s.name))));
  const valueNeed = Math.max(5, ...list.map((s) => columns(s.secret ? SECRET_MASK : s.value)));
  let originWidth = Math.min(Math.max(8, Math.floor(width / 4)), Math.max(8, ...list.map((s) => columns(originText(s)))));
  const valueRoom = (origin: number) => width - 2 - nameWidth - 1 - (origin > 0 ? origin + 1 : 0);
  if (valueRoom(originWidth) < valueNeed) {
    const origin = width - 2 - nameWidth - 1 - valueNeed - 1;
    originWidth = origin >= 8 ? origin : 0;
  }
  return { nameWidth, valueWidth: Math.max(1, valueRoom(originWidth)), originWidth };
}

export function SwitchesTab(props: { plan: HostPlan; cursor: ListCursor; rows: number; width: number; focused: boolean }) {
  const tone = useTone();
  const { plan, width } = props;
  const total = plan.warnings.length + plan.switches.length;
  const win = cursorWindow(props.cursor, props.rows, total);
  const { nameWidth, originWidth } = switchColumns(plan.switches, width);
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
        {fit('switch', nameWidth)} {fit(`value${total > 0 ? ' (Enter: whole)' : ''}`, Math.max(1, width - 2 - nameWidth - 1 - (originWidth > 0 ? originWidth + 1 : 0)))}
        {originWidth > 0 ? ` ${fit('origin', originWidth)}` : ''}
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

/**
 * The selected file whole under the list: its path (when the row is too narrow for it),
 * where it comes from and its metadata, wrapped into `rows` lines (cut only past them).
 */
export function footerLines(path: string | undefined, provenance: string, metadata: string, width: number, rows: number): string[] {
  const texts = [provenance, metadata];
  if (path && columns(path) > width - 4) texts.unshift(path);
  const lines = wrapText(texts.filter((t) => t !== ''), width);
  if (lines.length <= rows) return lines;
  const shown = lines.slice(0, rows);
  shown[rows - 1] = fit(`${shown[rows - 1]!}\u2026`, width).replace(/ +$/, '');
  return shown;
}

/** The change kinds the Files tab shows (for its legend); `unknown` for files not checked yet. */
function fileKinds(rows: ReturnType<typeof fileRows>, byPath: ReadonlyMap<string, FileChange>): Set<FileChange['kind'] | 'unknown'> {
  const kinds = new Set<FileChange['kind'] | 'unknown'>();
  for (const row of rows) if (row.type === 'file') kinds.add(byPath.get(row.file.path)?.kind ?? 'unknown');
  return kinds;
}

export function FilesTab(props: { plan: HostPlan; changes: readonly FileChange[] | undefined; cursor: ListCursor; rows: number; footer: number; width: number; focused: boolean }) {
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
        {fit(`  ${plural(props.plan.files.length, 'planned file')}${props.changes ? '' : ' (live state unknown)'} \u00b7 ${changeLegend(fileKinds(rows, byPath))}`, props.width)}
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
      {footerLines(current?.type === 'file' ? current.file.path : current?.type === 'skipped' ? current.skipped.path : undefined, provenance, metadata, props.width, props.footer).map((line, i) => (
        <Text key={`f${i}`} wrap="truncate" dimColor>
          {fit(line, props.width)}
        </Text>
      ))}
    </Box>
  );
}

// ---------------------------------------------------------------- history

/** Column widths of the history list, from the snapshots shown and the pane width. */
export interface HistoryColumns {
  /** "2026-05-01 10:02" (16) or, when narrow, "05-01 10:02" (11), or 0 (left out). */
  time: number;
  reason: number;
  /** 0 when left out (narrow panes). */
  operator: number;
  files: number;
  changed: number;
}

export function filesText(s: SnapshotInfo): string {
  return plural(s.files, 'file');
}

/**
 * What the row says changed. A pre-deploy (pre-rollback) snapshot records the host before
 * its operation, so its own `changed` (how the host differed from the snapshot before) is
 * not what the operation did: the row says what the operation wrote on the host, from the
 * audit log ("wrote 2"; "wrote ?" when this jump host has no record of it, or how it
 * failed). Other snapshots say how many paths changed since the host's previous one.
 */
export function changedText(s: SnapshotInfo): string {
  if (s.reason === 'pre-deploy' || s.reason === 'pre-rollback') {
    const op = s.operation;
    if (!op) return '(wrote ?)';
    return op.outcome === 'ok' ? `(wrote ${op.changed})` : `(${op.outcome})`;
  }
  return `(${s.changed.length} changed)`;
}

export function historyColumns(snapshots: readonly SnapshotInfo[], width: number): HistoryColumns {
  const longest = (f: (s: SnapshotInfo) => string, min: number) => Math.max(min, ...snapshots.map((s) => f(s).length));
  const cols = {
    time: 16,
    reason: longest((s) => s.reason, 6),
    operator: Math.min(12, longest((s) => s.operator, 4)),
    files: longest(filesText, 7),
    changed: longest(changedText, 11),
  };
  // pointer, id, age and the spaces between the columns; a column of width 0 is left out
  const total = () => 2 + 7 + 1 + 3 + 1 + cols.reason + 1 + cols.files + 1 + cols.changed + (cols.time ? cols.time + 1 : 0) + (cols.operator ? cols.operator + 1 : 0);
  // Narrow panes drop the least needed first: the year, the date and time (the age stays), the operator.
  if (total() > width) cols.time = 11;
  if (total() > width) cols.time = 0;
  if (total() > width) cols.operator = 0;
  return cols;
}

function rowTime(iso: string, width: number): string {
  const full = shortTime(iso);
  return width >= full.length ? full : full.slice(full.length - width);
}

export interface RowPart {
  text: string;
  tone?: Tone;
  dim?: boolean;
}

/**
 * One history row as text parts: every row has the same columns, what does not fit is cut
 * with …, and the parts always add up to exactly `width` (so a highlight spans the pane).
 */
export function historyRowParts(s: SnapshotInfo, cols: HistoryColumns, width: number, now: number, selected: boolean): RowPart[] {
  const reasonTone: Tone | undefined = s.reason === 'manual' ? 'cyan' : s.reason === 'pre-rollback' ? 'magenta' : s.reason === 'pre-deploy' ? 'yellow' : undefined;
  const parts: RowPart[] = [
    { text: selected ? '> ' : '  ' },
    { text: shortId(s.id), tone: 'yellow' },
    { text: cols.time ? ` ${fit(rowTime(s.time, cols.time), cols.time)} ` : ' ' },
    { text: age(s.time, new Date(now)).padStart(3), dim: true },
    { text: ' ' },
    { text: fit(s.reason, cols.reason), tone: reasonTone },
    { text: `${cols.operator ? ` ${fit(s.operator, cols.operator)}` : ''} ${filesText(s).padStart(cols.files)} ` },
    { text: fit(changedText(s), cols.changed), dim: true },
    { text: s.message ? ` ${s.message}` : '', dim: true },
  ];
  let room = Math.max(1, width);
  const shown: RowPart[] = [];
  for (const part of parts) {
    if (room <= 0) break;
    const text = part.text.length > room ? fit(part.text, room) : part.text;
    shown.push({ ...part, text });
    room -= text.length;
  }
  if (room > 0) shown.push({ text: ' '.repeat(room) });
  return shown;
}

const SnapshotRow = memo(function SnapshotRow(props: { snapshot: SnapshotInfo; cols: HistoryColumns; selected: boolean; focused: boolean; width: number; now: number }) {
  const tone = useTone();
  const highlight = props.selected && props.focused;
  const parts = historyRowParts(props.snapshot, props.cols, props.width, props.now, props.selected);
  return (
    <Text wrap="truncate" inverse={highlight} bold={props.selected}>
      {parts.map((part, i) => (
        <Text key={i} color={highlight ? undefined : tone(part.tone)} dimColor={part.dim === true && !highlight}>
          {part.text}
        </Text>
      ))}
    </Text>
  );
});

/**
 * The History tab. `missing`: most of the host's planned files are missing (a fresh or
 * wiped machine), so its header offers a rebuild from the selected snapshot instead.
 */
export function HistoryTab(props: { snapshots: SnapshotInfo[]; cursor: ListCursor; rows: number; width: number; focused: boolean; now: number; missing?: string }) {
  const tone = useTone();
  const win = cursorWindow(props.cursor, props.rows, props.snapshots.length);
  const cols = historyColumns(props.snapshots, props.width);
  const undo = undoTarget(props.snapshots);
  const keys = `${keysOf('open')} previews \u00b7 ${keysOf('rollback')} rolls back`;
  return (
    <Box flexDirection="column" width={props.width}>
      {props.missing && props.snapshots.length > 0 ? (
        <Text wrap="truncate" color={tone('yellow')}>
          {fit(`  ${props.missing} \u00b7 ${keysOf('rebuild')} rebuilds from the selected snapshot \u00b7 ${keys}`, props.width)}
        </Text>
      ) : (
        <Text wrap="truncate" dimColor>
          {fit(`  ${plural(props.snapshots.length, 'snapshot')}, newest first \u00b7 ${keys}`, props.width)}
        </Text>
      )}
      <Text wrap="truncate" dimColor={!undo}>
        {fit(
          undo
            ? `  u undoes the ${undo.operation} ${age(undo.snapshot.time, new Date(props.now))} ago by ${undo.snapshot.operator} \u2192 ${shortId(undo.snapshot.id)}`
            : '  u: nothing to undo (no snapshot taken before an operation)',
          props.width,
        )}
      </Text>
      {props.snapshots.length === 0 ? <Text dimColor> no snapshots yet (S takes one)</Text> : null}
      {props.snapshots.slice(win.start, win.end).map((s, i) => (
        <SnapshotRow key={s.id} snapshot={s} cols={cols} selected={win.start + i === props.cursor.index} focused={props.focused} width={props.width} now={props.now} />
      ))}
    </Box>
  );
}
