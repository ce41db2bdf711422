import { createHash } from 'node:crypto';
import type { DesiredEntry } from '../../../src/core/diff/types.js';
import type { HostPlan, Switch } from '../../../src/core/fleet/types.js';
import type { LiveEntry, LiveMeta } from '../../../src/core/remote/types.js';

const META: LiveMeta = { mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' };

export function buf(content: string | Buffer): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

export function liveFile(path: string, content: string | Buffer, meta: Partial<LiveMeta> = {}): LiveEntry {
  const b = buf(content);
  return { path, state: 'file', content: b, size: b.length, sha256: createHash('sha256').update(b).digest('hex'), ...META, ...meta };
}

export function liveLink(path: string, target: string, meta: Partial<LiveMeta> = {}): LiveEntry {
  return { path, state: 'symlink', target, ...META, ...meta };
}

export function liveDir(path: string): LiveEntry {
  return { path, state: 'dir', ...META, mode: 0o755 };
}

export function missing(path: string): LiveEntry {
  return { path, state: 'missing' };
}

export function unreadable(path: string, error: string): LiveEntry {
  return { path, state: 'unreadable', error };
}

export function wantFile(path: string, content: string | Buffer, meta: { mode?: number; owner?: string; group?: string } = {}): DesiredEntry {
  return { path, state: 'file', content: buf(content), ...meta };
}

export function wantLink(path: string, target: string, meta: { owner?: string; group?: string } = {}): DesiredEntry {
  return { path, state: 'symlink', target, ...meta };
}

export function wantAbsent(path: string): DesiredEntry {
  return { path, state: 'absent' };
}

export function sha(content: string | Buffer): string {
  return createHash('sha256').update(buf(content)).digest('hex');
}

/** A config-like text of n lines. */
export function bigText(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`option_${i % 97}_${i} = value ${i * 7} # line ${i + 1}`);
  return lines;
}

export function makePlan(host: string, parts: Partial<HostPlan> = {}): HostPlan {
  return {
    host,
    settings: { root: '/', become: '', watch: [] },
    switches: [],
    excludeRules: [],
    files: [],
    excluded: [],
    skipped: [],
    hooks: { 'pre-deploy': [], 'post-deploy': [], 'pre-rollback': [], 'post-rollback': [], health: [] },
    warnings: [],
    ...parts,
  };
}

export function secretSwitch(name: string, value: string, secret = true): Switch {
  return { name, value, secret, origin: { kind: 'default', file: 'etc/serverconfig/default', line: 1 } };
}
