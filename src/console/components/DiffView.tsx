/**
 * A file list plus one file's diff, unified or side-by-side. Windowed: only the rows on
 * screen are rendered, each a memoized line whose text is built once and remembered, so
 * a 20,000-line diff scrolls by slicing.
 */
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { memo, useContext } from 'react';
import type { SideCell } from '../../core/diff/types.js';
import { fileDoc, type DiffRow, type Segment } from '../diffRows.js';
import { changeMark, changeTone, fit } from '../format.js';
import { clamp, windowOf } from '../state/cursor.js';
import type { DiffEntry } from '../state/select.js';
import type { DiffCursor, DiffLayout } from '../state/types.js';
import { ThemeContext, useTone } from '../theme.js';

/** The visible part of a line: `left` columns skipped, at most `width` kept. */
export function clipSegments(segments: readonly Segment[], left: number, width: number): Segment[] {
  const out: Segment[] = [];
  let skip = left;
  let room = width;
  for (const segment of segments) {
    let text = segment.text;
    if (skip > 0) {
      if (text.length <= skip) {
        skip -= text.length;
        continue;
      }
      text = text.slice(skip);
      skip = 0;
    }
    if (room <= 0) break;
    if (text.length > room) text = text.slice(0, room);
    room -= text.length;
    out.push({ text, changed: segment.changed });
  }
  return out;
}

/** Marks a line cut at the right edge of its column. */
export const CUT_MARK = '\u203a';

type Color = 'red' | 'green' | 'cyan' | 'yellow' | undefined;

/** Chalk styling as Ink's <Text> applies it (dim, color, bold, inverse), for one row's text. */
function paint(text: string, style: { color?: Color; dim?: boolean; bold?: boolean; inverse?: boolean }): string {
  if (text === '') return '';
  let out = text;
  if (style.dim) out = chalk.dim(out);
  if (style.color) out = chalk[style.color](out);
  if (style.bold) out = chalk.bold(out);
  if (style.inverse) out = chalk.inverse(out);
  return out;
}

/** A line's visible part as text: changed words inverse and bold, padded to `width`, › when cut. */
function segmentsText(segments: readonly Segment[], left: number, width: number, color: Color): string {
  let total = 0;
  for (const segment of segments) total += segment.text.length;
  const cut = width > 0 && total - left > width;
  const room = cut ? width - 1 : width;
  const parts = clipSegments(segments, left, room);
  let used = 0;
  let out = '';
  for (const part of parts) {
    out += paint(part.text, { color, inverse: part.changed, bold: part.changed });
    used += part.text.length;
  }
  if (used < room) out += ' '.repeat(room - used);
  if (cut) out += paint(CUT_MARK, { dim: true });
  return out;
}

interface LineProps {
  row: DiffRow;
  numberWidth: number;
  width: number;
  left: number;
}

const num = (n: number | undefined, width: number) => (n === undefined ? ' '.repeat(width) : String(n).padStart(width));

function cellText(cell: SideCell | undefined, width: number, numberWidth: number, left: number, tone: (t: Color) => Color): string {
  if (!cell) return ' '.repeat(Math.max(0, width));
  const sign = cell.kind === 'delete' ? '-' : cell.kind === 'insert' ? '+' : ' ';
  const color: Color = cell.kind === 'delete' ? 'red' : cell.kind === 'insert' ? 'green' : undefined;
  const textWidth = Math.max(0, width - numberWidth - 2);
  return `${paint(num(cell.line, numberWidth), { dim: true })}${paint(sign, { color: tone(color), bold: color !== undefined })} ${segmentsText(cell.segments, left, textWidth, tone(color))}`;
}

/**
 * One row of the diff as one text node: the row's whole text is built here (once per row
 * shown: rows are memoized), so a page of a 20,000-line diff is a page of strings, not a
 * tree of styled pieces per line.
 */
const TONE_ON = (t: Color): Color => t;
const TONE_OFF = (): Color => undefined;

const DiffLine = memo(function DiffLine({ row, numberWidth, width, left }: LineProps) {
  // The tone as one of two fixed functions (colors on or off): remembered texts are kept per tone.
  const tone = useContext(ThemeContext).color ? TONE_ON : TONE_OFF;
  return <Text wrap="truncate">{lineText(row, numberWidth, width, left, tone)}</Text>;
});

interface BuiltLine {
  numberWidth: number;
  width: number;
  left: number;
  tone: (t: Color) => Color;
  text: string;
}

/** Each row's text as last built (for the same widths, scroll and colors): a row scrolled back into view is not built again. */
const built = new WeakMap<DiffRow, BuiltLine>();

function lineText(row: DiffRow, numberWidth: number, width: number, left: number, tone: (t: Color) => Color): string {
  const hit = built.get(row);
  if (hit && hit.numberWidth === numberWidth && hit.width === width && hit.left === left && hit.tone === tone) return hit.text;
  const text = buildLine(row, numberWidth, width, left, tone);
  built.set(row, { numberWidth, width, left, tone, text });
  return text;
}

