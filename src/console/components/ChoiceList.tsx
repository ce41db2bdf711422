/**
 * The console's choice widget: a modal list (what it is about, a few lines of context,
 * the choices, what the highlighted one does). Its keys come from the keymap's `choice`
 * context (the hint bar names them); nothing here reads keys.
 */
import { Box, Text } from 'ink';
import { fit } from '../format.js';
import type { ChoiceState } from '../state/types.js';
import { useTone } from '../theme.js';

/** Border and padding on each side. */
const FRAME = 4;

/** The widget's outer width: its longest line plus the frame, within `maxWidth`. */
export function choiceWidth(choice: ChoiceState, maxWidth: number): number {
  const longest = Math.max(choice.title.length, ...choice.lines.map((l) => l.length), ...choice.items.map((i) => i.label.length + 4), ...choice.items.map((i) => i.detail.length));
  return Math.max(Math.min(50, maxWidth), Math.min(maxWidth, longest + FRAME));
}

/** Rows a text takes wrapped at `width` columns (words that do not fit are cut). */
function rowsOf(text: string, width: number): number {
  return Math.max(1, Math.ceil(text.length / Math.max(1, width)));
}

export function ChoiceList(props: { choice: ChoiceState; width: number; rows: number }) {
  const tone = useTone();
  const { choice } = props;
  const width = choiceWidth(choice, props.width);
  const inner = Math.max(10, width - FRAME);
  const detail = choice.items[choice.index]?.detail ?? '';
  // The title, the items and what the highlighted one does always show (wrapped); the
  // context lines take the rows that are left, in order.
  let room = props.rows - 2 - rowsOf(choice.title, inner) - choice.items.length - rowsOf(detail, inner);
  const lines: string[] = [];
  for (const line of choice.lines) {
    const need = rowsOf(line, inner);
    if (need > room) break;
    lines.push(line);
    room -= need;
  }
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={tone('cyan')} paddingX={1}>
      <Text bold wrap="wrap" color={tone('cyan')}>
        {choice.title}
      </Text>
      {lines.map((line, i) => (
        <Text key={`l${i}`} wrap="wrap" dimColor>
          {line}
        </Text>
      ))}
      {choice.items.map((item, i) => (
        <Text key={`i${i}`} wrap="truncate" inverse={i === choice.index} bold={i === choice.index}>
          {fit(`${i === choice.index ? '\u25b8' : ' '} ${i + 1}. ${item.label}`, inner)}
        </Text>
      ))}
      <Text wrap="wrap" color={tone('yellow')}>
        {detail}
      </Text>
    </Box>
  );
}
