/**
 * The per-host manifest of a snapshot (`hosts/<host>/manifest.json`): for every recorded
 * logical path its state and metadata. File contents live beside it at
 * `hosts/<host>/files/<path>`; symlinks, folders, absent and unreadable paths exist only
 * here, so nothing in the store is ever a git symlink and nothing is followed.
 */
import { createHash } from 'node:crypto';
import type { LiveEntry } from '../remote/types.js';

export const MANIFEST_FORMAT = 'konf-manifest/1';

export type ManifestState = 'file' | 'symlink' | 'absent' | 'dir' | 'other' | 'unreadable';

export interface ManifestEntry {
  path: string;
  state: ManifestState;
  /** Permission bits as 4 octal digits ("0644", "4755"). */
  mode?: string;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  /** Files: content size and SHA-256 (hex). */
  size?: number;
  sha256?: string;
  /** Symlinks: the link's target, verbatim. */
  target?: string;
  /** Unreadable paths: why. */
  error?: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  host: string;
  entries: ManifestEntry[];
}

/**
 * Snapshot-ready form of one live entry: its manifest line and, for files, the content (or,
 * for a large file, the spool file holding it).
 */
export function toManifestEntry(entry: LiveEntry): { entry: ManifestEntry; content?: Buffer; spool?: string } {
  const path = entry.path;
  switch (entry.state) {
    case 'missing':
      return { entry: { path, state: 'absent' } };
    case 'unreadable':
      return { entry: { path, state: 'unreadable', error: entry.error } };
    case 'file': {
      if (entry.content === undefined) {
        if (entry.spool === undefined) throw new Error(`snapshot of ${path}: its content was not kept (a large file read without spooling)`);
        return { entry: { path, state: 'file', ...meta(entry), size: entry.size, sha256: entry.sha256 }, spool: entry.spool };
      }
      const sha256 = createHash('sha256').update(entry.content).digest('hex');
      return {
        entry: { path, state: 'file', ...meta(entry), size: entry.content.length, sha256 },
        content: entry.content,
      };
    }
    case 'symlink':
      return { entry: { path, state: 'symlink', ...meta(entry), target: entry.target } };
    case 'dir':
    case 'other':
      return { entry: { path, state: entry.state, ...meta(entry) } };
  }
}

function meta(e: { mode: number; uid: number; gid: number; owner: string; group: string }) {
  return { mode: formatMode(e.mode), uid: e.uid, gid: e.gid, owner: e.owner, group: e.group };
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Back to what the remote layer reads (absent → 'missing'). Files need their content. */
export function toLiveEntry(entry: ManifestEntry, content?: Buffer): LiveEntry {
  const path = entry.path;
  const liveMeta = () => ({
    mode: Number.parseInt(entry.mode ?? '0', 8),
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    owner: entry.owner ?? '',
    group: entry.group ?? '',
  });
  switch (entry.state) {
    case 'absent':
      return { path, state: 'missing' };
    case 'unreadable':
      return { path, state: 'unreadable', error: entry.error ?? 'unreadable' };
    case 'file': {
      if (content === undefined) throw new Error(`snapshot content missing for ${path}`);
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (entry.sha256 !== undefined && sha256 !== entry.sha256) {
        throw new Error(`snapshot content of ${path} does not match its recorded SHA-256`);
      }
      return { path, state: 'file', content, size: content.length, sha256, ...liveMeta() };
    }
    case 'symlink':
      return { path, state: 'symlink', target: entry.target ?? '', ...liveMeta() };
    case 'dir':
    case 'other':
      return { path, state: entry.state, ...liveMeta() };
  }
}

const KEY_ORDER: (keyof ManifestEntry)[] = ['path', 'state', 'mode', 'uid', 'gid', 'owner', 'group', 'size', 'sha256', 'target', 'error'];

/** One entry as canonical JSON (fixed key order): also the equality key for "changed". */
export function entryKey(entry: ManifestEntry): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    if (entry[key] !== undefined) ordered[key] = entry[key];
  }
  return JSON.stringify(ordered);
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Deterministic text: entries sorted by path, one per line, so `git log -p` reads well. */
export function serializeManifest(host: string, entries: ManifestEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => compareBytes(a.path, b.path));
  const lines = sorted.map((e) => `    ${entryKey(e)}`);
  const body = lines.length === 0 ? '[]' : `[\n${lines.join(',\n')}\n  ]`;
  return Buffer.from(`{\n  "format": ${JSON.stringify(MANIFEST_FORMAT)},\n  "host": ${JSON.stringify(host)},\n  "entries": ${body}\n}\n`, 'utf8');
}