function buildLine(row: DiffRow, numberWidth: number, width: number, left: number, tone: (t: Color) => Color): string {
  let text: string;
  if (row.type === 'hunk') {
    const color = tone('cyan');
    text = paint(fit(row.header, width), { color, dim: !color });
  } else if (row.type === 'note') {
    const color: Color = row.tone === 'add' ? 'green' : row.tone === 'remove' ? 'red' : row.tone === 'warn' ? 'yellow' : undefined;
    text = paint(fit(row.text, width), { color: tone(color) });
  } else if (row.type === 'unified') {
    const sign = row.kind === 'delete' ? '-' : row.kind === 'insert' ? '+' : ' ';
    const color: Color = row.kind === 'delete' ? 'red' : row.kind === 'insert' ? 'green' : undefined;
    const textWidth = Math.max(1, width - 2 * numberWidth - 4);
    text = `${paint(`${num(row.oldLine, numberWidth)} ${num(row.newLine, numberWidth)}`, { dim: true })} ${paint(sign, { color: tone(color), bold: color !== undefined })} ${segmentsText(row.segments, left, textWidth, tone(color))}`;
  } else {
    const leftWidth = Math.floor((width - 1) / 2);
    const rightWidth = width - 1 - leftWidth;
    text = `${cellText(row.left, leftWidth, numberWidth, left, tone)}${paint('\u2502', { dim: true })}${cellText(row.right, rightWidth, numberWidth, left, tone)}`;
  }
  return text;
}

const FileLine = memo(function FileLine(props: { entry: DiffEntry; showHost: boolean; current: boolean; focused: boolean; width: number }) {
  const tone = useTone();
  const { change, host } = props.entry;
  const stat = change.kind === 'modified' || change.unified ? ` +${change.added} -${change.removed}` : '';
  const name = `${props.showHost ? `${host}:` : ''}${change.path}`;
  return (
    <Text wrap="truncate" inverse={props.current && props.focused} bold={props.current}>
      {props.current ? '>' : ' '}
      <Text color={tone(changeTone(change.kind))}>{changeMark(change.kind)}</Text> {fit(name, Math.max(1, props.width - 3 - stat.length))}
      <Text color={tone('green')}>{stat ? ` +${change.added}` : ''}</Text>
      <Text color={tone('red')}>{stat ? ` -${change.removed}` : ''}</Text>
    </Text>
  );
});

export interface DiffViewProps {
  entries: readonly DiffEntry[];
  cursor: DiffCursor;
  layout: DiffLayout;
  width: number;
  fileRows: number;
  bodyRows: number;
  focused: boolean;
  /** Shown when there are no files. */
  empty: string;
  /** Side-by-side beside the host list: the header tells that `w` gives the diff the whole width. */
  wideHint?: boolean;
}

export function DiffView(props: DiffViewProps) {
  const { entries, width } = props;
  if (entries.length === 0) {
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="wrap" dimColor>
          {props.empty}
        </Text>
      </Box>
    );
  }
  const file = clamp(props.cursor.file, 0, entries.length - 1);
  const entry = entries[file]!;
  const doc = fileDoc(entry.change, props.layout);
  const showHost = new Set(entries.map((e) => e.host)).size > 1;
  const list = windowOf(Math.max(0, file - Math.floor(props.fileRows / 2)), props.fileRows, entries.length);
  const body = windowOf(props.cursor.top, props.bodyRows, doc.rows.length);
  const rows = doc.rows.slice(body.start, body.end);
  const position = doc.rows.length === 0 ? '' : ` ${body.start + 1}-${body.end}/${doc.rows.length}`;
  const header = ` ${file + 1}/${entries.length} ${props.layout === 'unified' ? 'unified' : 'side-by-side'}${position}${props.wideHint ? ' \u00b7 w wider' : ''}`;
  const title = `${showHost ? `${entry.host}:` : ''}${entry.change.path}`;
  return (
    <Box flexDirection="column" width={width}>
      {entries.slice(list.start, list.end).map((e, i) => (
        <FileLine key={`${e.host}:${e.change.path}`} entry={e} showHost={showHost} current={list.start + i === file} focused={props.focused} width={width} />
      ))}
      <Text wrap="truncate" bold>
        {fit(`\u2500 ${title} `, Math.max(1, width - header.length)).replace(/ +$/, (s) => ' ' + '\u2500'.repeat(Math.max(0, s.length - 1)))}
        <Text dimColor>{header}</Text>
      </Text>
      {rows.map((row, i) => (
        // Keyed by screen slot modulo the window: a page-down gives the same text nodes new
        // text (no nodes made and dropped), a line-down moves one node from top to bottom.
        <DiffLine key={(body.start + i) % Math.max(1, props.bodyRows)} row={row} numberWidth={doc.numberWidth} width={width} left={props.cursor.left} />
      ))}
    </Box>
  );
}
