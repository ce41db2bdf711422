/**
 * Wave sizes of a rollout (`--waves 1,10%,100%`), like Ansible's `serial`: each entry is
 * the size of one wave, a percentage is of all the hosts (rounded down, at least one), and
 * the last entry repeats until every host has had its wave. Pure: the console's deploy
 * dialog plans its choices with it too.
 */
import { ConfigError } from '../errors.js';

export type WaveSize = { count: number } | { percent: number };

function sizeOf(text: string, what: string): WaveSize {
  const m = /^(\d+)(%?)$/.exec(text.trim());
  if (!m) throw new ConfigError(`${what}: \`${text}\` is not a number of hosts (5) or a percentage of them (10%)`);
  const n = Number(m[1]);
  if (m[2] === '%') {
    if (n < 1 || n > 100) throw new ConfigError(`${what}: ${text} must be a percentage from 1% to 100%`);
    return { percent: n };
  }
  return { count: n };
}

/** `1,10%,100%` → wave sizes. */
export function parseWaves(text: string): WaveSize[] {
  const parts = text.split(',');
  if (text.trim() === '' || parts.some((p) => p.trim() === '')) throw new ConfigError(`--waves: expected sizes like 1,10%,100%, not \`${text}\``);
  return parts.map((p) => {
    const s = sizeOf(p, '--waves');
    if ('count' in s && s.count < 1) throw new ConfigError('--waves: a wave has at least one host');
    return s;
  });
}

/** The hosts of each wave, in order (Ansible's serial: the last size repeats). */
export function planWaves(hosts: readonly string[], sizes: readonly WaveSize[]): string[][] {
  const waves: string[][] = [];
  let at = 0;
  let i = 0;
  while (at < hosts.length) {
    const size = sizes[Math.min(i, sizes.length - 1)] as WaveSize;
    const n = 'count' in size ? size.count : Math.max(1, Math.floor((hosts.length * size.percent) / 100));
    waves.push(hosts.slice(at, at + n));
    at += n;
    i++;
  }
  return waves;
}

