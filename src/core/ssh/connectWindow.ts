/**
 * How many SSH handshakes a pool runs at once, adapted like TCP's congestion window.
 *
 * A stock sshd drops new connections once too many are unauthenticated (`MaxStartups
 * 10:30:100`: from 10 pending on, a growing share is closed before the SSH banner), and a
 * bastion or a host serving many names does the same. So the pool starts with a few
 * handshakes, adds one per handshake that succeeds (doubling per round, "slow start") up
 * to its concurrency, and halves the window when a handshake is refused (at most once per
 * `calmMs`, since one burst refuses several at once); past the first refusal it grows by
 * about one per round. Refused handshakes are retried by connect() with backoff.
 */
export interface ConnectWindowOptions {
  /** The most handshakes at once (the pool's concurrency). */
  max: number;
  /** Handshakes at once to begin with (default min(max, 8)). */
  initial?: number;
  /** No second halving within this many ms of the last (default 1000). */
  calmMs?: number;
  /** Called with the new whole window whenever it changes. */
  onChange?: (window: number) => void;
  now?: () => number;
}

export class ConnectWindow {
  private window: number;
  private threshold: number;
  private lastCut = Number.NEGATIVE_INFINITY;
  private readonly max: number;
  private readonly calmMs: number;
  private readonly now: () => number;
  /** Handshakes refused so far (for logs and tests). */
  refusals = 0;

  constructor(private readonly options: ConnectWindowOptions) {
    this.max = Math.max(1, Math.floor(options.max));
    this.window = Math.min(this.max, Math.max(1, options.initial ?? 8));
    this.threshold = this.max;
    this.calmMs = options.calmMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The number of handshakes allowed at once now. */
  get size(): number {
    return Math.max(1, Math.floor(this.window));
  }

  /** A handshake completed (the server let us in). */
  opened(): void {
    const before = this.size;
    if (this.window < this.threshold) this.window += 1;
    else this.window += 1 / this.window;
    this.window = Math.min(this.max, this.window);
    if (this.size !== before) this.options.onChange?.(this.size);
  }

  /** A handshake was refused before the SSH banner (MaxStartups or the like). */
  refused(): void {
    this.refusals++;
    const t = this.now();
    if (t - this.lastCut < this.calmMs) return;
    this.lastCut = t;
    const before = this.size;
    this.threshold = Math.max(1, this.window / 2);
    this.window = this.threshold;
    if (this.size !== before) this.options.onChange?.(this.size);
  }
}
