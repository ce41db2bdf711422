/** SnapshotTimes: one read of every host's newest snapshot for a burst of checks. */
import { describe, expect, it } from 'vitest';
import { SnapshotTimes } from '../../../src/core/ops/snapshotTimes.js';

function counted(times: Record<string, string>[]) {
  const calls = { n: 0 };
  const load = () => {
    const value = times[Math.min(calls.n, times.length - 1)]!;
    calls.n++;
    return Promise.resolve(value);
  };
  return { calls, load };
}

describe('SnapshotTimes', () => {
  it('answers 2,000 checks started together from one read, each with its own host', async () => {
    const { calls, load } = counted([{ h1: '2026-01-01T00:00:00.000Z', h7: '2026-02-01T00:00:00.000Z' }]);
    let now = 0;
    const times = new SnapshotTimes(load, 1000, () => now);
    const hosts = Array.from({ length: 2000 }, (_, i) => `h${i}`);
    const answers = await Promise.all(hosts.map((h) => times.of(h)));
    expect(calls.n).toBe(1);
    expect(answers[1]).toBe('2026-01-01T00:00:00.000Z');
    expect(answers[7]).toBe('2026-02-01T00:00:00.000Z');
    expect(answers.filter((a) => a !== undefined)).toHaveLength(2);
    now = 1000;
    await times.of('h1');
    expect(calls.n).toBe(1);
  });

  it('reads again once the read is older than maxAgeMs, and after forget()', async () => {
    const { calls, load } = counted([{ h1: 'first' }, { h1: 'second' }, { h1: 'third' }]);
    let now = 0;
    const times = new SnapshotTimes(load, 1000, () => now);
    expect(await times.of('h1')).toBe('first');
    now = 1001;
    expect(await times.of('h1')).toBe('second');
    expect(calls.n).toBe(2);
    times.forget();
    expect(await times.of('h1')).toBe('third');
    expect(calls.n).toBe(3);
  });

  it('does not keep a read that failed: the next check reads again', async () => {
    let n = 0;
    const times = new SnapshotTimes(() => (n++ === 0 ? Promise.reject(new Error('store locked')) : Promise.resolve({ h1: 'ok' })), 1000, () => 0);
    await expect(times.of('h1')).rejects.toThrow('store locked');
    expect(await times.of('h1')).toBe('ok');
    expect(n).toBe(2);
  });
});
