/**
 * The jump host's own processes, as lock holders: a lock taken by a konf process on this
 * machine whose process no longer runs (or whose pid now belongs to another process) is
 * stale — nobody will ever release it — and konf may take it over.
 */
import { readFileSync } from 'node:fs';
import type { LockInfo } from '../remote/types.js';

/** Start time of a process (clock ticks since boot, /proc/PID/stat field 22); undefined when unknown. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the lock was taken on this jump host by a process that is gone: its pid does
 * not run, or runs but started at another time (the pid was reused).
 */
export function isStaleLock(lock: LockInfo, jumpHost: string): boolean {
  if (lock.jumpHost !== jumpHost || lock.pid <= 0) return false;
  if (!pidAlive(lock.pid)) return true;
  if (lock.pidStart === undefined) return false;
  const start = processStart(lock.pid);
  return start !== undefined && start !== lock.pidStart;
}

/** `5 min ago`, `2 h ago`, `3 days ago` (from an ISO time). */
export function ageOf(since: string, now: Date = new Date()): string {
  const t = Date.parse(since);
  if (Number.isNaN(t)) return 'age unknown';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
