/**
 * The facade the console (and any other front end) drives: a fleet repository, its
 * hosts, and the operations on them. Implemented over the core modules; the console
 * never reaches past it. All operations stream OpEvents to `onEvent`.
 */
import type { HostDiff } from '../diff/types.js';
import type { HostPlan } from '../fleet/types.js';
import type { SnapshotInfo } from '../store/types.js';
import type { EventSink, HostOutcome } from './events.js';

export interface HostSummary {
  name: string;
  switches: number;
  excludes: number;
  /** Planned files; undefined when the host's plan failed (see error). */
  files?: number;
  /** Configuration error for this host (file:line: message), if any. */
  error?: string;
  /** Merged switch values, for `switch=value` filtering in the console. */
  values: Record<string, string>;
  /** Target root on the host (konf_root; default `/`), when the plan is known. */
  root?: string;
  /** Privilege escalation (konf_become): '' or 'sudo', when the plan is known. */
  become?: '' | 'sudo';
  /** The plan is still being rendered: only the name is known (see FleetSession.summaries). */
  loading?: boolean;
}

/** What the console shows on a host's badge. */
export type HostStatus =
  | { kind: 'unknown' }
  | { kind: 'checking' }
  | { kind: 'in-sync' }
  | { kind: 'pending'; count: number }
  | { kind: 'drifted'; count: number }
  | { kind: 'unreachable'; error: string }
  | { kind: 'locked'; by: string; since: string }
  | { kind: 'running'; phase: string }
  | { kind: 'failed'; error: string }
  | { kind: 'restored'; error: string }
  | { kind: 'config-error'; error: string };

export interface HostCheck {
  host: string;
  status: HostStatus;
  diff?: HostDiff;
  /** ISO time of the newest snapshot, if any. */
  lastSnapshot?: string;
}

export interface OperationOptions {
  onEvent?: EventSink;
  signal?: AbortSignal;
  dryRun?: boolean;
}

export interface OperationResult {
  op: string;
  ok: boolean;
  outcomes: Record<string, HostOutcome>;
}

export interface FleetSession {
  readonly repo: string;
  hosts(): HostSummary[];
  /**
   * Every host's full summary, once all plans are rendered. A session opened lazily lists
   * `loading` summaries (names only) in hosts() until then; the console calls this after
   * its first frame.
   */
  summaries?(): Promise<HostSummary[]>;
  plan(host: string): Promise<HostPlan>;
  /** Live state vs plan for one host; also yields its badge status. */
  check(host: string, signal?: AbortSignal): Promise<HostCheck>;
  deploy(hosts: string[], options?: OperationOptions): Promise<OperationResult>;
  snapshot(hosts: string[], options?: OperationOptions & { message?: string }): Promise<OperationResult>;
  history(host: string): Promise<SnapshotInfo[]>;
  /** What a rollback to this snapshot would change (live vs snapshot). */
  rollbackPreview(host: string, snapshotId: string, signal?: AbortSignal): Promise<HostDiff>;
  rollback(host: string, snapshotId: string, options?: OperationOptions): Promise<OperationResult>;
  close(): Promise<void>;
}
