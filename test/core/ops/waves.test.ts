import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { exceeds, parseMaxFailures, parseWaves, planWaves } from '../../../src/core/ops/waves.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

describe('waves', () => {
  it('sizes like Ansible serial: counts, percentages of all hosts (rounded down, at least one), the last one repeating', () => {
    expect(planWaves(hosts(20), parseWaves('1,10%,100%')).map((w) => w.length)).toEqual([1, 2, 17]);
    expect(planWaves(hosts(5), parseWaves('1,10%,100%')).map((w) => w.length)).toEqual([1, 1, 3]);
    expect(planWaves(hosts(7), parseWaves('2')).map((w) => w.length)).toEqual([2, 2, 2, 1]);
    expect(planWaves(hosts(7), parseWaves('1,30%'))).toEqual([['h1'], ['h2', 'h3'], ['h4', 'h5'], ['h6', 'h7']]);
    expect(planWaves(hosts(3), parseWaves('10,1'))).toEqual([['h1', 'h2', 'h3']]);
    expect(planWaves([], parseWaves('1'))).toEqual([]);
  });

  it('refuses sizes that are not counts or percentages', () => {
    for (const bad of ['', '1,,2', '0', '1,x', '0%', '101%', '1.5', '-1']) expect(() => parseWaves(bad), bad).toThrow(ConfigError);
  });

  it('--max-failures: a count, or a percentage of the wave; exceeding it stops', () => {
    expect(exceeds(parseMaxFailures('0'), 1, 5)).toBe(true);
    expect(exceeds(parseMaxFailures('0'), 0, 5)).toBe(false);
    expect(exceeds(parseMaxFailures('2'), 2, 5)).toBe(false);
    expect(exceeds(parseMaxFailures('2'), 3, 5)).toBe(true);
    expect(exceeds(parseMaxFailures('50%'), 1, 2)).toBe(false);
    expect(exceeds(parseMaxFailures('50%'), 2, 3)).toBe(true);
    expect(exceeds(parseMaxFailures('25%'), 1, 3)).toBe(true);
    expect(() => parseMaxFailures('x')).toThrow(ConfigError);
    expect(() => parseMaxFailures('120%')).toThrow(ConfigError);
  });
});
