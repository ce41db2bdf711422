import { describe, expect, it } from 'vitest';
import { ConnectWindow } from '../../../src/core/ssh/connectWindow.js';
import { refusedBackoffMs } from '../../../src/core/ssh/connect.js';

describe('connect window (ramp-up and back-off of handshakes)', () => {
  it('starts small, doubles per round while nothing is refused, halves once per calm period on refusals', () => {
    let t = 0;
    const changes: number[] = [];
    const w = new ConnectWindow({ max: 32, initial: 4, now: () => t, onChange: (n) => changes.push(n) });
    expect(w.size).toBe(4);
    for (let i = 0; i < 4; i++) w.opened();
    expect(w.size).toBe(8);
    expect(new ConnectWindow({ max: 32 }).size).toBe(8);
    expect(new ConnectWindow({ max: 5 }).size).toBe(5);
    for (let i = 0; i < 30; i++) w.opened();
    expect(w.size).toBe(32);
    w.refused();
    expect(w.size).toBe(16);
    // The same burst refuses more: one cut per calm period.
    w.refused();
    w.refused();
    expect(w.size).toBe(16);
    t += 1500;
    w.refused();
    expect(w.size).toBe(8);
    // Past a refusal the window grows by about one per round (9 successes: 8 → 9).
    for (let i = 0; i < 9; i++) w.opened();
    expect(w.size).toBe(9);
    expect(w.refusals).toBe(4);
    expect(changes[0]).toBe(5);
    expect(changes).toContain(32);
  });

  it('backs off 250 ms doubling to at most 4 s, with jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((a) => refusedBackoffMs(a, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(refusedBackoffMs(1, () => 0)).toBe(125);
    expect(refusedBackoffMs(3, () => 0.999)).toBeLessThan(1500);
  });
});
