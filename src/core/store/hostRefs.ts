/**
 * A host's ref in the snapshot store (`refs/konf/hosts/<host>`): the names a host may
 * have, the commit its ref points at, and what a snapshot commit says (time and trailers).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { changedFromTrailers, parseMessage, trailer } from './message.js';
import type { SnapshotInfo, SnapshotReason } from './types.js';

export const REF_PREFIX = 'refs/konf/hosts/';

/** The host ref's commit, read from the files git keeps refs in (loose, then packed-refs). */
export async function readHostRef(gitDir: string, host: string): Promise<string | undefined> {
  const ref = REF_PREFIX + host;
  try {
    const value = (await fs.readFile(path.join(gitDir, ref), 'utf8')).trim();
    if (/^[0-9a-f]{40}$/.test(value)) return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let packed: string;
  try {
    packed = await fs.readFile(path.join(gitDir, 'packed-refs'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  for (const line of packed.split('\n')) {
    const [oid, name] = line.split(' ');
    if (name === ref && oid !== undefined && /^[0-9a-f]{40}$/.test(oid)) return oid;
  }
  return undefined;
}

/**
 * Host names become ref names and folder names: letters, digits, `.`, `_`, `-`, starting
 * with a letter, digit or `_`, no `..`, not ending in `.` or `.lock`.
 */
export function checkHost(host: string): void {
  if (
    !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/.test(host) ||
    host.includes('..') ||
    host.endsWith('.') ||
    host.endsWith('.lock')
  ) {
    throw new ConfigError(`invalid host name for the snapshot store: ${JSON.stringify(host)}`);
  }
}

export function identName(operator: string): string {
  return operator.replace(/[<>]/g, '').trim() || 'unknown';
}

export function identEmail(operator: string): string {
  return operator.replace(/[^A-Za-z0-9._+-]/g, '_') || 'unknown';
}

export function parseCommit(raw: Buffer): { time: number; body: string } | undefined {
  const text = raw.toString('utf8');
  const split = text.indexOf('\n\n');
  if (split < 0) return undefined;
  const committer = /^committer .* (\d+) [+-]\d{4}$/m.exec(text.slice(0, split));
  if (!committer) return undefined;
  return { time: Number(committer[1]), body: text.slice(split + 2) };
}

export function infoFrom(id: string, time: number, body: string): SnapshotInfo | undefined {
  const parsed = parseMessage(body);
  const host = trailer(parsed, 'Konf-Host');
  if (host === undefined) return undefined;
  const files = Number(trailer(parsed, 'Konf-Files') ?? '0');
  return {
    id,
    host,
    time: new Date(time * 1000).toISOString(),
    reason: (trailer(parsed, 'Konf-Reason') ?? 'manual') as SnapshotReason,
    operator: trailer(parsed, 'Konf-Operator') ?? '',
    op: trailer(parsed, 'Konf-Op') ?? '',
    ...(parsed.message === undefined ? {} : { message: parsed.message }),
    files: Number.isFinite(files) ? files : 0,
    changed: changedFromTrailers(parsed),
  };
}
