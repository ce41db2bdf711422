import { describe, expect, it } from 'vitest';
import { KEYMAP, MODAL_CONTEXTS, helpRows, keyPress, keyPresses, keymapMarkdown, resolveKey, splitKeys, type Context } from '../../src/console/keymap.js';
import { hintItems } from '../../src/console/components/HintBar.js';
import { initialState } from '../../src/console/state/init.js';
import { command } from '../../src/console/state/reducer.js';

const CONTEXTS: Context[] = ['hosts', 'switches', 'excludes', 'files', 'diff', 'history', 'preview', 'log', 'filter', 'confirm', 'help'];

/** The contexts active together: a modal alone, or a pane plus the global bindings. */
function activeSet(context: Context): Context[] {
  return MODAL_CONTEXTS.includes(context) ? [context] : [context, 'global'];
}

describe('keymap table', () => {
  it('binds each key to at most one command wherever it applies', () => {
    for (const context of CONTEXTS) {
      const seen = new Map<string, string>();
      for (const binding of KEYMAP) {
        if (!binding.contexts.some((c) => activeSet(context).includes(c))) continue;
        for (const key of binding.keys) {
          const other = seen.get(key);
          expect(other, `${key} in ${context}: ${other} and ${binding.command}`).toBeUndefined();
          seen.set(key, binding.command);
        }
      }
    }
  });

  it('has the defaults of the issue', () => {
    const cmd = (key: string, context: Context) => resolveKey(keyPress(key, {}) ?? { name: key }, activeSet(context))?.command;
    expect(cmd('j', 'hosts')).toBe('down');
    expect(cmd('k', 'diff')).toBe('up');
    expect(cmd('g', 'log')).toBe('top');
    expect(cmd('G', 'history')).toBe('bottom');
    expect(resolveKey({ name: 'pagedown' }, ['diff', 'global'])?.command).toBe('page-down');
    expect(resolveKey({ name: 'tab' }, ['hosts', 'global'])?.command).toBe('next-pane');
    expect(resolveKey({ name: 'shift-tab' }, ['hosts', 'global'])?.command).toBe('prev-pane');
    for (const digit of ['1', '2', '3', '4', '5']) expect(cmd(digit, 'hosts')).toBe('tab');
    expect(resolveKey({ name: 'enter' }, ['hosts', 'global'])?.command).toBe('open');
    expect(resolveKey({ name: 'escape' }, ['diff', 'global'])?.command).toBe('back');
    expect(cmd('/', 'hosts')).toBe('filter');
    expect(resolveKey({ name: 'space', text: ' ' }, ['hosts', 'global'])?.command).toBe('mark');
    expect(cmd('d', 'hosts')).toBe('diff');
    expect(cmd('v', 'diff')).toBe('layout');
    expect(cmd('n', 'diff')).toBe('next-hunk');
    expect(cmd('N', 'preview')).toBe('prev-hunk');
    expect(cmd(']', 'diff')).toBe('next-file');
    expect(cmd('[', 'diff')).toBe('prev-file');
    expect(cmd('D', 'files')).toBe('deploy');
    expect(cmd('S', 'hosts')).toBe('snapshot');
    expect(cmd('r', 'hosts')).toBe('history');
    expect(cmd('r', 'history')).toBe('rollback');
    expect(cmd('y', 'confirm')).toBe('yes');
    expect(cmd('n', 'confirm')).toBe('no');
    expect(cmd('l', 'diff')).toBe('focus-log');
    expect(cmd('f', 'hosts')).toBe('follow');
    expect(cmd('+', 'hosts')).toBe('log-grow');
    expect(cmd('-', 'hosts')).toBe('log-shrink');
    expect(cmd('z', 'log')).toBe('log-zoom');
    expect(cmd('?', 'hosts')).toBe('help');
    expect(cmd('q', 'hosts')).toBe('quit');
    expect(resolveKey({ name: 'ctrl-c' }, ['filter'])?.command).toBe('interrupt');
  });

  it('sends typed text to the filter, not to commands', () => {
    for (const key of ['q', 'd', 'j', '?', 'D', 'role=web']) {
      expect(resolveKey(keyPress(key, {})!, ['filter'])?.command, key).toBe('filter-type');
    }
    expect(resolveKey({ name: 'backspace' }, ['filter'])?.command).toBe('filter-erase');
    expect(resolveKey({ name: 'enter' }, ['filter'])?.command).toBe('filter-accept');
    expect(resolveKey({ name: 'escape' }, ['filter'])?.command).toBe('filter-clear');
  });

  it('ignores keys that mean nothing where the user is', () => {
    expect(resolveKey({ name: 'y', text: 'y' }, ['hosts', 'global'])).toBeUndefined();
    expect(resolveKey({ name: 'v', text: 'v' }, ['hosts', 'global'])).toBeUndefined();
    expect(resolveKey({ name: 'D', text: 'D' }, ['confirm'])).toBeUndefined();
  });

  it('normalizes Ink key events', () => {
    expect(keyPress('', { upArrow: true })).toEqual({ name: 'up' });
    expect(keyPress('', { tab: true, shift: true })).toEqual({ name: 'shift-tab' });
    expect(keyPress('', { delete: true })).toEqual({ name: 'backspace' });
    expect(keyPress('c', { ctrl: true })).toEqual({ name: 'ctrl-c' });
    expect(keyPress(' ', {})).toEqual({ name: 'space', text: ' ' });
    expect(keyPress('G', { shift: true })).toEqual({ name: 'G', text: 'G' });
    expect(keyPress('\u0007', {})).toBeUndefined();
    expect(keyPress('x', { meta: true })).toBeUndefined();
  });

  it('splits characters that arrive together into key presses', () => {
    expect(keyPresses('/db', {})).toEqual([
      { name: '/', text: '/' },
      { name: 'd', text: 'd' },
      { name: 'b', text: 'b' },
    ]);
    expect(keyPresses('j j', {}).map((p) => p.name)).toEqual(['j', 'space', 'j']);
    expect(keyPresses('', { upArrow: true })).toEqual([{ name: 'up' }]);
    expect(keyPresses('\u0007', {})).toEqual([]);
  });

  it('every command runs in the reducer without throwing', () => {
    const state = initialState({ repo: '/r', hosts: [{ name: 'a', switches: 0, excludes: 0, values: {} }], size: { columns: 80, rows: 24 } });
    for (const binding of KEYMAP) {
      expect(() => command(state, binding.command, { name: binding.keys[0] ?? '', text: 'x' })).not.toThrow();
    }
  });

  it('generates the help rows and the README table from the same table', () => {
    const rows = helpRows();
    expect(rows).toHaveLength(KEYMAP.length);
    const markdown = keymapMarkdown();
    expect(markdown.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(KEYMAP.length);
    expect(markdown).toContain('| `D` | Deploy the selected or marked hosts (asks first) | anywhere |');
    expect(markdown).toContain('`1…5`');
  });

  it('hint bar shows only keys that apply now', () => {
    const inConfirm = hintItems(['confirm']).map((h) => h.label);
    expect(inConfirm).toEqual(expect.arrayContaining(['yes', 'no']));
    expect(inConfirm).not.toContain('deploy');
    const inDiff = hintItems(['diff', 'global']).map((h) => h.label);
    expect(inDiff).toEqual(expect.arrayContaining(['layout', 'hunk', 'file', 'deploy', 'help']));
    expect(inDiff).not.toContain('mark');
  });

  it('splits coalesced raw input holding Enter, Backspace, Esc and escape sequences into keys', () => {
    expect(keyPresses('/web1\r', {}).map((p) => p.name)).toEqual(['/', 'w', 'e', 'b', '1', 'enter']);
    expect(splitKeys('ab\x7f\tq').map((p) => p.name)).toEqual(['a', 'b', 'backspace', 'tab', 'q']);
    expect(splitKeys('\x1b[Aj\x1b[6~\x1b[Z\x1b').map((p) => p.name)).toEqual(['up', 'j', 'pagedown', 'shift-tab', 'escape']);
    expect(splitKeys('\x1b[1;5Cx').map((p) => p.name)).toEqual(['x']); // unbound sequence skipped whole
    expect(splitKeys('\x0c').map((p) => p.name)).toEqual(['ctrl-l']);
  });
});
