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

/**
 * The items shown: all of them when they fit in `room` rows, else a window that keeps the
 * highlighted one in view (centred), with a row above and below saying how many more
 * there are. Pure (the window follows the index; nothing to remember).
 */
export function choiceWindow(count: number, index: number, room: number): { first: number; last: number; above: number; below: number } {
  if (count <= room) return { first: 0, last: count, above: 0, below: 0 };
  const shown = Math.max(1, room - 2);
  const first = Math.max(0, Math.min(count - shown, index - Math.floor(shown / 2)));
  const last = Math.min(count, first + shown);
  return { first, last, above: first, below: count - last };
}

export function ChoiceList(props: { choice: ChoiceState; width: number; rows: number }) {
  const tone = useTone();
  const { choice } = props;
  const width = choiceWidth(choice, props.width);
  const inner = Math.max(10, width - FRAME);
  const detail = choice.items[choice.index]?.detail ?? '';
  // The title, the items (a window of them when there are more than fit) and what the
  // highlighted one does always show (wrapped); the context lines take the rows left, in order.
  const fixed = 2 + rowsOf(choice.title, inner) + rowsOf(detail, inner);
  const win = choiceWindow(choice.items.length, choice.index, Math.max(3, props.rows - fixed));
  let room = props.rows - fixed - (win.last - win.first) - (win.above || win.below ? 2 : 0);
  const lines: string[] = [];
  for (const line of choice.lines) {
    const need = rowsOf(line, inner);
    if (need > room) break;
    lines.push(line);
    room -= need;
  }
  const more = (n: number, where: string) => (
    <Text key={where} dimColor>
      {fit(n > 0 ? `  ${where === 'above' ? '\u2191' : '\u2193'} ${n} more` : '', inner)}
    </Text>
  );
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
      {win.above || win.below ? more(win.above, 'above') : null}
      {choice.items.slice(win.first, win.last).map((item, k) => {
        const i = win.first + k;
        return (
          <Text key={`i${i}`} wrap="truncate" inverse={i === choice.index} bold={i === choice.index}>
            {fit(`${i === choice.index ? '\u25b8' : ' '} ${i + 1}. ${item.label}`, inner)}
          </Text>
        );
      })}
      {win.above || win.below ? more(win.below, 'below') : null}
      <Text wrap="wrap" color={tone('yellow')}>
        {detail}
      </Text>
    </Box>
  );
}
