/** The host list: windowed (only visible rows are rendered), one memoized row per host. */
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { HostStatus, HostSummary } from '../../core/ops/session.js';
import { age, badge, columns, countdownBadge, fit, type Tone } from '../format.js';
import type { HostCheck } from '../../core/ops/session.js';
import { windowOf } from '../state/cursor.js';
import { secondsLeft, type ArmedRevert } from '../state/ops.js';
import type { HostSort } from '../state/types.js';
import type { InventoryCell, InventoryColumn } from '../state/inventoryColumns.js';
import { useTone } from '../theme.js';

const AGE_WIDTH = 3;

interface RowProps {
  name: string;
  status: HostStatus;
  lastSnapshot: string | undefined;
  selected: boolean;
  focused: boolean;
  marked: boolean;
  width: number;
  badgeWidth: number;
  now: number;
  /** Confirm-or-revert: the badge counts down (`confirm 23s`) while the host's revert is armed. */
  countdown?: ArmedRevert | undefined;
  /** Inventory columns shown (after the badge) and this host's cells (the same array until its values change). */
  columns?: readonly InventoryColumn[];
  cells?: readonly InventoryCell[] | undefined;
  shownColumns?: readonly number[];
}

/** Total width of the inventory columns shown (each with a space before it). */
function inventoryWidth(props: Pick<RowProps, 'columns' | 'shownColumns'>): number {
  return (props.shownColumns ?? []).reduce((n, i) => n + 1 + (props.columns?.[i]?.width ?? 0), 0);
}

/** One cell at its column's width: a last deploy is its age then who (`2h alice`). */
function cellText(cell: InventoryCell | undefined, width: number, now: number): string {
  if (!cell) return ' '.repeat(width);
  const text = cell.time ? `${age(cell.time, new Date(now)).padStart(AGE_WIDTH)} ${cell.text}` : cell.text;
  return fit(text, width);
}

function rowBadge(props: RowProps) {
  return props.countdown && props.status.kind === 'running' ? countdownBadge(props.countdown.phase, secondsLeft(props.countdown.deadline, props.now)) : badge(props.status);
}

function sameRow(a: RowProps, b: RowProps): boolean {
  return (
    a.name === b.name &&
    a.status === b.status &&
    a.lastSnapshot === b.lastSnapshot &&
    a.selected === b.selected &&
    a.focused === b.focused &&
    a.marked === b.marked &&
    a.width === b.width &&
    a.badgeWidth === b.badgeWidth &&
    a.countdown === b.countdown &&
    a.cells === b.cells &&
    a.columns === b.columns &&
    a.shownColumns === b.shownColumns &&
    (a.cells?.every((c) => !c.time || age(c.time, new Date(a.now)) === age(c.time, new Date(b.now))) ?? true) &&
    (a.countdown === undefined || rowBadge(a).text === rowBadge(b).text) &&
    // Ages are shown in minutes at best: a new minute only matters when the text changes.
    age(a.lastSnapshot, new Date(a.now)) === age(b.lastSnapshot, new Date(b.now))
  );
}

export const HostRow = memo(function HostRow(props: RowProps) {
  const tone = useTone();
  const b = rowBadge(props);
  const badgeCols = props.badgeWidth;
  const nameWidth = Math.max(1, props.width - 2 - 1 - badgeCols - 1 - AGE_WIDTH - inventoryWidth(props));
  const mark = props.marked ? '*' : ' ';
  const pointer = props.selected ? '>' : ' ';
  const when = age(props.lastSnapshot, new Date(props.now));
  const highlight = props.selected && props.focused;
  let inventory = '';
  for (const i of props.shownColumns ?? []) {
    const cell = props.cells?.[i];
    inventory += style(` ${cellText(cell, props.columns?.[i]?.width ?? 0, props.now)}`, { color: highlight || !cell?.failed ? undefined : tone('red') });
  }
  const text = `${pointer}${style(mark, { color: tone(props.marked ? 'yellow' : undefined), bold: props.marked })}${fit(props.name, nameWidth)} ${style(fit(b.text, badgeCols), { color: highlight ? undefined : tone(b.tone) })}${inventory} ${style(when.padStart(AGE_WIDTH).slice(-AGE_WIDTH), { dim: !highlight })}`;
  // One text node holding the row's styled text (the styling Ink's nested <Text>s gave it):
  // a frame does not squash and restyle four pieces per row, and yoga lays out one node.
  return (
    <Text wrap="truncate" inverse={highlight} bold={props.selected}>
      {text}
    </Text>
  );
}, sameRow);

