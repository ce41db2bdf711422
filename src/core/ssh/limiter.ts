/** A counting semaphore: at most `limit` holders at once, waiters served in order. */
export class Limiter {
  private active = 0;
  private readonly waiters: { grant: () => void }[] = [];

  constructor(private current: number) {
    if (!(current >= 1)) throw new RangeError(`limit must be at least 1, got ${current}`);
  }

  /** Holders allowed at once. */
  get limit(): number {
    return this.current;
  }

  /**
   * Changes the limit: raising it admits waiters at once; lowering it lets current
   * holders finish and admits no one until fewer than the new limit hold a slot.
   */
  setLimit(limit: number): void {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
    this.current = Math.floor(limit);
    while (this.active < this.current && this.waiters.length > 0) this.waiters.shift()?.grant();
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
        if (this.active < this.current) this.waiters.shift()?.grant();
      };
    };
    if (signal?.aborted) return Promise.reject(onAbort ? onAbort() : signal.reason);
    if (this.active < this.current) {
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
