/** `D` on hosts whose check has not finished: checked first; a host whose check fails is left out, never deployed as "0+ files … not checked yet". */
import { describe, expect, it } from 'vitest';
import { reducer } from '../../../src/console/state/reducer.js';
import { drained, effects, fake, init, keys } from '../../helpers/reducerTesting.js';

describe('D before the checks are in', () => {
  it('checks the host first and lists exactly its files once the check is in', async () => {
    let s = drained(init());
    s = keys(s, 'D');
    expect(s.confirm).toBeUndefined();
    expect(effects(s)).toEqual([{ type: 'check', hosts: ['web1'], priority: true }]);
    s = reducer(drained(s), { type: 'check/result', check: await fake.check('web1') });
    expect(s.confirm?.title).toBe('Deploy 3 files to 1 host: web1?');
  });

  it('a host whose check fails is left out and named, never offered as "0+ files … not checked yet"', async () => {
    let s = drained(init());
    s = keys(s, ' ', ' ', 'D'); // web1 and web2 marked
    expect(s.pendingDeploy?.hosts).toEqual(['web1', 'web2']);
    s = reducer(s, { type: 'check/error', host: 'web2', error: 'web2: reading /etc/motd: Permission denied', time: '2026-05-01T12:00:00Z' });
    expect(s.confirm).toBeUndefined(); // web1 is still being checked
    s = reducer(s, { type: 'check/result', check: await fake.check('web1') });
    const text = [s.confirm?.title, ...(s.confirm?.lines ?? [])].join('\n');
    expect(s.confirm?.title).toBe('Deploy 3 files to 1 host: web1?');
    expect(text).toContain('left out: web2 \u2014 the check failed: reading /etc/motd: Permission denied (its changes cannot be shown)');
    expect(text).not.toMatch(/\+ files|not checked yet/);
    expect(keys(s, 'y').ops[0]?.hosts).toEqual(['web1']);
  });

  it('when every host\u2019s check fails, says so instead of a dialog', () => {
    let s = keys(drained(init()), 'D');
    s = reducer(s, { type: 'check/error', host: 'web1', error: 'web1: sudo: a password is required', time: '2026-05-01T12:00:00Z' });
    expect(s.confirm).toBeUndefined();
    expect(s.pendingDeploy).toBeUndefined();
    expect(s.notice).toBe('cannot deploy web1: the check failed: sudo: a password is required');
  });
});
