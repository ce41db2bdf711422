/** `?`: every binding of the keymap (the same table the dispatcher uses). */
import { Box, Text } from 'ink';
import { fit } from '../format.js';
import { helpRows } from '../keymap.js';
import { windowOf } from '../state/cursor.js';

export function HelpOverlay(props: { top: number; rows: number; width: number }) {
  const all = helpRows();
  const win = windowOf(props.top, props.rows, all.length);
  const keysWidth = Math.min(18, Math.max(...all.map((r) => r.keys.length)) + 1);
  const whereWidth = props.width >= 100 ? Math.min(48, Math.max(...all.map((r) => r.where.length))) : 0;
  const descWidth = Math.max(10, props.width - 2 - keysWidth - (whereWidth ? whereWidth + 1 : 0));
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold wrap="truncate">
        {fit(` Keys (${win.start + 1}-${win.end} of ${all.length}; j/k scroll, ? or Esc closes)`, props.width)}
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {fit('key', keysWidth)}
        {fit('does', descWidth)}
        {whereWidth ? ` ${fit('where', whereWidth)}` : ''}
      </Text>
      {all.slice(win.start, win.end).map((row) => (
        <Text key={`${row.keys}|${row.description}`} wrap="truncate">
          {' '}
          <Text bold>{fit(row.keys, keysWidth)}</Text>
          {fit(row.description, descWidth)}
          <Text dimColor>{whereWidth ? ` ${fit(row.where, whereWidth)}` : ''}</Text>
        </Text>
      ))}
    </Box>
  );
}
