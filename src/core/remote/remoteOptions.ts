/** The options and results of RemoteHost's calls (see remoteHost.ts). */
import type { HostJournal, JournalHeader } from './journal.js';
import type { CheckResult, RemoteChecks } from './checks.js';
import type { ArmSpec } from './revert.js';
import type { LiveEntry, LockRequest, RunOptions, WrittenFile } from './types.js';

export interface RemoteHostOptions {
  /** Host name used in errors (default: the channel's). */
  host?: string;
  /** konf_root: absolute folder on the host that logical paths are joined to. */
  root: string;
  /** '' = run as the SSH user; 'sudo' = everything through `sudo -n`. */
  become: '' | 'sudo';
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ReadOptions extends CallOptions {
  /**
   * Files over LARGE_FILE_BYTES: 'spool' (default) keeps their bytes in a spool file on the
   * controller (a snapshot needs them); 'hash' only hashes them (a diff compares hashes).
   */
  large?: 'spool' | 'hash';
}

export interface WriteOptions extends CallOptions {
  /** When set, the batch only runs if the host lock is held by this operation id. */
  opId?: string;
  /**
   * Write a host-side journal (needs opId): old versions are kept beside their targets
   * until the journal is closed (releaseLock closeJournal) or recovered (recoverJournal).
   */
  journal?: Omit<JournalHeader, 'op'>;
  /** Called as each op takes effect (renamed into place / removed). */
  onFile?: (file: WrittenFile) => void;
  /** etc/validate checks to run on the host (journaled writes): file checks before the commit, set checks after the swap. */
  checks?: RemoteChecks;
  /** Called as each check finishes. */
  onCheck?: (result: CheckResult) => void;
  /** Confirm-or-revert (journaled writes): arm a revert on the host before the first rename. */
  arm?: ArmSpec;
  /** Called once the revert is armed: how (a systemd unit or a detached process) and when it fires (this machine's clock). */
  onArmed?: (armed: Armed) => void;
  /**
   * One round trip for a whole deploy (see writeScript): take the lock in the script
   * (as this request), check the host still holds `unchangedSince` (what konf read before,
   * logical paths), write, then close the journal and release the lock. A lock held by
   * someone, an unfinished journal or a changed host throws NotTaken before anything is
   * written: the caller goes the long way (lock, read, write, unlock).
   */
  oneTrip?: { lock: LockRequest; unchangedSince: LiveEntry[] };
}


/** A revert armed on the host. */
export interface Armed {
  seconds: number;
  how: 'systemd' | 'process';
  /** When the host reverts, on this machine's clock (the host counts on its own monotonic clock). */
  deadline: Date;
}

/** What konf_disarm decided (see revert.ts). */
export type RevertDecision = 'disarmed' | 'reverted' | 'reverting' | 'crashed' | 'unarmed';

export interface HookRunOptions extends RunOptions {
  /** Shown in errors (`hook 10-reload timed out…`). */
  name?: string;
}

/** What recoverJournal found and did. */
export interface JournalRecovery {
  /** The journal that was on the host (undefined: there was none). */
  journal?: HostJournal;
  /** Logical paths put back (backup renamed over the target, or a created file removed). */
  restored: string[];
  /** Logical paths that could not be put back, with the step that failed. */
  failed: { path: string; step: string }[];
  /** Every entry is back (the journal is marked restored). */
  complete: boolean;
  /** The journal's writer was still running on the host and was waited for or stopped. */
  writer?: 'waited' | 'stopped';
  /** A revert the operation had armed (confirm-or-revert): what became of it, and its log. */
  revert?: { decision: RevertDecision; log: string[] };
}
