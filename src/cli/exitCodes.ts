/** konf's exit codes, shared by every command. */
export const EXIT_CODES = {
  ok: 0,
  /** `diff`: changes are pending (like `diff(1)`). */
  pending: 1,
  /** A usage error or a configuration error in the fleet repository. */
  config: 2,
  /** An operation failed on at least one host (restored, or nothing was written there). */
  hostFailed: 3,
  /**
   * A host is not back in a consistent state yet: it could not be restored after a failure
   * (unreachable: its journal puts it back on the next deploy or rollback), or the restore
   * itself failed (the message names the files).
   */
  notConsistent: 4,
  /** Interrupted (the signal's code): SIGHUP 129, SIGINT 130, closed output 141, SIGTERM 143. */
  interrupted: 130,
  /** A bug in konf (an unexpected exception). */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
