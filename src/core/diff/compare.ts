/**
 * Live state vs desired state, per path: what kind of change, the unified diff text (secrets
 * masked), line counts, binary fingerprints, metadata differences.
 */
import { createHash } from 'node:crypto';
import { FILE_HEADERS_ONLY, formatPatch } from 'diff';
import type { StructuredPatch, StructuredPatchHunk } from 'diff';
import { formatMode, isPending } from './changeKinds.js';
import { linePatch } from './lineDiff.js';
import type { ExcludedPath } from '../fleet/types.js';
import { LARGE_FILE_BYTES, type LiveEntry } from '../remote/types.js';
import { maskDiffLine, normaliseSecrets, secretLinePatterns } from './secrets.js';
import type { DesiredEntry, FileChange, HostDiff, MetaChange } from './types.js';

export { writeOpsFor } from './writeOps.js';
export { formatMode, isPending } from './changeKinds.js';

export interface DiffHostOptions {
  /** Paths the host's excludes protect, with the rule that fired: listed, never changed. */
  excluded?: ExcludedPath[];
  /** Secret values (e.g. secretValues(plan)); masked in the unified text unless `reveal`. */
  secrets?: string[];
  reveal?: boolean;
  /** Context lines around changes in the unified text (default 3). */
  context?: number;
  /**
   * Most line insertions+deletions the line diff may look for in a stretch that shares no
   * unique line with the other side, before giving up and showing the whole file replaced
   * (keeps huge, entirely different files fast). Default MAX_EDIT_LENGTH.
   */
  maxEditLength?: number;
}

export const DEFAULT_CONTEXT = 3;
/** About half a second, worst case, for two entirely different 20,000-line files. */
export const MAX_EDIT_LENGTH = 2000;
export const WHOLE_FILE_NOTE = 'too many changes: whole file replaced';
export const LARGE_FILE_NOTE = `larger than ${LARGE_FILE_BYTES / 1024 / 1024} MiB: compared by size and SHA-256, contents not shown`;

const shaMemo = new WeakMap<Buffer, string>();

