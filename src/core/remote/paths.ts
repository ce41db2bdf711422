/**
 * Logical target paths (`/etc/nginx/nginx.conf`) and where they live on a host
 * (`<konf_root>/etc/nginx/nginx.conf`). Everything here is pure string work: the checks
 * that need the host's filesystem (symlinked parents leading outside the root) are done by
 * the remote scripts.
 */
import { HostError } from '../errors.js';

export interface TargetPath {
  /** Normalised logical path: absolute, no `.`/empty segments, no trailing slash. */
  logical: string;
  /** Relative to the root, `.` for the root itself (`etc/nginx/nginx.conf`). */
  rel: string;
  /** Logical parent folder (`/` for top-level entries); undefined for the root itself. */
  parent: string | undefined;
  /** Last segment (empty for the root itself). */
  name: string;
}

/**
 * Normalises a logical absolute path. Refuses relative paths, NUL bytes and any `..`
 * segment (even one that would stay inside the root): HostError 'root-escape'.
 */
export function targetPath(host: string, input: string): TargetPath {
  if (typeof input !== 'string' || !input.startsWith('/')) {
    throw new HostError(host, 'root-escape', `refusing path ${JSON.stringify(input)}: target paths must be absolute (inside konf_root)`);
  }
  if (input.includes('\0')) throw new HostError(host, 'root-escape', `refusing path ${JSON.stringify(input)}: it contains a NUL byte`);
  const segments: string[] = [];
  for (const seg of input.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new HostError(host, 'root-escape', `refusing path ${input}: '..' is not allowed in target paths`);
    segments.push(seg);
  }
  if (segments.length === 0) return { logical: '/', rel: '.', parent: undefined, name: '' };
  const name = segments[segments.length - 1] as string;
  return {
    logical: `/${segments.join('/')}`,
    rel: segments.join('/'),
    parent: segments.length === 1 ? '/' : `/${segments.slice(0, -1).join('/')}`,
    name,
  };
}

/** Normalises konf_root: absolute, no trailing slash except for `/` itself, no `..`. */
export function normaliseRoot(host: string, root: string): string {
  if (!root.startsWith('/') || root.includes('\0') || root.split('/').includes('..')) {
    throw new HostError(host, 'root-escape', `konf_root must be an absolute path without '..', got ${JSON.stringify(root)}`);
  }
  const segs = root.split('/').filter((s) => s !== '' && s !== '.');
  return segs.length === 0 ? '/' : `/${segs.join('/')}`;
}

/** The host path of a logical path under root. */
export function onHost(root: string, logical: string): string {
  if (logical === '/') return root;
  return root === '/' ? logical : `${root}${logical}`;
}

/** The logical path `levels` folders above `logical` (0 = itself). */
export function ancestor(logical: string, levels: number): string {
  let p = logical;
  for (let i = 0; i < levels && p !== '/'; i++) {
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '/' : p.slice(0, cut);
  }
  return p;
}
