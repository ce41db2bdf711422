/** The host list by status and in another order: `/pending`, `/status=drifted`, `/unreachable`; `s` cycles name, status, last change. */
import { describe, expect, it } from 'vitest';
import { reducer } from '../../../src/console/state/reducer.js';
import { visibleHosts } from '../../../src/console/state/select.js';
import { checked, init, keys, typed } from '../../helpers/reducerTesting.js';

const names = (s: Parameters<typeof visibleHosts>[0]) => visibleHosts(s).map((h) => h.name);

describe('host list: status filter and sort', () => {
  it('filters by status words and status=, with names and switches', async () => {
    const s = await checked(init());
    const statuses = Object.fromEntries(Object.entries(s.status).map(([h, st]) => [h, st.kind]));
    expect(statuses).toMatchObject({ web1: 'pending', db1: 'drifted', gone1: 'unreachable', busy1: 'locked', web2: 'in-sync' });
    const f = (text: string) => names(keys(typed(keys(s, '/'), text), '<enter>'));
    expect(f('pending')).toEqual(['web1', 'web3', 'db1', 'lb1', 'big1']); // drifted hosts have pending changes too
    expect(f('status=drifted')).toEqual(['db1']);
    expect(f('unreachable')).toEqual(['gone1']);
    expect(f('locked')).toEqual(['busy1']);
    expect(f('status!=in-sync web')).toEqual(['web1', 'web3']);
    expect(f('pending role=db')).toEqual(['db1']);
  });

  it('follows status changes while a status filter applies', async () => {
    let s = await checked(init());
    s = keys(typed(keys(s, '/'), 'unreachable'), '<enter>');
    expect(names(s)).toEqual(['gone1']);
    s = reducer(s, { type: 'check/result', check: { host: 'web2', status: { kind: 'unreachable', error: 'web2: ssh: connect to host web2 port 22: Connection refused' } } });
    expect(names(s)).toEqual(['web2', 'gone1']);
  });

  it('s cycles the order: name, status (worst first), last change (newest first)', async () => {
    let s = await checked(init());
    const byName = names(s);
    expect(s.sort).toBe('name');
    s = keys(s, 's');
    expect(s.sort).toBe('status');
    const byStatus = names(s);
    expect(byStatus.slice(0, 3)).toEqual(['bad1', 'gone1', 'busy1']); // config error, unreachable, locked
    expect(byStatus.indexOf('db1')).toBeLessThan(byStatus.indexOf('web1')); // drifted before pending
    expect(byStatus.indexOf('web1')).toBeLessThan(byStatus.indexOf('web2')); // pending before in sync
    s = reducer(s, { type: 'inventory/result', inventory: { web2: { lastDeploy: { time: '2026-05-01T11:59:00Z', operator: 'carol', ok: true } } } });
    s = keys(s, 's');
    expect(s.sort).toBe('change');
    expect(names(s)[0]).toBe('web2');
    s = keys(s, 's');
    expect(names(s)).toEqual(byName);
    expect(s.selected).toBe('web1');
  });
});
