/**
 * A confirmation: what will be written where, a choice where the dialog has one (a deploy
 * of several hosts: all at once or in waves, drawn by ink-select-input), and y / n. Sized
 * to its content, at the top. Keys reach it only through the keymap (←/→ move the
 * choice in the state); the select list never reads the keyboard itself.
 */
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { fit } from '../format.js';
import { windowOf } from '../state/cursor.js';
import type { ConfirmDialog as Dialog } from '../state/types.js';
import { useTone } from '../theme.js';

/** Border and padding on each side. */
const FRAME = 4;
const MIN_WIDTH = 50;

/** The dialog's outer width: its longest line plus the frame, within `maxWidth`. */
export function dialogWidth(dialog: Dialog, maxWidth: number): number {
  const answer = ` y  ${dialog.yesLabel}    n  cancel (1-99 of 99, j/k scroll)`.length;
  const choices = (dialog.choices ?? []).map((c) => c.label.length + 2);
  const longest = Math.max(dialog.title.length, answer, ...dialog.lines.map((l) => l.length), ...choices);
  return Math.max(Math.min(MIN_WIDTH, maxWidth), Math.min(maxWidth, longest + FRAME));
}

export function ConfirmDialog(props: { dialog: Dialog; rows: number; width: number }) {
  const tone = useTone();
  const { dialog } = props;
  const width = dialogWidth(dialog, props.width);
  const inner = Math.max(10, width - FRAME);
  const win = windowOf(dialog.top, props.rows, dialog.lines.length);
  const more = dialog.lines.length > props.rows ? ` (${win.start + 1}-${win.end} of ${dialog.lines.length}, j/k scroll)` : '';
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={tone('yellow')} paddingX={1}>
      <Text bold wrap="truncate" color={tone('yellow')}>
        {fit(dialog.title, inner)}
      </Text>
      {dialog.lines.slice(win.start, win.end).map((line, i) => (
        <Text key={win.start + i} wrap="truncate">
          {line.length > inner ? fit(line, inner) : line}
        </Text>
      ))}
      {dialog.choices && dialog.choices.length > 0 ? (
        <>
          <Text wrap="truncate" bold>
            Rollout <Text dimColor>{'(\u2190/\u2192 to choose)'}</Text>
          </Text>
          <SelectInput
            // Remounted on each choice: the list shows the state's choice and keeps no cursor of its own.
            key={dialog.choice ?? 0}
            items={dialog.choices.map((c, i) => ({ key: String(i), label: fit(c.label, Math.max(4, inner - 2)), value: i }))}
            initialIndex={dialog.choice ?? 0}
            isFocused={false}
          />
        </>
      ) : null}
      <Text wrap="truncate">
        <Text bold inverse>
          {' y '}
        </Text>{' '}
        {dialog.yesLabel}
        {'   '}
        <Text bold inverse>
          {' n '}
        </Text>{' '}
        cancel
        <Text dimColor>{more}</Text>
      </Text>
    </Box>
  );
}
