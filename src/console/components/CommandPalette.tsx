/**
 * `:`: the command palette. Its list comes from the keymap (state/palette.ts) and is drawn
 * by ink-select-input; the reducer owns the typed text and the highlighted row (the one
 * input dispatcher feeds it), so the widget never reads the keyboard itself.
 */
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { useMemo, type FC } from 'react';
import { fit } from '../format.js';
import { paletteItems, type PaletteItem } from '../state/palette.js';
import type { AppState } from '../state/types.js';
import { useTone } from '../theme.js';

const KEYS_WIDTH = 10;

function Indicator({ isSelected = false }: { isSelected?: boolean }) {
  return <Text bold>{isSelected ? '\u276f ' : '  '}</Text>;
}

export function CommandPalette(props: { state: AppState; rows: number; width: number }) {
  const tone = useTone();
  const open = props.state.palette ?? { text: '', index: 0, top: 0 };
  const items = paletteItems(props.state);
  const shown = items.slice(open.top, open.top + props.rows);
  const room = Math.max(10, props.width - 2);
  // Where a command works, for those that do not work here (when there is room).
  const whereWidth = room >= 70 && shown.some((item) => !item.available) ? 24 : 0;
  const byKey = new Map<string, PaletteItem>(shown.map((item) => [item.id, item]));
  // One row: keys, what the command does, where it works (dimmed when not here).
  const Row: FC<{ isSelected?: boolean; label: string }> = useMemo(
    () =>
      function PaletteRow({ isSelected = false, label }) {
        const item = byKey.get(label);
        if (!item) return <Text>{label}</Text>;
        const description = room - KEYS_WIDTH - (whereWidth ? whereWidth + 1 : 0);
        return (
          <Text wrap="truncate" inverse={isSelected} dimColor={!item.available && !isSelected}>
            <Text bold color={tone(item.available ? 'cyan' : undefined)}>
              {fit(item.keys, KEYS_WIDTH)}
            </Text>
            {fit(item.label, description)}
            {whereWidth ? ` ${fit(item.available ? '' : `in ${item.where}`, whereWidth)}` : ''}
          </Text>
        );
      },
    // The row reads the window's items: a new component for each window (cheap: a few dozen rows).
    [shown.map((i) => i.id).join('|'), room, whereWidth, tone],
  );
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold inverse wrap="truncate">
        {fit(`:${open.text}\u2588`, props.width)}
      </Text>
      <Text dimColor wrap="truncate">
        {fit(` ${items.length === 0 ? 'no command matches' : `${open.index + 1}/${items.length} commands`} \u00b7 \u2191\u2193 choose \u00b7 Enter runs \u00b7 Esc closes`, props.width)}
      </Text>
      <SelectInput
        key={`${open.top}:${open.index}:${open.text}`}
        items={shown.map((item) => ({ key: item.id, label: item.id, value: item.id }))}
        isFocused={false}
        initialIndex={Math.max(0, open.index - open.top)}
        indicatorComponent={Indicator}
        itemComponent={Row}
      />
    </Box>
  );
}
