/** The column chooser (state/columnChooser.ts): pure, over a state with hosts and the `columns` preference. */
import { describe, expect, it } from 'vitest';
import { columnCandidates, openColumns, toggleColumn } from '../../src/console/state/columnChooser.js';
import { initialState } from '../../src/console/state/init.js';
import { choiceWindow } from '../../src/console/components/ChoiceList.js';
import type { HostSummary } from '../../src/core/ops/session.js';

const host = (name: string, values: Record<string, string>) => ({ name, values }) as unknown as HostSummary;
const hosts = [host('a', { role: 'web', env: 'prod' }), host('b', { role: 'db' }), host('c', { rack: 'r1', role: 'db', env: 'dev', token: '' })];
const state = () => initialState({ repo: '/r', hosts, size: { columns: 120, rows: 30 }, columns: ['deployed'] });

describe('column chooser', () => {
  it('lists the chosen columns first, then address and deployed, then switches by how many hosts set them (a secret, which comes without its value, never)', () => {
    expect(columnCandidates(state())).toEqual(['deployed', 'address', 'role', 'env', 'rack']);
  });

  it('opens with each column marked, and says what Enter does', () => {
    const s = openColumns(state());
    expect(s.choice?.items.map((i) => i.label)).toEqual(['[x] deployed', '[ ] address', '[ ] role', '[ ] env', '[ ] rack']);
    expect(s.choice?.items[2]?.detail).toBe('hidden: Enter shows the switch role (set on 3 of 3 hosts), after the others');
    expect(s.choice?.items[0]?.detail).toMatch(/^shown \(1st\): Enter hides the last deploy/);
  });

  it('toggling appends a shown column, removes a hidden one, and keeps the rows and the highlight in place', () => {
    let s = openColumns(state());
    s = toggleColumn({ ...s, choice: { ...s.choice!, index: 3 } }, 'env');
    expect(s.columns).toEqual(['deployed', 'env']);
    expect(s.choice?.index).toBe(3);
    expect(s.choice?.items.map((i) => i.label)).toEqual(['[x] deployed', '[ ] address', '[ ] role', '[x] env', '[ ] rack']);
    s = toggleColumn({ ...s, choice: { ...s.choice!, index: 0 } }, 'deployed');
    expect(s.columns).toEqual(['env']);
    expect(s.choice?.items.map((i) => i.label)).toEqual(['[ ] deployed', '[ ] address', '[ ] role', '[x] env', '[ ] rack']);
  });
});

describe('the choice widget\u2019s window', () => {
  it('shows every item when they fit, else a window around the highlighted one with how many more above and below', () => {
    expect(choiceWindow(5, 4, 5)).toEqual({ first: 0, last: 5, above: 0, below: 0 });
    expect(choiceWindow(32, 0, 12)).toEqual({ first: 0, last: 10, above: 0, below: 22 });
    expect(choiceWindow(32, 20, 12)).toEqual({ first: 15, last: 25, above: 15, below: 7 });
    expect(choiceWindow(32, 31, 12)).toEqual({ first: 22, last: 32, above: 22, below: 0 });
    for (let i = 0; i < 32; i++) {
      const w = choiceWindow(32, i, 12);
      expect(i >= w.first && i < w.last).toBe(true);
      expect(w.last - w.first).toBe(10);
    }
  });
});
