import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseShard, selectShard, shardOf } from '../../../src/core/fleet/shard.js';

const names = (n: number, prefix = 'host') => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}.example.net`);

/** Every shard of `hosts` among `count`. */
function shards(hosts: string[], count: number): string[][] {
  return Array.from({ length: count }, (_, k) => selectShard(hosts, { index: k + 1, count }));
}

describe('--shard K/N', () => {
  it('shards of 1,000 names are disjoint, cover every host once, and are balanced', () => {
    const hosts = names(1000);
    for (const count of [1, 2, 3, 7, 16]) {
      const parts = shards(hosts, count);
      const all = parts.flat();
      expect(all, `N=${count}`).toHaveLength(hosts.length);
      expect(new Set(all).size, `N=${count}`).toBe(hosts.length);
      expect([...all].sort()).toEqual([...hosts].sort());
      // Balanced like a fair random draw: every shard within 4 standard deviations of the mean.
      const mean = hosts.length / count;
      const sigma = Math.sqrt(hosts.length * (1 / count) * (1 - 1 / count));
      for (const p of parts) {
        expect(Math.abs(p.length - mean), `N=${count}`).toBeLessThanOrEqual(4 * sigma);
      }
      // Order within a shard is the inventory's order.
      for (const p of parts) {
        const inShard = new Set(p);
        expect(p).toEqual(hosts.filter((h) => inShard.has(h)));
      }
    }
  });

  it('adding one host changes only the shard it joins', () => {
    const hosts = names(1000);
    const count = 8;
    const before = shards(hosts, count);
    const added = 'newcomer.example.net';
    const after = shards([...hosts, added], count);
    const home = shardOf(added, count);
    for (let k = 0; k < count; k++) {
      if (k + 1 === home) expect(after[k]).toEqual([...(before[k] as string[]), added]);
      else expect(after[k]).toEqual(before[k]);
    }
  });

  it('going from N to N+1 shards moves only about 1/(N+1) of the hosts, all to the new shard', () => {
    const hosts = names(1000);
    const n = 8;
    const moved = hosts.filter((h) => shardOf(h, n) !== shardOf(h, n + 1));
    for (const h of moved) expect(shardOf(h, n + 1)).toBe(n + 1);
    expect(moved.length).toBeGreaterThan(1000 / (n + 1) / 2);
    expect(moved.length).toBeLessThan((1000 / (n + 1)) * 1.5);
  });

  it('is stable across runs: the shard depends on the name only', () => {
    // Pinned values: a change of the hash would silently reshuffle every CI matrix and Job.
    expect(['web1', 'web2', 'db1', 'mail1', 'a', 'b', 'c', 'd'].map((h) => shardOf(h, 4))).toEqual([3, 3, 3, 2, 4, 3, 1, 3]);
    const first = names(50).map((h) => shardOf(h, 5));
    const again = names(50).map((h) => shardOf(h, 5));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });

  it('parses K/N and explains bad values', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', 'x', '1', '1/2/3', '-1/4', '']) {
      expect(() => parseShard(bad), bad).toThrow(ConfigError);
    }
    expect(() => parseShard('0/4')).toThrow(/counted from 1.*JOB_COMPLETION_INDEX \+ 1\)\)\/4/);
  });
});
