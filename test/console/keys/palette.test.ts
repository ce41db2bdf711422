/** The `:` command palette (keys/palette.ts, state/palette.ts): generated from the keymap, it owns the keys while open. */
import { describe, expect, it } from 'vitest';
import { KEYMAP, MODAL_CONTEXTS } from '../../../src/console/keymap.js';
import { paletteItems } from '../../../src/console/state/palette.js';
import { activeContexts } from '../../../src/console/state/select.js';
import { drained, effects, init, keys, typed } from '../../helpers/reducerTesting.js';

describe('command palette', () => {
  it('lists every command of the keymap outside the modal layers (the tabs one by one), nothing else', () => {
    const s = keys(init(), ':');
    expect(activeContexts(s)).toEqual(['palette']);
    const items = paletteItems(s);
    const commands = new Set(items.map((i) => i.command));
    const expected = KEYMAP.filter((b) => b.contexts.some((c) => !MODAL_CONTEXTS.includes(c))).map((b) => b.command);
    expect([...commands].sort()).toEqual([...new Set(expected)].sort());
    for (const action of ['deploy', 'snapshot', 'history', 'rollback', 'break-lock', 'refresh', 'undo'] as const) expect(commands.has(action), action).toBe(true);
    expect(items.filter((i) => i.command === 'tab').map((i) => i.label)).toEqual(['Tab 1: Switches', 'Tab 2: Excludes', 'Tab 3: Files', 'Tab 4: Diff', 'Tab 5: History']);
    // What works in the host list comes first; the rest says where it works.
    const firstUnavailable = items.findIndex((i) => !i.available);
    expect(items.slice(0, firstUnavailable).every((i) => i.available)).toBe(true);
    expect(items.find((i) => i.command === 'rollback')).toMatchObject({ available: false, where: 'history, rollback preview' });
  });

  it('owns the keys while open: letters filter (q does not quit), arrows move, Esc closes', () => {
    let s = typed(keys(drained(init()), ':'), 'quit');
    expect(s.quitting).toBe(false);
    expect(s.palette?.text).toBe('quit');
    expect(paletteItems(s).map((i) => i.command)).toEqual(['quit', 'interrupt']);
    s = keys(s, '<down>');
    expect(s.palette?.index).toBe(1);
    s = keys(s, '<down>');
    expect(s.palette?.index).toBe(0); // wraps
    s = keys(s, '<bs>', '<bs>', '<bs>', '<bs>');
    expect(paletteItems(s).length).toBeGreaterThan(30);
    s = keys(s, '<esc>');
    expect(s.palette).toBeUndefined();
    expect(activeContexts(s)).toEqual(['hosts', 'global']);
    expect(effects(s)).toEqual([]);
  });

  it('Enter runs the highlighted command where the user was: snapshot asks first, as S does', () => {
    let s = typed(keys(drained(init()), ':'), 'snapshot the');
    expect(paletteItems(s)[0]?.command).toBe('snapshot');
    s = keys(s, '<enter>');
    expect(s.palette).toBeUndefined();
    expect(s.confirm?.title).toBe('Snapshot 1 host: web1?');
  });

  it('runs a tab by its digit, and says where a command works when it does not work here', () => {
    let s = typed(keys(drained(init()), ':'), 'tab 5');
    s = keys(s, '<enter>');
    expect(s.tab).toBe('history');
    expect(s.focus).toBe('detail');
    s = typed(keys(drained(init()), ':'), 'roll back to the selected');
    s = keys(s, '<enter>');
    expect(s.confirm).toBeUndefined();
    expect(s.notice).toBe('r: Roll back to the selected snapshot (asks first) \u2014 works in history, rollback preview');
  });
});
