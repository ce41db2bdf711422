import { describe, expect, it } from 'vitest';
import { freshShared } from '../../../src/core/util/freshShared.js';

/** A run whose end the test decides; `state` is what it answers (read when the run starts). */
function controlled() {
  const runs: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const box = { state: 0 };
  const run = () =>
    new Promise<number>((resolve, reject) => {
      const seen = box.state;
      runs.push({ resolve: () => resolve(seen), reject });
    });
  return { runs, box, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('freshShared', () => {
  it('a call while a run is in flight gets the next run, shared by every call made meanwhile', async () => {
    const { runs, box, run } = controlled();
    const shared = freshShared(run);
    const a = shared();
    box.state = 1; // a change made after the first run began
    const b = shared();
    const c = shared();
    expect(runs).toHaveLength(1);
    runs[0]?.resolve();
    expect(await a).toBe(0);
    await tick();
    expect(runs).toHaveLength(2); // one more run for b and c together
    runs[1]?.resolve();
    expect(await b).toBe(1); // never the answer of the run that began before the change
    expect(await c).toBe(1);
  });

  it('starts afresh once idle, and a failed run does not stop the next', async () => {
    const { runs, run } = controlled();
    const shared = freshShared(run);
    const a = shared();
    const b = shared();
    runs[0]?.reject(new Error('walk failed'));
    await expect(a).rejects.toThrow('walk failed');
    await tick();
    runs[1]?.resolve();
    expect(await b).toBe(0);
    const c = shared();
    expect(runs).toHaveLength(3);
    runs[2]?.resolve();
    expect(await c).toBe(0);
  });
});
