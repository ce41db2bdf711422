/**
 * Logical target paths: absolute POSIX paths as seen inside the target root
 * (`/etc/nginx/nginx.conf`), never joined with konf_root here. These checks are what keeps
 * every written path inside the root: no `..`, no `.`, no empty components, no control
 * characters (a newline would also break KONF_CHANGED, which is newline-separated).
 */

/** Why a logical path is unacceptable, or undefined when it is fine. */
export function logicalPathProblem(p: string): string | undefined {
  if (!p.startsWith('/')) return 'is not absolute (it must start with /)';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(p)) return 'contains a control character (newline, tab, …)';
  if (p === '/') return undefined;
  const parts = p.slice(1).split('/');
  for (const [i, part] of parts.entries()) {
    if (part === '..') return 'contains a `..` component, which could escape the target root';
    if (part === '.') return 'contains a `.` component';
    if (part === '' && i !== parts.length - 1) return 'contains an empty component (`//`)';
  }
  return undefined;
}

/**
 * konf's own space on every host: its state folder (lock, journal) and the names it gives
 * its temporary files (`.konf-tmp-…`; every `.konf-` name is kept for konf). Nothing from
 * the repository may be planned there: it would be written over konf's own files, or
 * deleted as a stale temp by the next write.
 */
export const RESERVED_HOST_DIR = '/var/lib/konf';
export const RESERVED_NAME_PREFIX = '.konf-';

/** Why a logical path is konf's own on the host, or undefined. */
export function reservedPathProblem(p: string): string | undefined {
  const why = 'is reserved for konf on the host';
  if (p === RESERVED_HOST_DIR || p.startsWith(`${RESERVED_HOST_DIR}/`)) return `${why} (its state folder ${RESERVED_HOST_DIR}: lock, journal)`;
  if (p.split('/').some((part) => part.startsWith(RESERVED_NAME_PREFIX))) return `${why} (names starting with ${RESERVED_NAME_PREFIX} are konf's temporary files)`;
  return undefined;
}

/** Whether a file or symlink at `p` would stand where a folder leading to konf's state folder must be. */
export function shadowsReservedDir(p: string): boolean {
  return p !== '/' && RESERVED_HOST_DIR.startsWith(`${p}/`);
}

/** True when `p` is an acceptable logical path (absolute, no `..`, no control characters). */
export function isSafeLogicalPath(p: string): boolean {
  return logicalPathProblem(p) === undefined;
}

/** Removes one trailing slash (except for `/` itself). */
export function stripTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/**
 * Whether a symlink placed at logical path `linkPath` with the given target would resolve
 * outside the target root. Absolute targets are deployed verbatim (they mean the host's own
 * view, e.g. `/usr/share/zoneinfo/UTC`) and are not an escape; a relative target whose `..`
 * components climb above the root is.
 */
export function symlinkEscapesRoot(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  const dir = linkPath.split('/').filter((s) => s !== '');
  dir.pop(); // the link's own name
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (dir.length === 0) return true;
      dir.pop();
    } else {
      dir.push(part);
    }
  }
  return false;
}

const isSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;

/**
 * Byte-order comparison of two strings' UTF-8 (as `LC_ALL=C sort` orders file names),
 * without encoding them: UTF-8's byte order is the order of code points, which is the
 * order of UTF-16 code units wherever neither side is a surrogate. At the first
 * difference involving a surrogate (a character beyond the BMP, or a lone one that UTF-8
 * turns into U+FFFD) the two are encoded and compared as bytes. Sorting 2,000 host names
 * or 5,000 repository paths used to encode both strings at every comparison.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (isSurrogate(x) || isSurrogate(y) || (i > 0 && isSurrogate(a.charCodeAt(i - 1)))) return Buffer.compare(Buffer.from(a), Buffer.from(b));
    return x < y ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  if (n > 0 && isSurrogate(a.charCodeAt(n - 1))) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a.length < b.length ? -1 : 1;
}
