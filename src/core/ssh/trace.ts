/**
 * What the SSH layer tells a profiler, on the process-wide diagnostics channel `konf:ssh`
 * (test/bench/trace.cjs subscribes; the bundle hides ssh2 from a require hook). Nothing is
 * published, and nothing costs, while no one subscribes.
 */
import { channel } from 'node:diagnostics_channel';

export type SshTraceEvent =
  | { kind: 'connect'; conn: number; host: string; port: number }
  | { kind: 'handshake' | 'ready' | 'close'; conn: number }
  | { kind: 'exec'; exec: number; host: string }
  | { kind: 'exec-open'; exec: number }
  | { kind: 'exec-close'; exec: number; bytes: number };

export const sshTrace = channel('konf:ssh');
let last = 0;

/** A new connection's or command's number, or 0 when no one listens. */
export function traceId(): number {
  return sshTrace.hasSubscribers ? ++last : 0;
}

export function trace(e: SshTraceEvent): void {
  if (sshTrace.hasSubscribers) sshTrace.publish(e);
}
