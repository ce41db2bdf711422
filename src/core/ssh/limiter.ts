/** A counting semaphore: at most `limit` holders at once, waiters served in order. */
export class Limiter {
  private active = 0;
  private readonly waiters: { grant: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Waits for a slot; resolves with its release function (idempotent). If the signal
   * aborts while waiting, rejects with `onAbort()` (or the signal's reason).
   */
  acquire(signal?: AbortSignal, onAbort?: () => unknown): Promise<() => void> {
    const makeRelease = () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.active--;
        this.waiters.shift()?.grant();
      };
    };
    if (signal?.aborted) return Promise.reject(onAbort ? onAbort() : signal.reason);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(makeRelease());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', abort);
          this.active++;
          resolve(makeRelease());
        },
      };
      const abort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(onAbort ? onAbort() : signal?.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Runs fn while holding a slot. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal, onAbort?: () => unknown): Promise<T> {
    const release = await this.acquire(signal, onAbort);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
