/** The handler table (state/reducer.ts): every binding of the keymap has a handler in its context, looked up where the key matched. */
import { describe, expect, it } from 'vitest';
import { KEYMAP, type Context } from '../../../src/console/keymap.js';
import { command, handlerFor, reducer } from '../../../src/console/state/reducer.js';
import { activeContexts } from '../../../src/console/state/select.js';
import type { AppState } from '../../../src/console/state/types.js';
import { drained, fake, init, keys } from '../../helpers/reducerTesting.js';

/** A state in which the context is active. */
function inContext(context: Context): AppState {
  switch (context) {
    case 'global':
    case 'hosts':
      return init();
    case 'switches':
      return keys(init(), '1');
    case 'excludes':
      return keys(init(), '2');
    case 'files':
      return keys(init(), '3');
    case 'diff':
      return keys(init(), '4');
    case 'history':
      return keys(init(), '5');
    case 'preview': {
      const s = reducer(drained(keys(init(), '5')), { type: 'history/result', host: 'web1', snapshots: fake.snapshotsOf('web1').slice() });
      return keys(s, '<enter>');
    }
    case 'log':
      return keys(init(), 'l');
    case 'filter':
      return keys(init(), '/');
    case 'confirm':
      return keys(init(), 'S');
    case 'help':
      return keys(init(), '?');
    case 'inspect':
      return { ...init(), inspect: { title: 'a switch', lines: ['value: x'], top: 0 } };
    case 'search':
      return keys(init(), '4', '/');
    case 'palette':
      return keys(init(), ':');
    case 'choice':
      return { ...init(), choice: { title: 'what to do', lines: [], items: [{ label: 'revert', detail: 'deploy it', action: { type: 'revert', host: 'web1', path: '/etc/motd' } }], index: 0 } };
  }
}

const CONTEXTS: Context[] = ['global', 'hosts', 'switches', 'excludes', 'files', 'diff', 'history', 'preview', 'log', 'filter', 'search', 'confirm', 'inspect', 'choice', 'help', 'palette'];

describe('key handler table', () => {
  it('has a handler for every command in every context the keymap binds it, and each runs there', () => {
    let pairs = 0;
    for (const context of CONTEXTS) {
      const state = inContext(context);
      expect(activeContexts(state), context).toContain(context);
      for (const binding of KEYMAP.filter((b) => b.contexts.includes(context))) {
        const handler = handlerFor(context, binding.command);
        expect(handler, `${binding.command} in ${context}`).toBeDefined();
        const after = handler!(state, { name: binding.keys[0] ?? '', text: 'x' });
        expect(after.size, `${binding.command} in ${context}`).toEqual(state.size);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(KEYMAP.length);
  });

  it('runs a key with the handler of the context it matched in', () => {
    // Esc: back to the host list from a tab, closes the help, answers "no" in a dialog.
    expect(keys(keys(init(), '4'), '<esc>').focus).toBe('hosts');
    expect(keys(keys(init(), '?'), '<esc>').help.open).toBe(false);
    expect(keys(keys(init(), 'S'), '<esc>').confirm).toBeUndefined();
    // Ctrl-C in a modal layer: the global handler (nothing runs, so it quits).
    expect(keys(keys(init(), '?'), '<ctrl-c>').quitting).toBe(true);
  });

  it('command() runs a command as its key would where the user is; elsewhere it changes nothing', () => {
    const s = init();
    expect(command(s, 'yes')).toBe(s);
    expect(command(s, 'layout')).toBe(s);
    expect(command(s, 'down').selected).toBe('web2');
    const inHistory = keys(s, '5');
    expect(command(inHistory, 'history')).toBe(inHistory); // r means rollback there
  });
});
