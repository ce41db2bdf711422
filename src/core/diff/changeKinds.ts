/**
 * What a change kind means and how a mode is written: small helpers the grouping of
 * changes (and through it the console's first frame) needs, kept apart from compare.ts so
 * that importing them does not load the line diff engine (jsdiff).
 */
import type { ChangeKind } from './types.js';

const NOT_PENDING: ReadonlySet<ChangeKind> = new Set<ChangeKind>(['unchanged', 'excluded', 'unreadable']);

/** Whether a change kind means something will be written (everything but unchanged/excluded/unreadable). */
export function isPending(kind: ChangeKind): boolean {
  return !NOT_PENDING.has(kind);
}

/** Permission bits as 4-digit octal, e.g. `0644`, `4755`. */
export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
