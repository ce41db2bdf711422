/**
 * Output framing for remote commands. A login shell may print anything before konf's
 * command runs (a noisy rc file, a banner, `set -x` traces): every konf script starts by
 * printing a random marker line on stdout and on stderr, and everything before it is
 * ignored. Status lines of konf's own scripts are `<marker> <word> …` lines.
 */
import { randomBytes } from 'node:crypto';

export function newMarker(): string {
  return `KONF${randomBytes(12).toString('hex')}`;
}

/** Drops every byte up to and including the first `<marker>\n`; passes the rest through. */
export class MarkerFilter {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private readonly needle: Buffer;
  /** True once the marker line was seen. */
  seen = false;
  /** What came before the marker (kept for error messages, capped). */
  noise = '';

  constructor(marker: string) {
    this.needle = Buffer.from(`${marker}\n`);
  }

  push(chunk: Buffer): Buffer {
    if (this.seen) return chunk;
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    const all = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingLength);
    const at = all.indexOf(this.needle);
    if (at < 0) {
      this.pending = [all];
      return Buffer.alloc(0);
    }
    this.seen = true;
    this.noise = all.subarray(0, at).toString('utf8').slice(-4000);
    this.pending = [];
    this.pendingLength = 0;
    return all.subarray(at + this.needle.length);
  }

  /** Everything received so far when no marker came (the whole output was noise/errors). */
  unmarked(): string {
    if (this.seen) return this.noise;
    return Buffer.concat(this.pending).toString('utf8');
  }
}

/** Splits a byte stream into lines (without the newline), decoding each line as UTF-8. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let nl = buf.indexOf(10);
    while (nl >= 0) {
      this.onLine(stripCr(buf.subarray(0, nl).toString('utf8')));
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(10);
    }
    this.rest = Buffer.from(buf);
  }

  /** Emits a last line that had no newline. */
  end(): void {
    if (this.rest.length) this.onLine(stripCr(this.rest.toString('utf8')));
    this.rest = Buffer.alloc(0);
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
