/**
 * A host row is one text node holding its styled text (not four nested <Text>s restyled
 * every frame): its frame must be byte for byte what the nested <Text>s gave — every
 * attribute combination (selected, focused, marked, each badge tone), colors on and off.
 */
import chalk from 'chalk';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRow } from '../../src/console/components/HostList.js';
import { age, badge, fit } from '../../src/console/format.js';
import { ThemeContext } from '../../src/console/theme.js';
import type { HostStatus } from '../../src/core/ops/session.js';
import type { InventoryCell, InventoryColumn } from '../../src/console/state/inventoryColumns.js';

const level = chalk.level;
beforeAll(() => {
  chalk.level = 3;
});
afterAll(() => {
  chalk.level = level;
});

/** The row as it was drawn before: nested <Text>s (the reference). */
interface Inventory {
  columns?: readonly InventoryColumn[];
  cells?: readonly InventoryCell[];
  shownColumns?: readonly number[];
}

function NestedRow(props: { name: string; status: HostStatus; lastSnapshot?: string; selected: boolean; focused: boolean; marked: boolean; width: number; badgeWidth: number; now: number; color: boolean } & Inventory) {
  const tone = <T,>(t: T) => (props.color ? t : undefined);
  const b = badge(props.status);
  const shown = props.shownColumns ?? [];
  const nameWidth = Math.max(1, props.width - 2 - 1 - props.badgeWidth - 1 - 3 - shown.reduce((n, i) => n + 1 + (props.columns?.[i]?.width ?? 0), 0));
  const highlight = props.selected && props.focused;
  return (
    <Text wrap="truncate" inverse={highlight} bold={props.selected}>
      {props.selected ? '>' : ' '}
      <Text color={tone(props.marked ? 'yellow' : undefined)} bold={props.marked}>
        {props.marked ? '*' : ' '}
      </Text>
      {fit(props.name, nameWidth)}{' '}
      <Text color={highlight ? undefined : tone(b.tone)}>{fit(b.text, props.badgeWidth)}</Text>
      {shown.map((i) => (
        <Text key={i} color={highlight || !props.cells?.[i]?.failed ? undefined : tone('red')}>
          {' '}
          {fit(props.cells?.[i]?.text ?? '', props.columns?.[i]?.width ?? 0)}
        </Text>
      ))}{' '}
      <Text dimColor={!highlight}>{age(props.lastSnapshot, new Date(props.now)).padStart(3).slice(-3)}</Text>
    </Text>
  );
}

const statuses: HostStatus[] = [{ kind: 'unknown' }, { kind: 'in-sync' }, { kind: 'pending', count: 3 }, { kind: 'unreachable', error: 'refused' } as HostStatus, { kind: 'running' } as HostStatus];
const inventories: Inventory[] = [
  {},
  {
    columns: [
      { key: 'role', label: 'role', width: 6 },
      { key: 'address', label: 'address', width: 9 },
    ],
    cells: [{ text: 'web' }, { text: '10.0.0.17', failed: true }],
    shownColumns: [0, 1],
  },
];
const now = Date.parse('2026-05-01T12:00:00Z');

describe('host row as one styled text', () => {
  it('draws exactly what the nested <Text>s drew', () => {
    let compared = 0;
    for (const color of [true, false])
      for (const status of statuses)
        for (const selected of [false, true])
          for (const focused of [false, true])
            for (const marked of [false, true])
              for (const inventory of inventories) {
              const props = { name: 'web-日本-01', status, lastSnapshot: '2026-05-01T10:00:00Z', selected, focused, marked, width: 60, badgeWidth: 12, now, ...inventory };
              const a = render(
                <ThemeContext.Provider value={{ color }}>
                  <HostRow {...props} />
                </ThemeContext.Provider>,
              );
              const b = render(<NestedRow {...props} color={color} />);
              expect(a.lastFrame()).toBe(b.lastFrame());
              if (color && (selected || marked)) expect(a.lastFrame()).toContain('\x1b[');
              a.unmount();
              b.unmount();
              compared++;
            }
    expect(compared).toBe(160);
  });
});
