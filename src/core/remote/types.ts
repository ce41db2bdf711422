/** What konf reads from a host: the live state of a list of logical paths. */

export interface LiveMeta {
  /** Permission bits including setuid/setgid/sticky (e.g. 0o644). */
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
}

/**
 * Files larger than this are never held in memory whole: their live content is hashed as
 * it streams in (diffs compare size and SHA-256) and, when the read keeps content (for a
 * snapshot), written to a spool file on the controller.
 */
export const LARGE_FILE_BYTES = 8 * 1024 * 1024;

export type LiveEntry =
  | { path: string; state: 'missing' }
  | ({
      path: string;
      state: 'file';
      /** The bytes; absent for a file over LARGE_FILE_BYTES (see `spool`). */
      content?: Buffer;
      size: number;
      sha256: string;
      /** A large file's bytes in a temp file on the controller (reads with `large: 'spool'`). */
      spool?: string;
    } & LiveMeta)
  | ({ path: string; state: 'symlink'; target: string } & LiveMeta)
  | ({ path: string; state: 'dir' } & LiveMeta)
  | ({ path: string; state: 'other' } & LiveMeta)
  | { path: string; state: 'unreadable'; error: string };

/** A change to make on a host. Paths are logical; the transport joins them to konf_root. */
export type WriteOp =
  | { action: 'file'; path: string; content: Buffer; mode?: number; owner?: string; group?: string }
  | { action: 'symlink'; path: string; target: string; owner?: string; group?: string }
  | { action: 'remove'; path: string };

export interface CommandOutputLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface RunOptions {
  /** Environment variables for the command (passed over stdin, never on the command line). */
  env?: Record<string, string>;
  /** Data for the command's standard input. */
  stdin?: Buffer | string;
  /** Each complete output line as it arrives. */
  onLine?: (line: CommandOutputLine) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

/**
 * The one thing the remote layer needs from a transport: run a command on the host
 * (through the user's login shell, as `ssh host command` would) with raw byte streams.
 * The SSH connection pool implements it; so can `ssh -F config host` for comparison.
 */
export interface ExecChannel {
  readonly host: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

export interface ExecOptions {
  /**
   * Bytes for the command's stdin; stdin is closed after them (or at once if absent). Parts
   * (konf uses them for payloads over LARGE_FILE_BYTES) are written in order, never joined.
   */
  stdin?: Buffer | string | readonly Buffer[];
  /** Each chunk of output; when it returns a promise, output pauses until it settles (backpressure). */
  onStdout?: (chunk: Buffer) => unknown;
  onStderr?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ExecResult {
  /** Exit status; null when the command died of a signal or the channel closed without one. */
  code: number | null;
  signal?: string;
}

/** One op of a write batch that took effect (renamed into place or removed). */
export interface WrittenFile {
  path: string;
  action: WriteOp['action'];
}

export interface WriteResult {
  /** Every op, in input order, once the batch committed. */
  files: WrittenFile[];
  /** Logical folders the batch created (shallowest first): a rollback may remove them. */
  createdDirs: string[];
  /** Leftover konf temp files of earlier, interrupted runs that this batch removed. */
  staleTempsRemoved: number;
  /** A one-trip write closed its journal and released its lock itself. */
  released?: boolean;
}

/** Who takes a host's lock (written into `<konf_root>/var/lib/konf/lock` as JSON). */
export interface LockRequest {
  operator: string;
  jumpHost: string;
  pid: number;
  /** deploy, rollback, … */
  operation: string;
  /** The operation id: only the holder with this id may release the lock. */
  opId: string;
  /** Start time of the holder's process on the jump host (/proc stat field 22): tells a reused pid apart. */
  pidStart?: string;
}

export interface LockInfo extends LockRequest {
  /** ISO time the lock was taken (jump host's clock). */
  since: string;
}
