/**
 * Keys of the `:` command palette (context `palette`, modal): typing narrows the list,
 * ↑/↓ (Ctrl-P/Ctrl-N) move, Esc closes. Enter runs the highlighted command where the user
 * was — its handler is in state/reducer.ts, which owns the command table.
 */
import { clamp } from '../cursor.js';
import { paletteItems } from '../palette.js';
import { paletteRows } from '../select.js';
import type { AppState } from '../types.js';
import type { ContextHandlers } from './handler.js';

export const palette = {
  'palette-type': (state, press) => setText(state, (state.palette?.text ?? '') + (press.text ?? '')),
  'palette-erase': (state) => setText(state, (state.palette?.text ?? '').slice(0, -1)),
  'palette-up': (state) => move(state, -1),
  'palette-down': (state) => move(state, 1),
  'palette-close': (state) => ({ ...state, palette: undefined }),
} satisfies Omit<ContextHandlers<'palette'>, 'palette-run'>;

/** `:` (global): the palette opens with every command listed. */
export function openPalette(state: AppState): AppState {
  return { ...state, palette: { text: '', index: 0, top: 0 } };
}

function setText(state: AppState, text: string): AppState {
  return { ...state, palette: { text, index: 0, top: 0 } };
}

function move(state: AppState, delta: 1 | -1): AppState {
  const current = state.palette;
  if (!current) return state;
  const total = paletteItems(state).length;
  if (total === 0) return state;
  const index = (current.index + delta + total) % total;
  const rows = paletteRows(state);
  const top = clamp(index < current.top ? index : index >= current.top + rows ? index - rows + 1 : current.top, 0, Math.max(0, total - rows));
  return { ...state, palette: { ...current, index, top } };
}
