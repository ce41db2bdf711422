/** Cursor and scroll arithmetic for windowed lists (pure). */
import type { DiffCursor, ListCursor } from './types.js';

export type Motion = 'up' | 'down' | 'top' | 'bottom' | 'page-up' | 'page-down';

export const ZERO_LIST: ListCursor = { index: 0, top: 0 };
export const ZERO_DIFF: DiffCursor = { file: 0, top: 0, left: 0 };

export function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}

/** The first visible row that keeps `index` in a window of `height` rows, moving as little as possible from `top`. */
export function keepVisible(index: number, top: number, height: number, total: number): number {
  const rows = Math.max(1, height);
  let next = top;
  if (index < next) next = index;
  if (index >= next + rows) next = index - rows + 1;
  return clamp(next, 0, Math.max(0, total - rows));
}

/** Moves a list cursor (selection) and scrolls so it stays visible. */
export function moveCursor(cursor: ListCursor, motion: Motion, total: number, height: number): ListCursor {
  if (total <= 0) return { index: 0, top: 0 };
  const page = Math.max(1, height - 1);
  let index = clamp(cursor.index, 0, total - 1);
  switch (motion) {
    case 'up':
      index--;
      break;
    case 'down':
      index++;
      break;
    case 'top':
      index = 0;
      break;
    case 'bottom':
      index = total - 1;
      break;
    case 'page-up':
      index -= page;
      break;
    case 'page-down':
      index += page;
      break;
  }
  index = clamp(index, 0, total - 1);
  return { index, top: keepVisible(index, cursor.top, height, total) };
}

/** Scrolls a view without a selection (diff, help, log): `top` only. */
export function scrollTop(top: number, motion: Motion, total: number, height: number): number {
  const rows = Math.max(1, height);
  const max = Math.max(0, total - rows);
  const page = Math.max(1, rows - 1);
  switch (motion) {
    case 'up':
      return clamp(top - 1, 0, max);
    case 'down':
      return clamp(top + 1, 0, max);
    case 'top':
      return 0;
    case 'bottom':
      return max;
    case 'page-up':
      return clamp(top - page, 0, max);
    case 'page-down':
      return clamp(top + page, 0, max);
  }
}

/** The visible slice [start, end) of a list for a window, clamped for the current size. */
export function windowOf(top: number, height: number, total: number): { start: number; end: number } {
  const rows = Math.max(0, height);
  const start = clamp(top, 0, Math.max(0, total - rows));
  return { start, end: Math.min(total, start + rows) };
}
