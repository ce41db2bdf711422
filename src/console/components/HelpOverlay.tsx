/** `?`: every binding of the keymap (the same table the dispatcher uses) and the change marks; `/` searches them. */
import { Box, Text } from 'ink';
import { columns, fit } from '../format.js';
import type { HelpRow } from '../keymap.js';
import { windowOf } from '../state/cursor.js';

export interface HelpColumns {
  keys: number;
  description: number;
  /** 0: the "where" column is left out (too narrow). */
  where: number;
}

const longest = (values: readonly string[]) => Math.max(0, ...values.map((v) => columns(v)));

/**
 * Column widths for `width`: each column as wide as its longest entry when that fits
 * (spare room goes to descriptions); otherwise the "where" column gives way first (down
 * to 16 columns), then it is left out, and only then are descriptions cut.
 */
export function helpColumns(rows: readonly HelpRow[], width: number): HelpColumns {
  const keys = Math.min(18, longest(rows.map((r) => r.keys)) + 1);
  const description = longest(rows.map((r) => r.description));
  const where = longest(rows.map((r) => r.where));
  const room = Math.max(10, width - 1 - keys);
  if (description + 1 + where <= room) return { keys, description: room - 1 - where, where };
  if (room - 1 - description >= 16) return { keys, description, where: room - 1 - description };
  return { keys, description: room, where: 0 };
}

export function HelpOverlay(props: { top: number; rows: number; width: number; all: readonly HelpRow[]; shown: readonly HelpRow[]; query: string; searching: boolean }) {
  const all = props.shown;
  const win = windowOf(props.top, props.rows, all.length);
  const cols = helpColumns(props.all, props.width);
  const range = all.length === 0 ? 'none' : `${win.start + 1}-${win.end}`;
  const title =
    props.query !== '' || props.searching
      ? ` Keys matching /${props.query}${props.searching ? '_' : ''} (${range} of ${all.length}; ${props.searching ? 'Enter keeps, Esc clears' : '/ searches again, ? or Esc closes'})`
      : ` Keys (${range} of ${all.length}; j/k scroll, / search, ? or Esc closes)`;
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold wrap="truncate">
        {fit(title, props.width)}
      </Text>
      <Text dimColor wrap="truncate">
        {' '}
        {fit('key', cols.keys)}
        {fit('does', cols.description)}
        {cols.where ? ` ${fit('where', cols.where)}` : ''}
      </Text>
      {all.slice(win.start, win.end).map((row) => (
        <Text key={`${row.keys}|${row.description}`} wrap="truncate">
          {' '}
          <Text bold>{fit(row.keys, cols.keys)}</Text>
          {fit(row.description, cols.description)}
          <Text dimColor>{cols.where ? ` ${fit(row.where, cols.where)}` : ''}</Text>
        </Text>
      ))}
    </Box>
  );
}
