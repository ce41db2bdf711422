/**
 * konf's exit codes: the one table. The CLI returns them, the console exits with the
 * signal codes, and the README's table is checked against EXIT_CODE_DOCS by a test
 * (test/core/exitCodes.test.ts). Scripts rely on them: change a number only with care.
 */
export const EXIT_CODES = {
  ok: 0,
  /** `diff`: changes are pending (like `diff(1)`); with `--drift`: a host drifted. */
  pending: 1,
  /** A usage error or a configuration error in the fleet repository. */
  config: 2,
  /** An operation failed on at least one host (restored and verified, or nothing was written there). */
  hostFailed: 3,
  /**
   * A host is not back in a consistent state yet: it could not be restored after a failure
   * (unreachable: its journal puts it back on the next deploy or rollback), or the restore
   * itself failed (the message names the files).
   */
  notConsistent: 4,
  /** Interrupted: the terminal closed (SIGHUP). */
  sighup: 129,
  /** Interrupted: Ctrl-C (SIGINT). */
  interrupted: 130,
  /** Interrupted: the output was closed (EPIPE, `| head`), like a shell's SIGPIPE code. */
  closedOutput: 141,
  /** Interrupted: SIGTERM. */
  sigterm: 143,
  /** A bug in konf (an unexpected exception). */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit code each signal that interrupts konf asks for (128 + the signal's number). */
export const SIGNAL_EXIT_CODES = { SIGHUP: EXIT_CODES.sighup, SIGINT: EXIT_CODES.interrupted, SIGTERM: EXIT_CODES.sigterm } as const;

/** What each code means, in the README's words: one row per line of its table. */
export const EXIT_CODE_DOCS: readonly { codes: readonly ExitCode[]; meaning: string; short: string }[] = [
  { codes: [EXIT_CODES.ok], short: 'ok', meaning: 'success: every host completed; for `diff`: nothing pending (with `--drift`: no host drifted)' },
  { codes: [EXIT_CODES.pending], short: 'changes pending (diff)', meaning: '`diff` only: changes are pending (with `--drift`: a file changed on a host since konf wrote it)' },
  { codes: [EXIT_CODES.config], short: 'usage or configuration error', meaning: 'usage or configuration error (the message names file and line; an unknown host lists the known ones)' },
  {
    codes: [EXIT_CODES.hostFailed],
    short: 'a host failed (nothing written, or restored and verified)',
    meaning:
      "a host failed and is as it was: nothing written (unreachable, host key, lock held, hook failed, refused by an `etc/validate` check, the repository changed after you confirmed), or restored and verified, or reverted by itself because konf lost access (confirm-or-revert); a rollout in waves stopped; or the snapshot store is damaged; for `adopt`: a repository file changed after the preview (nothing written), or `--commit`'s git commit failed (the edits are in the working tree)",
  },
  {
    codes: [EXIT_CODES.notConsistent],
    short: 'a host is not back yet (its journal restores it on the next run)',
    meaning: 'a host is not back yet: it could not be reached to restore it (its journal puts it back on the next deploy or rollback), or a restore failed (the message names the files)',
  },
  {
    codes: [EXIT_CODES.sighup, EXIT_CODES.interrupted, EXIT_CODES.closedOutput, EXIT_CODES.sigterm],
    short: 'interrupted (SIGHUP, Ctrl-C, closed output, SIGTERM)',
    meaning:
      'interrupted by SIGHUP, SIGINT (Ctrl-C), a closed output (`\\| head`) or SIGTERM: every host stopped at a safe point (see [Interruptions](#interruptions-signals-and-closed-outputs))',
  },
  { codes: [EXIT_CODES.internal], short: 'internal error (a bug)', meaning: 'internal error (a bug: please report it)' },
];

/** The README's exit-code table. */
export function exitCodesMarkdown(): string {
  const rows = EXIT_CODE_DOCS.map((d) => `| ${d.codes.join(', ')} | ${d.meaning} |`);
  return ['| code | meaning |', '| --- | --- |', ...rows].join('\n') + '\n';
}

/** One line for `konf --help`. */
export function exitCodesSummary(): string {
  return EXIT_CODE_DOCS.map((d) => `${d.codes.join('/')} ${d.short}`).join(', ');
}
