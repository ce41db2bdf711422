/** Keys that work in every pane (keys/global.ts): panes, tabs and their loads, help, the log pane’s size, the layout. */
import { describe, expect, it } from 'vitest';
import { activeContexts, paneLayout } from '../../../src/console/state/select.js';
import { drained, effects, init, keys } from '../../helpers/reducerTesting.js';
import { reducer } from '../../../src/console/state/reducer.js';

describe('focus, tabs, loads', () => {
  it('cycles panes with Tab / Shift-Tab and picks tabs with digits', () => {
    let s = init();
    expect(s.focus).toBe('hosts');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('detail');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('log');
    s = keys(s, '<tab>');
    expect(s.focus).toBe('hosts');
    s = keys(s, '<s-tab>');
    expect(s.focus).toBe('log');
    s = keys(s, '1');
    expect(s.tab).toBe('switches');
    expect(s.focus).toBe('detail');
    expect(activeContexts(s)).toEqual(['switches', 'global']);
  });

  it('loads a plan once per host and a history when its tab shows', () => {
    let s = drained(init());
    s = keys(s, '1');
    expect(effects(s)).toEqual([{ type: 'load-plan', host: 'web1' }]);
    expect(s.plans.web1).toEqual({ state: 'loading' });
    s = drained(keys(s, '2', '3'));
    expect(effects(s)).toEqual([]);
    s = keys(s, '5');
    expect(effects(s)).toEqual(expect.arrayContaining([{ type: 'load-history', host: 'web1' }]));
    s = reducer(s, { type: 'plan/error', host: 'web1', error: 'bad template' });
    expect(s.plans.web1).toEqual({ state: 'error', error: 'bad template' });
  });

  it('toggles help, zooms and resizes the log pane within bounds', () => {
    let s = keys(init(), '?');
    expect(activeContexts(s)).toEqual(['help']);
    s = keys(s, 'j');
    expect(s.help.top).toBe(1);
    s = keys(s, '<esc>');
    expect(s.help.open).toBe(false);
    const h = s.logHeight;
    s = keys(s, '+');
    expect(s.logHeight).toBe(h + 1);
    for (let i = 0; i < 50; i++) s = keys(s, '+');
    expect(paneLayout(s).mainHeight).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 80; i++) s = keys(s, '-');
    expect(s.logHeight).toBe(0);
    s = keys(s, 'z');
    expect(s.logZoom).toBe(true);
    expect(paneLayout(s).showMain).toBe(false);
    expect(activeContexts(s)[0]).toBe('log');
    s = keys(s, 'z');
    expect(s.logZoom).toBe(false);
  });

  it('w widens the detail pane while the host list is not focused', () => {
    let s = keys(init(), 'w');
    expect(s.wide).toBe(true);
    expect(s.focus).toBe('detail');
    expect(paneLayout(s)).toMatchObject({ showHosts: false, detailWidth: 80 });
    s = keys(s, '<esc>');
    expect(paneLayout(s)).toMatchObject({ showHosts: true, detailWidth: 80 - paneLayout(s).hostWidth - 1 });
    s = keys(s, 'w');
    expect(s.wide).toBe(false);
  });

  it('computes a layout that fits 80×24 and 200×50', () => {
    for (const size of [
      { columns: 80, rows: 24 },
      { columns: 200, rows: 50 },
    ]) {
      const l = paneLayout({ ...init(), size });
      expect(l.rows).toBe(size.rows);
      expect(1 + l.mainHeight + l.logHeight + 1).toBe(l.rows);
      expect(l.hostWidth + 1 + l.detailWidth).toBe(size.columns);
      expect(l.tooSmall).toBe(false);
    }
    expect(paneLayout({ ...init(), size: { columns: 30, rows: 8 } }).tooSmall).toBe(true);
  });
});
