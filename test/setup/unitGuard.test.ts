/**
 * The unit project's guard (test/setup/unitGuard.ts), on the one thing that once ended a
 * whole CI run: a unit test runs in a worker thread of the test runner's own process, so a
 * signal to `process.pid` (signal-exit re-raising SIGTERM when it counts itself the last
 * listener) killed vitest with exit 143 and no summary. Here it throws instead.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('unit guard: signals', () => {
  it('a real signal to the test runner throws instead of ending the run', () => {
    expect(() => process.kill(process.pid, 'SIGTERM')).toThrow(/the test runner itself.*unit tests send no signals/);
    expect(() => process.kill(-process.pid, 'SIGKILL')).toThrow(/unit tests send no signals/);
    expect(() => process.kill(0)).toThrow(/unit tests send no signals/);
  });

  it('signal 0 (is it alive?) still answers', () => {
    expect(process.kill(process.pid, 0)).toBe(true);
  });

  it('signal-exit re-raising SIGTERM (the last listener, as it counts) reaches the emitter as an error', () => {
    // signal-exit v3 (Ink's) with one exit hook and no other SIGTERM listener: it re-raises.
    const onExit = createRequire(import.meta.url)('signal-exit') as (cb: () => void) => () => void;
    const off = onExit(() => undefined);
    const others = process.listeners('SIGTERM').filter((l) => !String(l).includes('processOk'));
    for (const l of others) process.off('SIGTERM', l);
    try {
      const hooked = process.listeners('SIGTERM').length;
      expect(hooked).toBeGreaterThan(0);
      expect(() => process.emit('SIGTERM', 'SIGTERM')).toThrow(/unit tests send no signals/);
    } finally {
      off();
      for (const l of others) process.on('SIGTERM', l);
    }
  });
});
