/**
 * `--shard K/N`: a stable 1/N of the hosts, chosen by the host name alone, so N konf
 * processes (a CI matrix, a Kubernetes Indexed Job) together cover the fleet exactly once.
 *
 * Rendezvous (highest random weight) hashing: a host goes to the shard whose hash of
 * (shard, host) is highest. A host's shard depends only on its name and N, so adding or
 * removing a host never moves another one; going from N to N+1 shards moves only the
 * ~1/(N+1) of hosts that the new shard wins.
 */
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

export interface Shard {
  /** 1-based shard number, 1 ≤ index ≤ count. */
  index: number;
  count: number;
}

/** Parses `K/N` (1 ≤ K ≤ N); a ConfigError explains what is wrong. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ConfigError(`--shard takes K/N (shard K of N, counted from 1), e.g. --shard 2/8, not ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 100_000) throw new ConfigError(`--shard ${text}: N must be between 1 and 100000`);
  if (index < 1 || index > count) {
    throw new ConfigError(`--shard ${text}: K must be between 1 and ${count} (shards are counted from 1; a Kubernetes JOB_COMPLETION_INDEX counts from 0, so pass $((JOB_COMPLETION_INDEX + 1))/${count})`);
  }
  return { index, count };
}

/** 64-bit weight of (shard, host). */
function weight(shard: number, host: string): bigint {
  return createHash('sha256').update(`${shard}\0${host}`).digest().readBigUInt64BE(0);
}

/** The 1-based shard a host belongs to among `count` shards. */
export function shardOf(host: string, count: number): number {
  let best = 1;
  let bestWeight = -1n;
  for (let k = 1; k <= count; k++) {
    const w = weight(k, host);
    if (w > bestWeight) {
      bestWeight = w;
      best = k;
    }
  }
  return best;
}

/** The hosts of one shard, in their given order. */
export function selectShard(hosts: readonly string[], shard: Shard): string[] {
  if (shard.count === 1) return [...hosts];
  return hosts.filter((h) => shardOf(h, shard.count) === shard.index);
}
