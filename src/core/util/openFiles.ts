/**
 * Open-file limits for runs over many hosts. konf keeps one SSH connection (one socket)
 * per host for the whole run, so 1,000 hosts need more descriptors than the usual soft
 * limit of 1024. Node itself raises its soft RLIMIT_NOFILE to the hard limit when it
 * starts (node.cc), so what konf can use is the hard limit; konf compares what a run
 * needs with it before contacting any host and, when it is too low, stops with a message
 * saying what to do.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** Descriptors a run needs: one socket per host, pipes of git and hook runs, and headroom. */
export function descriptorsNeeded(hosts: number, concurrency: number): number {
  return 64 + hosts + 4 * concurrency;
}

const parseLimit = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));

/** This process's RLIMIT_NOFILE from /proc/self/limits (Linux); undefined elsewhere. */
export function readOpenFileLimit(limitsText?: string): OpenFileLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m?.[1] || !m[2]) return undefined;
  const soft = parseLimit(m[1]);
  const hard = parseLimit(m[2]);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

export interface EnsureOptions {
  /** Reads the current limit (default: /proc/self/limits). */
  read?: () => OpenFileLimit | undefined;
}

/**
 * Makes sure `need` descriptors are allowed: returns the limit when the soft limit is
 * enough, else throws a ConfigError naming the numbers and the fix. Unknown limits (not
 * Linux) are not checked.
 */
export function ensureOpenFiles(need: number, what: string, options: EnsureOptions = {}): OpenFileLimit | undefined {
  const limit = (options.read ?? (() => readOpenFileLimit()))();
  if (!limit || limit.soft >= need) return limit;
  const hard = Number.isFinite(limit.hard) ? String(limit.hard) : 'unlimited';
  const fix =
    limit.hard >= need
      ? `run \`ulimit -n ${hard}\` first`
      : `raise the hard limit (e.g. \`LimitNOFILE=\` in the systemd unit, \`nofile\` in /etc/security/limits.conf, or \`ulimit -Hn\` as root), or split the run with --shard K/N`;
  throw new ConfigError(`${what} needs about ${need} open files (one connection per host), but the limit is ${limit.soft} (hard limit ${hard}): ${fix}`);
}