/** Styling as Ink's <Text> applies it (dim, then color, then bold). */
function style(text: string, s: { color?: Tone | undefined; dim?: boolean; bold?: boolean }): string {
  let out = text;
  if (s.dim) out = chalk.dim(out);
  if (s.color) out = chalk[s.color](out);
  if (s.bold) out = chalk.bold(out);
  return out;
}

/**
 * The heading names the columns over them: the count over the names, `status` over the
 * badges, `snap` (the age of the last snapshot) right-aligned over the ages.
 */
export function hostHeading(heading: string, width: number, badgeWidth: number, inventory: readonly InventoryColumn[] = []): string {
  const labels = inventory.map((c) => ` ${fit(c.label, c.width)}`).join('');
  const nameWidth = Math.max(1, width - 2 - 1 - badgeWidth - 1 - AGE_WIDTH - columns(labels));
  const left = ` ${heading}`;
  const snap = labels + 'snap'.padStart(1 + AGE_WIDTH);
  // The count never gives way: the `status` label does (then `snap`) when the count is long.
  if (columns(left) <= 2 + nameWidth) return fit(fit(left, 2 + nameWidth) + ' ' + fit('status', badgeWidth) + snap, width);
  if (columns(left) + 1 + snap.length <= width) return fit(left, width - snap.length) + snap;
  return fit(left, width);
}

/**
 * The heading with the sort order after the count. Sorted by status or change it is always
 * named (the column labels give way); the default order by name only while the labels fit.
 */
export function headingWithOrder(heading: string, order: string, width: number, badgeWidth: number, inventory: readonly InventoryColumn[] = []): string {
  const full = hostHeading(`${heading} \u00b7 ${order}`, width, badgeWidth, inventory);
  return order !== 'by name' || full.includes('status') ? full : hostHeading(heading, width, badgeWidth, inventory);
}

export interface HostListProps {
  hosts: readonly HostSummary[];
  total: number;
  status: Record<string, HostStatus>;
  checks: Record<string, HostCheck>;
  marks: Record<string, true>;
  selected: string | undefined;
  top: number;
  width: number;
  badgeWidth: number;
  rows: number;
  focused: boolean;
  now: number;
  /** Running confirm-or-revert countdowns by host. */
  countdowns?: Record<string, ArmedRevert>;
  sort?: HostSort;
  /** Inventory columns (state/inventoryColumns.ts): all of them, the cells per host, and which fit. */
  inventory?: { columns: readonly InventoryColumn[]; cells: ReadonlyMap<string, readonly InventoryCell[]>; shown: readonly number[] };
}

const SORT_LABELS: Record<HostSort, string> = { name: 'name', status: 'status', change: 'change' };

export function HostList(props: HostListProps) {
  const { start, end } = windowOf(props.top, props.rows, props.hosts.length);
  const shown = props.hosts.slice(start, end);
  const marked = Object.keys(props.marks).length;
  const heading = `Hosts ${props.hosts.length === props.total ? props.total : `${props.hosts.length}/${props.total}`}${marked > 0 ? ` \u00b7 ${marked} marked` : ''}`;
  // The order `s` cycles through, on the right of the heading.
  const order = `by ${SORT_LABELS[props.sort ?? 'name']} `;
  return (
    <Box flexDirection="column" width={props.width}>
      <Text wrap="truncate" bold inverse={props.focused}>
        {headingWithOrder(
          heading,
          order.trim(),
          props.width,
          props.badgeWidth,
          (props.inventory?.shown ?? []).map((i) => props.inventory!.columns[i]!),
        )}
      </Text>
      {shown.map((host) => (
        <HostRow
          key={host.name}
          name={host.name}
          status={props.status[host.name] ?? UNKNOWN}
          lastSnapshot={props.checks[host.name]?.lastSnapshot}
          selected={host.name === props.selected}
          focused={props.focused}
          marked={props.marks[host.name] === true}
          width={props.width}
          badgeWidth={props.badgeWidth}
          now={props.now}
          countdown={props.countdowns?.[host.name]}
          columns={props.inventory?.columns}
          cells={props.inventory?.cells.get(host.name)}
          shownColumns={props.inventory?.shown}
        />
      ))}
      {props.hosts.length === 0 ? <Text dimColor> no host matches the filter</Text> : null}
    </Box>
  );
}

const UNKNOWN: HostStatus = { kind: 'unknown' };
