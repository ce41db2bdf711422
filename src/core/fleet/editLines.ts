/**
 * The lines `konf adopt` adds to the admin's files, as text: an exclude (with a comment
 * naming who and when) and a permissions line for exactly one path. Pure: the caller
 * shows the result as a diff before anything is written.
 */
import { formatMode } from '../diff/compare.js';
import type { Permission, PermissionRule } from './types.js';

/** Text with a final newline (an empty text stays empty). */
function terminated(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * An exclude file with `path` added at the end, after a comment saying why, who and when:
 *
 *     # kept on this host only (konf adopt): /etc/motd, by alice@jump1 on 2026-01-02 03:04 UTC
 *     /etc/motd
 */
export function withExcludeLine(text: string, path: string, why: string, operator: string, jumpHost: string, when: Date): string {
  const stamp = `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `${terminated(text)}# ${why}: ${path}, by ${operator}@${jumpHost} on ${stamp}\n${path}\n`;
}

/** `PATH MODE OWNER GROUP` with `-` for fields left unset. */
export function permissionLine(path: string, p: Permission): string {
  return `${path} ${p.mode !== undefined ? formatMode(p.mode) : '-'} ${p.owner ?? '-'} ${p.group ?? '-'}`;
}

/**
 * The permissions file with `path`'s metadata set to `p`: the line of an existing rule
 * for exactly this path (`rule.glob === path`) is replaced; otherwise a line is appended
 * (the last matching rule wins, so it overrides any glob above it).
 */
export function withPermissionLine(text: string, path: string, p: Permission, exact: PermissionRule | undefined): string {
  const line = permissionLine(path, p);
  if (exact !== undefined && exact.glob === path) {
    const lines = text.split('\n');
    if (lines[exact.line - 1] !== undefined) {
      lines[exact.line - 1] = line;
      return lines.join('\n');
    }
  }
  return `${terminated(text)}${line}\n`;
}