export function parseManifest(data: Buffer, where: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw new Error(`${where}: manifest is not valid JSON (${(err as Error).message})`);
  }
  const m = parsed as Partial<Manifest> | null;
  if (!m || m.format !== MANIFEST_FORMAT || typeof m.host !== 'string' || !Array.isArray(m.entries)) {
    throw new Error(`${where}: not a ${MANIFEST_FORMAT} manifest`);
  }
  for (const e of m.entries) {
    if (!e || typeof e.path !== 'string' || typeof e.state !== 'string') throw new Error(`${where}: malformed manifest entry`);
  }
  return m as Manifest;
}

/**
 * Paths whose state or metadata differ between two snapshots, sorted. A path the previous
 * snapshot did not record counts as absent there (so newly watched, still-absent paths
 * are not "changed"), and likewise for a path no longer recorded.
 */
export function changedPaths(previous: ReadonlyMap<string, string> | undefined, next: ManifestEntry[]): string[] {
  const absent = (path: string) => entryKey({ path, state: 'absent' });
  const changed = new Set<string>();
  const nextKeys = new Map(next.map((e) => [e.path, entryKey(e)]));
  for (const [path, key] of nextKeys) {
    if ((previous?.get(path) ?? absent(path)) !== key) changed.add(path);
  }
  for (const [path, key] of previous ?? []) {
    if (!nextKeys.has(path) && key !== absent(path)) changed.add(path);
  }
  return [...changed].sort(compareBytes);
}

export function manifestKeys(entries: ManifestEntry[]): Map<string, string> {
  return new Map(entries.map((e) => [e.path, entryKey(e)]));
}

/**
 * Splits a logical path ("/etc/nginx/nginx.conf") into components, refusing anything that
 * is not a plain absolute path (empty, ".", ".." components, NUL).
 */
export function pathComponents(logical: string): string[] {
  if (!logical.startsWith('/') || logical.includes('\0')) throw new Error(`not an absolute path: ${JSON.stringify(logical)}`);
  const parts = logical.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`not a plain absolute path (empty, "." or ".." component): ${JSON.stringify(logical)}`);
  }
  return parts;
}

// Characters macOS/HFS+ ignores in names: git's fsck treats ".g\u200cit" like ".git".
const IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;
const IGNORABLE_CHAR = /^[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]$/;

/**
 * The git tree entry name for one path component. Most names are stored verbatim;
 * names git refuses or treats specially (".git", ".gitmodules", NTFS short name
 * "git~1", control characters) and names starting with "%" are stored as "%" followed
 * by a percent-encoding, so the mapping stays one-to-one. The manifest holds the real
 * path; this is only where the bytes live.
 */
export function treeName(component: string): string {
  const folded = component.replace(IGNORABLE, '').toLowerCase();
  // eslint-disable-next-line no-control-regex
  const special = /[\x00-\x1f\x7f]/.test(component) || component.startsWith('%') || folded.startsWith('.git') || folded.startsWith('git~');
  if (!special) return component;
  let out = '%';
  for (const [i, ch] of [...component].entries()) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '%' || code < 0x20 || code === 0x7f || (i === 0 && ch === '.') || (i === 0 && (ch === 'g' || ch === 'G'))) {
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else if (IGNORABLE_CHAR.test(ch)) {
      out += encodeURIComponent(ch);
    } else {
      out += ch;
    }
  }
  return out;
}
