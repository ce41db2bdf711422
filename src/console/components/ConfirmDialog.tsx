/** A confirmation: what will be written where, and y / n. */
import { Box, Text } from 'ink';
import { fit } from '../format.js';
import { windowOf } from '../state/cursor.js';
import type { ConfirmDialog as Dialog } from '../state/types.js';
import { useTone } from '../theme.js';

export function ConfirmDialog(props: { dialog: Dialog; rows: number; width: number }) {
  const tone = useTone();
  const { dialog } = props;
  const inner = Math.max(10, props.width - 4);
  const win = windowOf(dialog.top, props.rows, dialog.lines.length);
  const more = dialog.lines.length > props.rows ? ` (${win.start + 1}-${win.end} of ${dialog.lines.length}, j/k scroll)` : '';
  return (
    <Box flexDirection="column" width={props.width} borderStyle="round" borderColor={tone('yellow')} paddingX={1}>
      <Text bold wrap="truncate" color={tone('yellow')}>
        {fit(dialog.title, inner)}
      </Text>
      {dialog.lines.slice(win.start, win.end).map((line, i) => (
        <Text key={win.start + i} wrap="truncate">
          {line}
        </Text>
      ))}
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
