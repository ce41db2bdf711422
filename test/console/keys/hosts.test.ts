/** Keys in the host list (keys/hosts.ts): moving, marking; the first selection. */
import { describe, expect, it } from 'vitest';
import { targetHosts, paneLayout } from '../../../src/console/state/select.js';
import { effects, HOSTS, init, keys } from '../../helpers/reducerTesting.js';

describe('host list: selection, marks', () => {
  it('moves the selection with j/k, g/G and pages', () => {
    let s = init();
    expect(s.selected).toBe('web1');
    s = keys(s, 'j', 'j');
    expect(s.selected).toBe('web3');
    s = keys(s, 'G');
    expect(s.selected).toBe(HOSTS[HOSTS.length - 1]!.name);
    s = keys(s, 'g', '<pgdn>');
    expect(s.selected).toBe(HOSTS[Math.min(HOSTS.length - 1, paneLayout(s).hostRows - 1)]!.name);
  });

  it('marks with space (advancing), marks all shown with a, clears with Esc', () => {
    let s = keys(init(), ' ', ' ');
    expect(Object.keys(s.marks)).toEqual(['web1', 'web2']);
    expect(s.selected).toBe('web3');
    expect(targetHosts(s)).toEqual(['web1', 'web2']);
    s = keys(s, 'k', ' ');
    expect(Object.keys(s.marks)).toEqual(['web1']);
    s = keys(s, '/', ...'db', '<enter>', 'a');
    expect(Object.keys(s.marks).sort()).toEqual(['db1', 'web1']);
    s = keys(s, 'a');
    expect(Object.keys(s.marks)).toEqual(['web1']);
    s = keys(s, '<esc>', '<esc>');
    expect(s.marks).toEqual({});
    expect(targetHosts(s)).toEqual([s.selected]);
  });

  it('starts on the last selected host and checks it first', () => {
    const s = init({ lastHost: 'db1' });
    expect(s.selected).toBe('db1');
    const check = effects(s)[0];
    expect(check?.type).toBe('check');
    if (check?.type === 'check') {
      expect(check.hosts[0]).toBe('db1');
      expect(check.hosts).not.toContain('bad1'); // config errors are not checked
    }
    expect(s.status.bad1?.kind).toBe('config-error');
  });
});
