/**
 * The title's host counts kept by the reducer: a batch of check results adjusts the tally by
 * the hosts it changed (no recount of the fleet per frame), and the counts always equal a
 * fresh count of the state, whatever the batch holds.
 */
import { describe, expect, it } from 'vitest';
import type { HostCheck, HostStatus, HostSummary } from '../../src/core/ops/session.js';
import { hostCounts, type HostCounts } from '../../src/console/state/hostCounts.js';
import { initialState } from '../../src/console/state/init.js';
import { reducer } from '../../src/console/state/reducer.js';
import type { Action, AppState } from '../../src/console/state/types.js';

const N = 2000;
const hosts: HostSummary[] = Array.from({ length: N }, (_, i) => ({ name: `node${String(i).padStart(4, '0')}`, switches: 0, excludes: 0, values: {} }));
const fresh = () => initialState({ repo: '/srv/fleet', hosts, size: { columns: 120, rows: 40 } });

/** Counted from scratch, the way the title counted before the tally. */
function counted(state: AppState): HostCounts {
  return hostCounts({ ...state, tally: undefined });
}

const STATUSES: HostStatus[] = [
  { kind: 'in-sync' },
  { kind: 'pending', count: 2 },
  { kind: 'drifted', count: 1 },
  { kind: 'unreachable', error: 'ssh: connect to host 127.0.0.1 port 9: Connection refused' },
  { kind: 'failed', error: 'x' },
  { kind: 'config-error', error: 'y' },
  { kind: 'locked', by: 'bob@jump', since: '2026-01-01T00:00:00Z' } as HostStatus,
];

/** A small deterministic random generator (tests are repeatable). */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
}

const result = (host: string, status: HostStatus): Action => ({ type: 'check/result', check: { host, status } as HostCheck });

describe('host counts kept by the reducer', () => {
  it('2,000 refused hosts checked in batches: the title counts every frame right, from the tally', () => {
    let s = fresh();
    expect(hostCounts(s)).toEqual({ pending: 0, failing: 0, checking: N });
    const refused: HostStatus = { kind: 'unreachable', error: 'refused' };
    for (let i = 0; i < N; i += 250) {
      const batch: Action[] = [];
      for (let j = i; j < i + 250; j++) batch.push({ type: 'check/start', host: hosts[j]!.name });
      for (let j = i; j < i + 200; j++) batch.push(result(hosts[j]!.name, refused));
      s = reducer(s, { type: 'batch', actions: batch });
      // The state carries the counts of its own status table: nothing to recount at render.
      expect(s.tally?.status).toBe(s.status);
      expect(s.tally?.hosts).toBe(s.hosts);
      expect(hostCounts(s)).toEqual(counted(s));
    }
    expect(hostCounts(s)).toEqual({ pending: 0, failing: 1600, checking: 400 });
  });

  it('adjusts the tally by the hosts a batch changed, not by counting the fleet again', () => {
    const s = fresh();
    // A tally that claims other counts for this very status table: a batch adjusts it, so the claim shows through.
    const claimed: AppState = { ...s, tally: { status: s.status, hosts: s.hosts, counts: { pending: 100, failing: 100, checking: 100 } } };
    const next = reducer(claimed, { type: 'batch', actions: [result('node0001', { kind: 'pending', count: 1 }), result('node0002', { kind: 'in-sync' }), result('node0001', { kind: 'unreachable', error: 'e' })] });
    expect(hostCounts(next)).toEqual({ pending: 100, failing: 101, checking: 98 });
    // Any other change of the status table (here: a single result outside a batch) is counted afresh.
    const single = reducer(next, result('node0003', { kind: 'in-sync' }));
    expect(hostCounts(single)).toEqual(counted(single));
    expect(hostCounts(single)).toEqual({ pending: 0, failing: 1, checking: N - 3 });
  });

  it('matches a fresh count after any mix of batches, single results, unknown hosts and a host list change', () => {
    const rand = random(13);
    let s = fresh();
    for (let round = 0; round < 60; round++) {
      const batch: Action[] = [];
      const size = 1 + rand(80);
      for (let k = 0; k < size; k++) {
        const host = rand(20) === 0 ? `gone${rand(5)}` : hosts[rand(N)]!.name;
        batch.push(rand(3) === 0 ? { type: 'check/start', host } : result(host, STATUSES[rand(STATUSES.length)]!));
      }
      if (rand(4) === 0) batch.push({ type: 'check/error', host: hosts[rand(N)]!.name, error: 'boom', time: '2026-01-01T00:00:00Z' });
      s = reducer(s, { type: 'batch', actions: batch });
      if (rand(10) === 0) s = reducer(s, result(hosts[rand(N)]!.name, STATUSES[rand(STATUSES.length)]!));
      if (round === 30) s = reducer(s, { type: 'hosts/loaded', hosts: hosts.slice(0, N - 100) });
      expect(hostCounts(s)).toEqual(counted(s));
    }
  });
});
