/** Typing a host filter (keys/filter.ts) and the filter terms it is parsed into (select.ts). */
import { describe, expect, it } from 'vitest';
import { activeContexts, matchesFilter, paneLayout, parseFilter, visibleHosts } from '../../../src/console/state/select.js';
import { HOSTS, init, keys, typed } from '../../helpers/reducerTesting.js';

describe('host list: filter', () => {
  it('parses and matches name words and switch=value terms', () => {
    const web1 = HOSTS.find((h) => h.name === 'web1')!;
    expect(parseFilter(' role=web  web ')).toEqual([
      { kind: 'switch', name: 'role', value: 'web', negate: false },
      { kind: 'name', name: 'web', value: '', negate: false },
    ]);
    expect(matchesFilter(web1, parseFilter('WEB'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=web'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=db'))).toBe(false);
    expect(matchesFilter(web1, parseFilter('role!=db'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('env=pr*'))).toBe(true);
    expect(matchesFilter(web1, parseFilter('role=web db'))).toBe(false);
  });

  it('filters as you type and keeps a visible selection', () => {
    let s = keys(init(), '/');
    expect(activeContexts(s)).toEqual(['filter']);
    s = typed(s, 'db');
    expect(visibleHosts(s).map((h) => h.name)).toEqual(['db1']);
    expect(s.selected).toBe('db1');
    s = keys(s, '<bs>', '<bs>');
    s = typed(s, 'role=web');
    // bad1 inherits role=web from the default switches
    expect(visibleHosts(s).map((h) => h.name)).toEqual(['web1', 'web2', 'web3', 'bad1', 'gone1', 'busy1']);
    expect(s.selected).toBe('web1'); // db1 is filtered out: the first match is selected
    s = keys(s, '<enter>');
    expect(s.filter).toEqual({ text: 'role=web', editing: false });
    expect(activeContexts(s)[0]).toBe('hosts');
    expect(paneLayout(s).filterBar).toBe(true);
    s = keys(s, '<esc>');
    expect(s.filter.text).toBe('');
    expect(visibleHosts(s)).toHaveLength(HOSTS.length);
  });

  it('selects the first match when the selection is filtered out', () => {
    const s = typed(keys(init(), '/'), 'cache');
    expect(s.selected).toBe('cache1');
  });
});
