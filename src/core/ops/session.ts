/**
 * The facade the console (and any other front end) drives: a fleet repository, its
 * hosts, and the operations on them. Implemented over the core modules; the console
 * never reaches past it. All operations stream OpEvents to `onEvent`.
 */
import type { HostDiff } from '../diff/types.js';
import type { HostInventory } from '../fleet/summary.js';
import type { HostPlan } from '../fleet/types.js';
import type { SnapshotInfo } from '../store/types.js';
import type { EventSink, HostOutcome } from './events.js';
import type { Confirmed } from './transaction.js';
import type { AdoptPreview, AdoptTo } from './adoptPreview.js';
import type { LastDeploy } from './lastDeploys.js';

export type { Confirmed } from './transaction.js';
export type { AdoptPreview, AdoptTo } from './adoptPreview.js';
export type { LastDeploy } from './lastDeploys.js';

/** A host's inventory line (core/fleet/summary.ts) plus what the session learns about it. */
export interface HostSummary extends HostInventory {
  /** Target root on the host (konf_root; default `/`), when the plan is known. */
  root?: string;
  /** Privilege escalation (konf_become): '' or 'sudo', when the plan is known. */
  become?: '' | 'sudo';
  /** The plan is still being rendered: only the name is known (see FleetSession.summaries). */
  loading?: boolean;
}

/** Inventory columns of the console: where a host is, and when konf last deployed it. */
export interface HostDetails {
  /** The address konf connects to: HostName resolved from etc/ssh_config and ~/.ssh/config (the alias when none is set), `:port` unless 22. */
  address?: string;
  /** Why the address could not be resolved (an ssh config error naming file:line). */
  addressError?: string;
  /** The last deploy of the host recorded in the audit log (core/ops/lastDeploys.ts), or seen in this session's events. */
  lastDeploy?: LastDeploy;
}

/** What the console shows on a host's badge. */
export type HostStatus =
  | { kind: 'unknown' }
  | { kind: 'checking' }
  | { kind: 'in-sync' }
  | { kind: 'pending'; count: number }
  | { kind: 'drifted'; count: number }
  | { kind: 'unreachable'; error: string }
  | {
      kind: 'locked';
      by: string;
      since: string;
      /** The holder in full: jump host, pid, operation, op id. */
      holder?: { operator: string; jumpHost: string; pid: number; operation: string; opId: string };
      /** Held by a konf process of this jump host that no longer runs: the next deploy or rollback takes it over. */
      stale?: boolean;
      /** An unfinished operation's journal is on the host: the next deploy or rollback puts the host back first. */
      journal?: boolean;
    }
  | { kind: 'running'; phase: string }
  | { kind: 'failed'; error: string }
  | { kind: 'restored'; error: string }
  | { kind: 'config-error'; error: string };

export interface HostCheck {
  host: string;
  status: HostStatus;
  /** Live state vs plan; pending files carry their drift state (pending / drifted / both). */
  diff?: HostDiff;
  /** ISO time of the newest snapshot, if any. */
  lastSnapshot?: string;
  /** What to pass as `confirmed` when the admin confirms a deploy of exactly this diff. */
  confirm?: Confirmed;
}

/** A rollback preview: the diff, and what to pass as `confirmed` when the admin confirms it. */
export interface PreviewDiff extends HostDiff {
  confirm?: Confirmed;
}

/** The repository changed on disk (seen by the session's watcher, or `reload()`). */
export interface RepoChange {
  /** Changed paths relative to the repository (empty for an explicit reload). */
  paths: string[];
  /** Hosts whose plan may have changed ('all' for shared files: defaults, files, hooks, …). */
  hosts: string[] | 'all';
  /** The inventory as it is now (hosts added or removed show here). */
  summaries: HostSummary[];
}

export interface OperationOptions {
  onEvent?: EventSink;
  signal?: AbortSignal;
  dryRun?: boolean;
  /** What the admin confirmed per host (HostCheck.confirm, PreviewDiff.confirm): checked before the first write. */
  confirmed?: Record<string, Confirmed>;
  /** deploy: roll out in waves of these sizes (`1,10%,100%`, like `konf deploy --waves`), hosts in inventory order; a wave with a failure stops the rollout. */
  waves?: string;
  /** Deploy only: write only these planned files (`konf deploy --only`). */
  only?: string[];
}

/** One etc/validate file check run on a staged copy (`konf diff --validate`). */
export interface StagedCheckResult {
  file: string;
  /** `etc/validate:14 visudo -cf %s` (undefined if the rule is gone). */
  rule?: string;
  ok: boolean;
  /** `passed`, `exit 1`, `timed out after 120 s`, … */
  status: string;
  output: string[];
}

/** What `konf diff --validate` finds for one host: its pending files and the file checks on their staged copies. */
export interface ValidateResult {
  host: string;
  pending: number;
  checks: StagedCheckResult[];
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
  /**
   * The host's snapshots, newest first. With a shared snapshot store the host's history is
   * fetched first; when it cannot be, `onWarning` says so and the local history is returned.
   */
  history(host: string, options?: { onWarning?: (text: string) => void }): Promise<SnapshotInfo[]>;
  /** What a rollback to this snapshot would change (live vs snapshot). */
  rollbackPreview(host: string, snapshotId: string, signal?: AbortSignal): Promise<PreviewDiff>;
  rollback(host: string, snapshotId: string, options?: OperationOptions): Promise<OperationResult>;
  /** Runs the etc/validate file checks on staged copies of the host's pending writes; nothing is renamed (`konf diff --validate`). */
  validate?(host: string, signal?: AbortSignal): Promise<ValidateResult>;
  /** What `konf adopt HOST PATH --to …` would write to the repository and change on every host (nothing written). */
  adoptPreview?(host: string, path: string, to: AdoptTo, signal?: AbortSignal): Promise<AdoptPreview>;
  /** Writes what the preview showed into the repository (an operation of its own: events, audit log). */
  adopt?(preview: AdoptPreview, options?: OperationOptions): Promise<OperationResult>;
  /** What rebuilding the host from this snapshot (of `from`, default the host) and then its plan would write. */
  rebuildPreview?(host: string, snapshotId: string, signal?: AbortSignal): Promise<PreviewDiff>;
  rebuild?(host: string, snapshotId: string, options?: OperationOptions): Promise<OperationResult>;
  /** Breaks the host's lock (only operation `opId`'s, when given), recovering an unfinished journal first. */
  breakLock?(host: string, opId: string | undefined, options?: OperationOptions): Promise<OperationResult>;
  /** Per host: resolved address and last deploy (from ssh_config and the audit log), for the console's columns. */
  inventory?(hosts: string[], options?: { onWarning?: (warning: string) => void }): Promise<Record<string, HostDetails>>;
  /** Reads the repository again (inventory and plans) and says what changed. */
  reload?(paths?: string[]): Promise<RepoChange>;
  /** Calls `listener` after edits to the repository settle (the session has re-read it). Returns a stop function. */
  watch?(listener: (change: RepoChange) => void): () => void;
  close(): Promise<void>;
}
