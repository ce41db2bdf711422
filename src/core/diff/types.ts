/** What a host should hold vs what it holds: the vocabulary of diff, deploy and rollback. */
import type { ExcludeRule, PlannedFile } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';

/**
 * One desired entry: from a plan (deploy) or from a snapshot (rollback). Metadata fields
 * left undefined keep what the host has (new files get 0644 and the connecting user's owner).
 */
export type DesiredEntry =
  | { path: string; state: 'file'; content: Buffer; mode?: number; owner?: string; group?: string; planned?: PlannedFile }
  | { path: string; state: 'symlink'; target: string; owner?: string; group?: string; planned?: PlannedFile }
  | { path: string; state: 'absent' };

export type ChangeKind =
  | 'new' // absent on the host, will be created
  | 'modified' // content differs (text)
  | 'binary' // content differs (binary: sizes and hashes only)
  | 'metadata' // only mode/owner/group differ
  | 'link-changed' // symlink target differs
  | 'type-changed' // e.g. a file where a symlink should be
  | 'removed' // present on the host, desired absent (rollback only)
  | 'unchanged'
  | 'excluded' // the desired tree has it, the host's excludes protect it
  | 'unreadable'; // the live file could not be read

/**
 * Why a file has a pending change: the repository changed since konf last wrote it
 * (`pending`), the host changed since then (`drifted`, a hand edit), or both.
 */
export type DriftState = 'pending' | 'drifted' | 'both';

export interface MetaChange {
  field: 'mode' | 'owner' | 'group';
  from: string;
  to: string;
}

export interface FileChange {
  path: string;
  kind: ChangeKind;
  desired?: DesiredEntry;
  live?: LiveEntry;
  /** Metadata differences (also present alongside content changes). */
  meta: MetaChange[];
  /** Unified diff text (`--- a/path`, `+++ b/path`, hunks) for text changes; secrets masked unless revealed. */
  unified?: string;
  /**
   * The same change as structured hunks (what `unified` was made from): the console's
   * rows are built from these, no text parsed back. Absent on changes that only carry text.
   */
  hunks?: DiffHunk[];
  /** Lines added/removed, for --stat. */
  added: number;
  removed: number;
  /**
   * For binary content (either side): sizes and sha256 of both sides. `from*` is absent when
   * the host has no regular file there (new), `to*` when the desired state has none (removed).
   */
  binary?: { fromSize?: number; toSize?: number; fromSha?: string; toSha?: string };
  /** A remark a reader needs, e.g. "too many changes: whole file replaced". */
  note?: string;
  /** For excluded paths: the rule that fired. */
  excludeRule?: ExcludeRule;
  /** For unreadable: the error. */
  error?: string;
  /** For pending changes, once the host's deployed record was consulted (see ops/drift.ts). */
  drift?: DriftState;
}

/**
 * One hunk (jsdiff's StructuredPatchHunk): 1-based starts, line counts, and lines that
 * begin with ' ', '-' or '+', each followed by `\ No newline at end of file` when it is
 * its file's last line and has no newline.
 */
export interface DiffHunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

export interface HostDiff {
  host: string;
  files: FileChange[];
  /** Number of files with a pending change (everything but unchanged/excluded/unreadable). */
  pending: number;
  /** Of those, the files changed on the host since konf last wrote them (drifted or both); set with `drift`. */
  drifted?: number;
}

/** One row of a side-by-side diff (built from diff2html's parsed blocks). */
export interface SideBySideRow {
  type: 'hunk' | 'context' | 'change';
  /** Hunk header text for 'hunk' rows. */
  header?: string;
  left?: SideCell;
  right?: SideCell;
}

/** A piece of a line's text; `changed` marks the words that differ from the paired line. */
export interface Segment {
  text: string;
  changed: boolean;
}

export interface SideCell {
  line: number;
  /**
   * Text split into segments (empty for an empty line). Only a delete paired with an insert
   * carries `changed: true` segments; unpaired lines are one unchanged segment (the cell kind
   * says it was added/removed). A carriage return shows as `␍`.
   */
  segments: Segment[];
  kind: 'context' | 'delete' | 'insert';
  /** The line is the file's last and has no newline after it (`\ No newline at end of file`). */
  noNewline?: boolean;
}

/** One row of the console's unified view (built from diff2html's parsed blocks). */
export interface UnifiedRow {
  kind: 'hunk' | 'context' | 'delete' | 'insert';
  /** Hunk header text for 'hunk' rows. */
  header?: string;
  oldLine?: number;
  newLine?: number;
  /** Same rules as SideCell.segments; empty for hunk rows. */
  segments: Segment[];
  noNewline?: boolean;
}

/** Hosts whose pending change to one path is byte-identical, so a reviewer reads it once. */
export interface ChangeGroup {
  path: string;
  kind: ChangeKind;
  hosts: string[];
  change: FileChange;
}
