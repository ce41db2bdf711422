/** konf's exit codes, shared by every command. */
export const EXIT_CODES = {
  ok: 0,
  /** `diff`: changes are pending (like `diff(1)`). */
  pending: 1,
  /** A usage error or a configuration error in the fleet repository. */
  config: 2,
  /** An operation failed on at least one host. */
  hostFailed: 3,
  /** A bug in konf (an unexpected exception). */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
