/** The bottom line: the keys that apply right now, from the keymap. */
import { Text } from 'ink';
import { memo } from 'react';
import { columns } from '../format.js';
import { bindingsFor, keyLabel, type Context } from '../keymap.js';

export interface HintItem {
  keys: string;
  label: string;
  command: string;
  /** The binding's `keep` (hint bar priority): 1 always kept, then 2, then 3 (the rest). */
  rank: number;
}

export function hintItems(contexts: readonly Context[]): HintItem[] {
  const items: HintItem[] = [];
  // Specific contexts first, then the global ones.
  const specific = bindingsFor(contexts.filter((c) => c !== 'global'));
  const global = contexts.includes('global') ? bindingsFor(['global']).filter((b) => !specific.includes(b)) : [];
  for (const binding of [...specific, ...global]) {
    if (!binding.hint) continue;
    const keys = binding.command === 'tab' ? '1-5' : binding.command === 'up' ? 'j/k' : binding.keys.filter((k) => k !== 'char').map(keyLabel).join('/');
    items.push({ keys, label: binding.hint, command: binding.command, rank: binding.keep ?? 3 });
  }
  return items;
}

/**
 * The hints that fit in `width` columns (two spaces apart), shown in their order: the
 * keymap's priority decides which are dropped first (the lowest rank is kept first; among
 * equals, the earlier one).
 */
export function fitHints(items: readonly { keys: string; label: string; rank?: number }[], width: number): string[] {
  const texts = items.map((item) => `${item.keys} ${item.label}`);
  const keep = new Set<number>();
  let used = 0;
  const order = texts.map((_, i) => i).sort((a, b) => (items[a]!.rank ?? 3) - (items[b]!.rank ?? 3) || a - b);
  for (const i of order) {
    const cost = columns(texts[i]!) + (keep.size > 0 ? 2 : 0);
    if (used + cost > width) continue;
    keep.add(i);
    used += cost;
  }
  return texts.filter((_, i) => keep.has(i));
}

export const HintBar = memo(function HintBar(props: { contexts: readonly Context[]; width: number; notice?: string }) {
  const items = hintItems(props.contexts);
  const room = props.width - (props.notice ? columns(props.notice) + 1 : 0);
  const parts = fitHints(items, Math.max(0, room));
  return (
    <Text wrap="truncate" dimColor={!props.notice}>
      {props.notice ? <Text bold>{props.notice} </Text> : null}
      {parts.join('  ')}
    </Text>
  );
}, (a, b) => a.width === b.width && a.notice === b.notice && a.contexts.join() === b.contexts.join());
