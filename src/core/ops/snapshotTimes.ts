/**
 * The newest snapshot time of every host, read once for a burst of checks: 2,000 checks
 * started together share one read of the store's refs (one git process) instead of reading
 * a ref (two files) and walking a history each. A read serves the checks that start while
 * it runs or within `maxAgeMs` of its start; `forget()` (this session wrote snapshots)
 * drops it, and a read that failed is not kept.
 */
export class SnapshotTimes {
  private read: { at: number; times: Promise<Readonly<Record<string, string>>> } | undefined;

  constructor(
    private readonly load: () => Promise<Readonly<Record<string, string>>>,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** ISO time of the host's newest snapshot; undefined when it has none. */
  async of(host: string): Promise<string | undefined> {
    const at = this.now();
    let read = this.read;
    if (!read || at - read.at > this.maxAgeMs) {
      const fresh = { at, times: this.load() };
      fresh.times.catch(() => {
        if (this.read === fresh) this.read = undefined;
      });
      read = this.read = fresh;
    }
    return (await read.times)[host];
  }

  /** The next check reads again (snapshots were just written). */
  forget(): void {
    this.read = undefined;
  }
}
