/** Inventory columns (pure): cells once per change, columns dropped by priority, last deploys following the events. */
import { describe, expect, it } from 'vitest';
import type { OpEvent } from '../../src/core/ops/events.js';
import { fittingColumns, inventoryTable } from '../../src/console/state/inventoryColumns.js';
import { reducer } from '../../src/console/state/reducer.js';
import { paneLayout } from '../../src/console/state/select.js';
import { hostHeading } from '../../src/console/components/HostList.js';
import type { AppState } from '../../src/console/state/types.js';
import { checked, drained, init, keys } from '../helpers/reducerTesting.js';

const time = '2026-05-01T12:00:00.000Z';
const ev = (e: Record<string, unknown>): OpEvent => ({ op: 'op1', time, ...e }) as OpEvent;
const withInventory = (s: AppState): AppState =>
  reducer(s, { type: 'inventory/result', inventory: { web1: { address: '10.0.0.5:2222', lastDeploy: { time: '2026-04-30T12:00:00.000Z', operator: 'carol', ok: true } }, web2: { address: 'web2.example.net' } } });

describe('inventory columns', () => {
  it('computes every host\u2019s cells once per change (the same table on every key), in the preference\u2019s order', () => {
    const s = withInventory(init({ columns: ['deployed', 'address'] }));
    const table = inventoryTable(s);
    expect(table.columns.map((c) => c.label)).toEqual(['deployed', 'address']);
    expect(table.cells.get('web1')).toEqual([{ text: 'carol', time: '2026-04-30T12:00:00.000Z' }, { text: '10.0.0.5:2222' }]);
    expect(table.cells.get('web2')).toEqual([{ text: '' }, { text: 'web2.example.net' }]);
    // Keys move the cursor: the table is not rebuilt.
    expect(inventoryTable(keys(s, 'j', 'j', 'k'))).toBe(table);
    // New inventory: a new table.
    expect(inventoryTable(withInventory(s))).not.toBe(table);
  });

  it('drops a column no host has a value for, and the least wanted first when room is short', () => {
    const s = withInventory(init({ columns: ['address', 'no-such-switch', 'deployed'] }));
    const table = inventoryTable(s);
    expect(table.columns.map((c) => c.key)).toEqual(['address', 'deployed']);
    const [address, deployed] = table.columns;
    expect(fittingColumns(table.columns, 1 + address!.width + 1 + deployed!.width)).toEqual([0, 1]);
    expect(fittingColumns(table.columns, 1 + address!.width)).toEqual([0]);
    expect(fittingColumns(table.columns, 1 + deployed!.width)).toEqual([1]);
    expect(fittingColumns(table.columns, 3)).toEqual([]);
  });

  it('the heading keeps a space between every column label and `snap`, even when a label is as wide as its cells', () => {
    // web1's last deploy cell (`2h ann`) is narrower than its label: the label sets the width.
    const s = reducer(init({ columns: ['address', 'deployed'] }), { type: 'inventory/result', inventory: { web1: { address: '127.0.0.1:34299', lastDeploy: { time: '2026-04-30T12:00:00.000Z', operator: 'ann', ok: true } } } });
    const table = inventoryTable(s);
    const heading = hostHeading('Hosts 2', 60, 10, table.columns);
    expect(heading).toMatch(/status +address +deployed +snap$/);
  });

  it('at 80\u00d724 the list keeps its width (names and badges whole, columns dropped); at 160 columns they are shown', () => {
    const plain = init({ size: { columns: 80, rows: 24 } });
    const s = withInventory(init({ size: { columns: 80, rows: 24 }, columns: ['address', 'deployed'] }));
    expect(paneLayout(s).hostWidth).toBe(paneLayout(plain).hostWidth);
    expect(paneLayout(s).badgeWidth).toBe(paneLayout(plain).badgeWidth);
    expect(paneLayout(s).inventoryShown).toEqual([]);
    const wide = withInventory(init({ size: { columns: 160, rows: 40 }, columns: ['address', 'deployed'] }));
    expect(paneLayout(wide).inventoryShown).toEqual([0, 1]);
    expect(paneLayout(wide).hostWidth).toBeGreaterThan(paneLayout(init({ size: { columns: 160, rows: 40 } })).hostWidth);
  });

  it('loads with the first checks, and a deploy\u2019s host-result sets the host\u2019s last deploy (a dry run or a host left unchanged does not)', async () => {
    let s = init({ columns: ['deployed'] });
    expect(s.outbox.map((e) => e.effect)).toContainEqual({ type: 'load-inventory', hosts: s.hosts.map((h) => h.name) });
    s = withInventory(drained(s));
    s = drained(keys(await checked(s), 'D', 'y'));
    expect(s.ops[0]?.id).toBe('c1');
    s = reducer(s, {
      type: 'op/events',
      items: [
        { local: 'c1', event: ev({ type: 'op-start', kind: 'deploy', hosts: ['web1'], operator: 'alice', dryRun: false }) },
        { local: 'c1', event: ev({ type: 'host-result', host: 'web1', phase: 'done', outcome: 'ok', level: 'info', text: '' }) },
      ],
    });
    expect(s.inventory?.web1).toEqual({ address: '10.0.0.5:2222', lastDeploy: { time, operator: 'alice', ok: true, kind: 'deploy' } });
    expect(inventoryTable(s).cells.get('web1')).toEqual([{ text: 'alice', time }]);

    // A dry run's op-start: its results are no deploy.
    const before = s.inventory;
    const dry = reducer(s, { type: 'op/events', items: [{ local: 'c1', event: ev({ type: 'op-start', kind: 'deploy', hosts: ['web1'], operator: 'mallory', dryRun: true }) }, { local: 'c1', event: ev({ type: 'host-result', host: 'web1', phase: 'done', outcome: 'ok', level: 'info', text: '' }) }] });
    expect(dry.inventory).toBe(before);
    const unchanged = reducer(s, { type: 'op/events', items: [{ local: 'c1', event: ev({ type: 'op-start', kind: 'deploy', hosts: ['web1'], operator: 'mallory', dryRun: false }) }, { local: 'c1', event: ev({ type: 'host-result', host: 'web1', phase: 'done', outcome: 'unchanged', level: 'info', text: '' }) }] });
    expect(unchanged.inventory).toBe(before);
  });
});
