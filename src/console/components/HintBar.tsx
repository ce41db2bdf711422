/** The bottom line: the keys that apply right now, from the keymap. */
import { Text } from 'ink';
import { memo } from 'react';
import { bindingsFor, keyLabel, type Context } from '../keymap.js';

export function hintItems(contexts: readonly Context[]): { keys: string; label: string }[] {
  const items: { keys: string; label: string }[] = [];
  // Specific contexts first, then the global ones.
  const specific = bindingsFor(contexts.filter((c) => c !== 'global'));
  const global = contexts.includes('global') ? bindingsFor(['global']).filter((b) => !specific.includes(b)) : [];
  for (const binding of [...specific, ...global]) {
    if (!binding.hint) continue;
    const keys = binding.command === 'tab' ? '1-5' : binding.command === 'up' ? 'j/k' : binding.keys.filter((k) => k !== 'char').map(keyLabel).join('/');
    items.push({ keys, label: binding.hint });
  }
  return items;
}

export const HintBar = memo(function HintBar(props: { contexts: readonly Context[]; width: number; notice?: string }) {
  const items = hintItems(props.contexts);
  const parts: string[] = [];
  let used = 0;
  for (const item of items) {
    const text = `${item.keys} ${item.label}`;
    if (used + text.length + 2 > props.width) break;
    parts.push(text);
    used += text.length + 2;
  }
  return (
    <Text wrap="truncate" dimColor={!props.notice}>
      {props.notice ? <Text bold>{props.notice} </Text> : null}
      {parts.join('  ')}
    </Text>
  );
}, (a, b) => a.width === b.width && a.notice === b.notice && a.contexts.join() === b.contexts.join());
