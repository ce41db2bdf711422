/**
 * The `:` command palette's list (pure): generated from the keymap table, so every command
 * the keys know is here and nothing else is. Commands of the pane under the palette come
 * first; the others are listed (dimmed) with where they work.
 */
import { contextsLabel, KEYMAP, keysLabel, MODAL_CONTEXTS, type CommandId, type Context, type KeyBinding, type KeyPress } from '../keymap.js';
import { activeContexts } from './select.js';
import { TABS, type AppState } from './types.js';

export interface PaletteItem {
  /** Unique in the list (a command, or a command and its key: the tabs). */
  id: string;
  command: CommandId;
  /** The key press the command runs with (the tab commands read which digit). */
  press: KeyPress;
  label: string;
  keys: string;
  where: string;
  /** Bound where the user is (under the palette). */
  available: boolean;
}

const TAB_NAMES: Record<string, string> = { switches: 'Switches', excludes: 'Excludes', files: 'Files', diff: 'Diff', history: 'History' };

/** Bindings the palette lists: everything outside the modal layers (typing, dialogs, the palette itself). */
function listed(binding: KeyBinding): boolean {
  return binding.contexts.some((c) => !MODAL_CONTEXTS.includes(c));
}

function itemsOf(binding: KeyBinding, under: readonly Context[]): PaletteItem[] {
  const available = binding.contexts.some((c) => under.includes(c));
  const where = contextsLabel(binding);
  if (binding.command === 'tab') {
    return TABS.map((tab, i) => ({
      id: `tab-${i + 1}`,
      command: binding.command,
      press: { name: String(i + 1), text: String(i + 1) },
      label: `Tab ${i + 1}: ${TAB_NAMES[tab] ?? tab}`,
      keys: String(i + 1),
      where,
      available,
    }));
  }
  const key = binding.keys[0] ?? '';
  return [{ id: binding.command, command: binding.command, press: { name: key, ...(key.length === 1 ? { text: key } : {}) }, label: binding.description, keys: keysLabel(binding), where, available }];
}

/** The contexts under the palette: where a chosen command runs. */
export function contextsUnderPalette(state: AppState): Context[] {
  return activeContexts({ ...state, palette: undefined });
}

/**
 * Every command, narrowed by the typed words (each must appear in the label, keys or name):
 * the best matches first, and of equal ones those that work here before the others.
 */
export function paletteItems(state: AppState): PaletteItem[] {
  const under = contextsUnderPalette(state);
  const all = KEYMAP.filter(listed).flatMap((b) => itemsOf(b, under));
  const words = (state.palette?.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const text = words.join(' ');
  const ranked = all.flatMap((item, order) => {
    const hay = `${item.label} ${item.keys} ${item.command}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return [];
    // The label as typed first, then every word starting a word of it, then anywhere.
    const label = item.label.toLowerCase();
    const starts = words.every((w) => label.split(/[^a-z0-9]+/).some((part) => part.startsWith(w)));
    const score = label.startsWith(text) || item.command.startsWith(text) ? 0 : starts ? 1 : 2;
    return [{ item, rank: score * 2 + (item.available ? 0 : 1), order }];
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.order - b.order).map((r) => r.item);
}
