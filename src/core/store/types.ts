/** The snapshot store: one git commit per snapshot of one host. */
import type { LiveEntry } from '../remote/types.js';

export type SnapshotReason = 'manual' | 'pre-deploy' | 'pre-rollback' | 'pre-rebuild' | 'post-deploy' | 'initial';

export interface SnapshotMeta {
  reason: SnapshotReason;
  operator: string;
  /** Operation id (see ops/events.ts). */
  op: string;
  message?: string;
}

export interface SnapshotInfo extends SnapshotMeta {
  /** Commit id (full sha). */
  id: string;
  host: string;
  /** ISO time. */
  time: string;
  /** Number of paths recorded (files, symlinks and absent entries). */
  files: number;
  /** Paths whose content or metadata differ from the host's previous snapshot. */
  changed: string[];
  /** What the operation that took it did to the host, from this jump host's audit log (not stored in the snapshot). */
  operation?: SnapshotOperation;
}

/** The operation a pre-deploy/pre-rollback snapshot was taken for, as the audit log saw it end. */
export interface SnapshotOperation {
  kind: string;
  /** The host's outcome (ok, failed, restored…). */
  outcome: string;
  /** Paths the operation wrote on the host. */
  changed: number;
}

export interface Snapshot {
  info: SnapshotInfo;
  /** Entries as read from the host at snapshot time ('missing' = absent then). */
  entries: LiveEntry[];
}