/** SHA-256 (hex); remembered per buffer for large ones (a plan's content is hashed once a run). */
export function sha256(buf: Buffer): string {
  const known = shaMemo.get(buf);
  if (known !== undefined) return known;
  const sha = createHash('sha256').update(buf).digest('hex');
  if (buf.length > 64 * 1024) shaMemo.set(buf, sha);
  return sha;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Binary: holds a NUL byte or is not valid UTF-8. */
export function isBinaryContent(buf: Buffer): boolean {
  if (buf.includes(0)) return true;
  try {
    utf8.decode(buf);
    return false;
  } catch {
    return true;
  }
}

/** Compares the desired entries (plus excluded paths) with the live entries of one host. */
export function diffHost(host: string, desired: DesiredEntry[], live: LiveEntry[], opts: DiffHostOptions = {}): HostDiff {
  const liveByPath = new Map<string, LiveEntry>();
  for (const e of live) liveByPath.set(e.path, e);
  const desiredByPath = new Map<string, DesiredEntry>();
  for (const d of desired) desiredByPath.set(d.path, d);
  const excludedByPath = new Map<string, ExcludedPath>();
  for (const x of opts.excluded ?? []) if (!excludedByPath.has(x.path)) excludedByPath.set(x.path, x);

  const text: TextOptions = {
    context: opts.context ?? DEFAULT_CONTEXT,
    maxEditLength: opts.maxEditLength ?? MAX_EDIT_LENGTH,
    secrets: opts.reveal === true ? [] : normaliseSecrets(opts.secrets ?? []),
  };

  const paths = [...new Set([...desiredByPath.keys(), ...excludedByPath.keys()])].sort(comparePaths);
  const files: FileChange[] = [];
  for (const path of paths) {
    const d = desiredByPath.get(path);
    const l = liveByPath.get(path);
    const x = excludedByPath.get(path);
    if (x) {
      files.push(withSides({ path, kind: 'excluded', meta: [], added: 0, removed: 0, excludeRule: x.rule }, d, l));
    } else if (d === undefined) {
      continue; // unreachable: paths come from desired or excluded
    } else if (l === undefined) {
      files.push({ path, kind: 'unreadable', desired: d, meta: [], added: 0, removed: 0, error: 'the live state of this path was not read' });
    } else if (l.state === 'unreadable') {
      files.push({ path, kind: 'unreadable', desired: d, live: l, meta: [], added: 0, removed: 0, error: l.error });
    } else {
      files.push(classify(path, d, l, text));
    }
  }
  return { host, files, pending: files.filter((f) => isPending(f.kind)).length };
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withSides(fc: FileChange, d: DesiredEntry | undefined, l: LiveEntry | undefined): FileChange {
  if (d) fc.desired = d;
  if (l) fc.live = l;
  return fc;
}

interface TextOptions {
  context: number;
  maxEditLength: number;
  secrets: string[];
}

type PresentLive = Exclude<LiveEntry, { state: 'missing' } | { state: 'unreadable' }>;

function classify(path: string, d: DesiredEntry, l: Exclude<LiveEntry, { state: 'unreadable' }>, text: TextOptions): FileChange {
  const base = { path, desired: d, live: l, meta: [] as MetaChange[], added: 0, removed: 0 };
  if (d.state === 'absent') {
    if (l.state === 'missing') return { ...base, kind: 'unchanged' };
    return { ...base, kind: 'removed', ...contentChange(path, l, undefined, text) };
  }
  if (l.state === 'missing') {
    return { ...base, kind: 'new', ...contentChange(path, undefined, d, text) };
  }
  if (d.state === 'file' && l.state === 'file') {
    const meta = metaChanges(d, l);
    // A large live file was hashed, not kept: compare by size, then hash.
    const same = l.content !== undefined ? d.content.equals(l.content) : d.content.length === l.size && sha256(d.content) === l.sha256;
    if (same) return { ...base, meta, kind: meta.length > 0 ? 'metadata' : 'unchanged' };
    const change = contentChange(path, l, d, text);
    return { ...base, meta, kind: change.binary ? 'binary' : 'modified', ...change };
  }
  if (d.state === 'symlink' && l.state === 'symlink') {
    const meta = metaChanges(d, l);
    if (d.target === l.target) return { ...base, meta, kind: meta.length > 0 ? 'metadata' : 'unchanged' };
    return { ...base, meta, kind: 'link-changed' };
  }
  // A file where a symlink/dir/special file is, or the other way round.
  return { ...base, kind: 'type-changed', ...contentChange(path, l, d, text) };
}

/** Mode/owner/group differences, only for the fields the desired entry declares. */
function metaChanges(d: DesiredEntry, l: PresentLive): MetaChange[] {
  const out: MetaChange[] = [];
  if (d.state === 'absent') return out;
  if (d.state === 'file' && d.mode !== undefined && l.state === 'file' && (d.mode & 0o7777) !== (l.mode & 0o7777)) {
    out.push({ field: 'mode', from: formatMode(l.mode), to: formatMode(d.mode) });
  }
  if (d.owner !== undefined && d.owner !== l.owner) out.push({ field: 'owner', from: l.owner, to: d.owner });
  if (d.group !== undefined && d.group !== l.group) out.push({ field: 'group', from: l.group, to: d.group });
  return out;
}

type ContentFields = Pick<FileChange, 'unified' | 'hunks' | 'added' | 'removed' | 'binary' | 'note'>;

/**
 * The content side of a change between a live entry and a desired entry; only regular
 * files have content (a symlink or absent side counts as /dev/null). Binary content on
 * either side gives sizes and hashes instead of text.
 */
function contentChange(path: string, l: PresentLive | undefined, d: DesiredEntry | undefined, text: TextOptions): ContentFields {
  const from: Buffer | undefined = l?.state === 'file' ? l.content : undefined;
  const to: Buffer | undefined = d?.state === 'file' ? d.content : undefined;
  // Files over the limit (either side) are compared by fingerprint: no line diff of 200 MB.
  const large = (l?.state === 'file' && l.size > LARGE_FILE_BYTES) || (to !== undefined && to.length > LARGE_FILE_BYTES);
  if (large) {
    const binary: NonNullable<FileChange['binary']> = {};
    if (l?.state === 'file') {
      binary.fromSize = l.size;
      binary.fromSha = l.sha256;
    }
    if (to) {
      binary.toSize = to.length;
      binary.toSha = sha256(to);
    }
    return { binary, added: 0, removed: 0, note: LARGE_FILE_NOTE };
  }
  if ((from && isBinaryContent(from)) || (to && isBinaryContent(to))) {
    const binary: NonNullable<FileChange['binary']> = {};
    if (from) {
      binary.fromSize = from.length;
      binary.fromSha = sha256(from);
    }
    if (to) {
      binary.toSize = to.length;
      binary.toSha = sha256(to);
    }
    return { binary, added: 0, removed: 0 };
  }
  if (!from && !to) return { added: 0, removed: 0 };
  return unifiedDiff(path, from?.toString('utf8'), to?.toString('utf8'), text);
}

/** `/etc/x` → `a/etc/x` (git's convention); undefined side → `/dev/null`. */
function headerName(prefix: 'a/' | 'b/', path: string, present: boolean): string {
  if (!present) return '/dev/null';
  return prefix + (path.startsWith('/') ? path.slice(1) : path);
}

/**
 * Unified diff text of two texts (undefined = the file does not exist). Returns no text
 * when nothing differs line-wise (e.g. two empty sides).
 */
export function unifiedDiff(
  path: string,
  oldText: string | undefined,
  newText: string | undefined,
  opts: Partial<TextOptions> = {},
): ContentFields {
  const context = opts.context ?? DEFAULT_CONTEXT;
  const maxEditLength = opts.maxEditLength ?? MAX_EDIT_LENGTH;
  const secrets = opts.secrets ?? [];
  const oldName = headerName('a/', path, oldText !== undefined);
  const newName = headerName('b/', path, newText !== undefined);
  const a = oldText ?? '';
  const b = newText ?? '';

  let note: string | undefined;
  let patch: StructuredPatch | undefined = linePatch(oldName, newName, a, b, { context, maxEditLength });
  if (patch === undefined) {
    patch = wholeFilePatch(oldName, newName, a, b);
    note = WHOLE_FILE_NOTE;
  }
  if (patch.hunks.length === 0) return { added: 0, removed: 0 };

  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) {
    for (const line of h.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
    }
  }
  if (secrets.length > 0) {
    const patterns = secretLinePatterns([a, b], secrets);
    for (const h of patch.hunks) {
      h.lines = h.lines.map((line) => {
        const sign = line[0];
        if (sign !== ' ' && sign !== '+' && sign !== '-') return line;
        return sign + maskDiffLine(line.slice(1), secrets, patterns);
      });
    }
  }
  // The hunks are kept as they are (the console's rows are built from them); formatPatch
  // works on a copy (it renumbers hunks that start at an empty side).
  const hunks = patch.hunks;
  const unified = formatPatch({ ...patch, hunks: hunks.map((h) => ({ ...h })) }, FILE_HEADERS_ONLY);
  return note === undefined ? { unified, hunks, added, removed } : { unified, hunks, added, removed, note };
}

function splitLines(text: string): { lines: string[]; noEol: boolean } {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
    return { lines, noEol: false };
  }
  return { lines, noEol: true };
}

/** One hunk: every old line deleted, every new line inserted (the fallback for huge edits). */
function wholeFilePatch(oldName: string, newName: string, a: string, b: string): StructuredPatch {
  const o = splitLines(a);
  const n = splitLines(b);
  const lines: string[] = [];
  for (const l of o.lines) lines.push(`-${l}`);
  if (o.noEol) lines.push('\\ No newline at end of file');
  for (const l of n.lines) lines.push(`+${l}`);
  if (n.noEol) lines.push('\\ No newline at end of file');
  const hunk: StructuredPatchHunk = { oldStart: 1, oldLines: o.lines.length, newStart: 1, newLines: n.lines.length, lines };
  return { oldFileName: oldName, newFileName: newName, oldHeader: undefined, newHeader: undefined, hunks: [hunk] };
}
