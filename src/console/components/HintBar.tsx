/** The bottom line: the keys that apply right now, from the keymap. */
import { Text } from 'ink';
import { memo } from 'react';
import { bindingsFor, keyLabel, type Context } from '../keymap.js';

export function hintItems(contexts: readonly Context[]): { keys: string; label: string; command: string }[] {
  const items: { keys: string; label: string; command: string }[] = [];
  // Specific contexts first, then the global ones.
  const specific = bindingsFor(contexts.filter((c) => c !== 'global'));
  const global = contexts.includes('global') ? bindingsFor(['global']).filter((b) => !specific.includes(b)) : [];
  for (const binding of [...specific, ...global]) {
    if (!binding.hint) continue;
    const keys = binding.command === 'tab' ? '1-5' : binding.command === 'up' ? 'j/k' : binding.keys.filter((k) => k !== 'char').map(keyLabel).join('/');
    items.push({ keys, label: binding.hint, command: binding.command });
  }
  return items;
}

/** Hints that are always kept when anything fits: how to get help and how to leave. */
const ESSENTIAL = new Set(['help', 'quit']);

/** The hints that fit in `width` columns (two spaces apart), in table order; help and quit kept first. */
export function fitHints(items: readonly { keys: string; label: string }[], width: number, essential: (index: number) => boolean = () => false): string[] {
  const texts = items.map((item) => `${item.keys} ${item.label}`);
  const keep = new Set<number>();
  let used = 0;
  const add = (i: number) => {
    const cost = texts[i]!.length + (keep.size > 0 ? 2 : 0);
    if (used + cost > width) return;
    keep.add(i);
    used += cost;
  };
  texts.forEach((_, i) => {
    if (essential(i)) add(i);
  });
  texts.forEach((_, i) => {
    if (!keep.has(i)) add(i);
  });
  return texts.filter((_, i) => keep.has(i));
}

export const HintBar = memo(function HintBar(props: { contexts: readonly Context[]; width: number; notice?: string }) {
  const items = hintItems(props.contexts);
  const room = props.width - (props.notice ? props.notice.length + 1 : 0);
  const parts = fitHints(items, Math.max(0, room), (i) => ESSENTIAL.has(items[i]!.command));
  return (
    <Text wrap="truncate" dimColor={!props.notice}>
      {props.notice ? <Text bold>{props.notice} </Text> : null}
      {parts.join('  ')}
    </Text>
  );
}, (a, b) => a.width === b.width && a.notice === b.notice && a.contexts.join() === b.contexts.join());
