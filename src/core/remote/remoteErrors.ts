/** The errors RemoteHost's calls throw, and the host lock's text (see remoteHost.ts). */
import { HostError } from '../errors.js';
import type { CheckResult } from './checks.js';
import type { LockInfo } from './types.js';

/** A one-trip write that did nothing: the host was locked, had a journal, or changed since it was read. */
export class NotTaken extends Error {
  constructor(
    readonly host: string,
    readonly why: 'held' | 'busy' | 'changed' | 'unverifiable',
  ) {
    super(`${host}: the one-trip write was not taken (${why})`);
  }
}

/** A write batch that failed; `applied` lists the logical paths already changed (commit phase). */
export class WriteError extends HostError {
  constructor(
    host: string,
    kind: 'remote-failed' | 'root-escape' | 'check-failed',
    message: string,
    readonly path: string | undefined,
    readonly applied: string[],
    /** The script stopped before its commit phase: the host is exactly as before. */
    readonly nothingChanged = false,
  ) {
    super(host, kind, message);
  }
}

/**
 * A batch whose journal was written (some renames may have happened) and that did not
 * complete: `hostRestored` says whether the host put every file back by itself.
 */
export class JournaledWriteError extends WriteError {
  constructor(
    host: string,
    message: string,
    path: string | undefined,
    applied: string[],
    readonly hostRestored: boolean,
  ) {
    super(host, 'remote-failed', message, path, applied);
  }
}

/**
 * An etc/validate check refused the write. stage `file`: a file check failed on a staged
 * temp, nothing was renamed (nothingChanged). stage `set`: a set check failed after the
 * swap and the host put every file back from its journal (hostRestored says whether all).
 */
export class CheckFailedError extends WriteError {
  constructor(
    host: string,
    message: string,
    readonly stage: 'file' | 'set',
    readonly results: CheckResult[],
    readonly hostRestored: boolean,
  ) {
    super(host, 'check-failed', message, undefined, [], stage === 'file');
  }
}

/** The host lock is held by someone else; `holder` says who. */
export class LockedError extends HostError {
  constructor(
    host: string,
    message: string,
    readonly holder: LockInfo,
  ) {
    super(host, 'locked', message);
  }
}

/** `alice@jump1 (pid 4242, deploy) since 2026-01-02T03:04:05.000Z` */
export function describeLock(info: LockInfo): string {
  return `${info.operator}@${info.jumpHost} (pid ${info.pid}, ${info.operation}) since ${info.since}`;
}

/** Lock file content → LockInfo; unknown fields become '?' so a damaged lock still shows. */
export function parseLock(text: string): LockInfo {
  let v: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') v = parsed as Record<string, unknown>;
  } catch {
    // a damaged lock file: shown with placeholders
  }
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '?');
  const info: LockInfo = { operator: s('operator'), jumpHost: s('jumpHost'), pid: typeof v.pid === 'number' ? v.pid : 0, operation: s('operation'), opId: s('opId'), since: s('since') };
  if (typeof v.pidStart === 'string') info.pidStart = v.pidStart;
  return info;
}
