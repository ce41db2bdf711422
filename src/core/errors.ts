/**
 * Errors konf reports to people. Every error carries enough context to be shown on one
 * line: configuration errors name the file (and line/column), host errors name the host.
 */

/** A problem in the fleet repository or the command line: exit code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }

  /** `file:line:col: message`, the form editors and admins recognise. */
  format(): string {
    if (this.file === undefined) return this.message;
    const where = [this.file, this.line, this.column].filter((p) => p !== undefined).join(':');
    return `${where}: ${this.message}`;
  }
}

/** A host name that is not in the inventory (exit 2): the CLI adds which repository it searched and why. */
export class UnknownHostError extends ConfigError {
  constructor(
    readonly host: string,
    readonly known: readonly string[],
  ) {
    super(UnknownHostError.describe(host, known));
  }

  /** The message, naming the repository searched when it is known (`/srv/fleet (from --repo /srv/fleet)`). */
  static describe(host: string, known: readonly string[], repository?: string): string {
    const where = repository === undefined ? '' : ` in the fleet repository ${repository}`;
    return `unknown host \`${host}\`${where}; known hosts: ${known.length > 0 ? known.join(', ') : '(none: add a file per host to etc/serverconfig/)'}`;
  }
}

/** Kinds of per-host failure, shown as one line per host by the CLI and the console. */
export type HostErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'auth-failed'
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'host-key-revoked'
  | 'permission-denied'
  | 'sudo-failed'
  | 'locked'
  | 'hook-failed'
  | 'remote-failed'
  | 'root-escape'
  | 'store-damaged'
  | 'changed' // what the admin confirmed no longer holds (the repository or the host changed): nothing was written
  | 'check-failed' // an etc/validate check refused the host: nothing is live (nothing renamed, or every file swapped back)
  | 'cancelled';

/** A failure that concerns one host: the operation on that host stops, others go on. */
export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly host: string,
    readonly kind: HostErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  format(): string {
    return `${this.host}: ${this.message}`;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof ConfigError || err instanceof HostError) return err.format();
  if (err instanceof Error) return err.message;
  return String(err);
}
