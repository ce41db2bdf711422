/** Keys in the log pane (keys/log.ts). */
import { describe, expect, it } from 'vitest';
import { reducer } from '../../../src/console/state/reducer.js';
import { init, keys } from '../../helpers/reducerTesting.js';

describe('log pane', () => {
  it('log focus scrolls, f toggles follow, G follows again', () => {
    let s = init();
    s = reducer(s, { type: 'log/append', time: '2026-05-01T12:00:00Z', lines: Array.from({ length: 40 }, (_, i) => ({ level: 'info' as const, text: `m${i}` })) });
    s = keys(s, 'l', 'k');
    expect(s.log.follow).toBe(false);
    s = keys(s, 'G');
    expect(s.log.follow).toBe(true);
    s = keys(s, 'f');
    expect(s.log.follow).toBe(false);
  });
});
