/** The full view: one row a pane cuts (a switch, a log line), whole and wrapped; j/k scroll, Esc closes. */
import { Box, Text } from 'ink';
import { fit } from '../format.js';
import { windowOf } from '../state/cursor.js';

export function InspectOverlay(props: { title: string; lines: readonly string[]; top: number; rows: number; width: number }) {
  const win = windowOf(props.top, props.rows, props.lines.length);
  const more = props.lines.length > props.rows ? ` (${win.start + 1}-${win.end} of ${props.lines.length}; j/k scroll)` : '';
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold wrap="truncate">
        {fit(` ${props.title}${more} \u00b7 Esc closes`, props.width)}
      </Text>
      {props.lines.slice(win.start, win.end).map((line, i) => (
        <Text key={win.start + i} wrap="truncate">
          {' '}
          {line}
        </Text>
      ))}
    </Box>
  );
}
