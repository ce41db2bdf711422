/**
 * A file list plus one file's diff, unified or side-by-side. Windowed: only the rows on
 * screen are rendered, each a memoized line whose text is built once and remembered, so
 * a 20,000-line diff scrolls by slicing.
 */
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { memo, useContext, type ReactNode } from 'react';
import type { SideCell } from '../../core/diff/types.js';
import { docRows, viewDoc, type DiffRow, type Segment } from '../diffRows.js';
import { changeLegend, changeMark, changeTone, columns, dropColumns, fit, nameList, plural, takeColumns } from '../format.js';
import { clamp, windowOf } from '../state/cursor.js';
import type { DiffEntry } from '../state/select.js';
import type { DiffCursor, DiffLayout } from '../state/types.js';
import { ThemeContext, useTone } from '../theme.js';

/** The visible part of a line: `left` columns skipped, at most `width` kept (terminal columns: string-width). */
export function clipSegments(segments: readonly Segment[], left: number, width: number): Segment[] {
  const out: Segment[] = [];
  let skip = left;
  let room = width;
  for (const segment of segments) {
    let text = segment.text;
    if (skip > 0) {
      const w = columns(text);
      if (w <= skip) {
        skip -= w;
        continue;
      }
      text = dropColumns(text, skip);
      skip = 0;
    }
    if (room <= 0) break;
    const head = takeColumns(text, room);
    let used = head.width;
    if (head.text.length < text.length && used < room) {
      // a wide character that does not fit at the edge: its room stays blank
      text = head.text + ' '.repeat(room - used);
      used = room;
    } else text = head.text;
    room -= used;
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
  for (const segment of segments) total += columns(segment.text);
  const cut = width > 0 && total - left > width;
  const room = cut ? width - 1 : width;
  const parts = clipSegments(segments, left, room);
  let used = 0;
  let out = '';
  for (const part of parts) {
    out += paint(part.text, { color, inverse: part.changed, bold: part.changed });
    used += columns(part.text);
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

/** A line number (blank for a wrapped line's continuation: undefined or 0). */
const num = (n: number | undefined, width: number) => (!n ? ' '.repeat(width) : String(n).padStart(width));

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

/**
 * True when every row built at this width is exactly `width` columns (line numbers, sign
 * and text all get their room): the window's rows can then be one text node.
 */
export function fitsWidth(width: number, numberWidth: number): boolean {
  return width >= 2 * numberWidth + 7;
}

/**
 * The visible window of the diff as ONE text node: the rows' remembered texts joined by
 * newlines. Every row is exactly `width` columns (fitsWidth), so Ink neither wraps nor cuts
 * it, and the frame is the same as one node per row; but a page-down is one node given new
 * text (one reconcile, one measure), not ~35.
 */
const DiffBody = memo(function DiffBody({ rows, numberWidth, width, left }: { rows: readonly DiffRow[]; numberWidth: number; width: number; left: number }) {
  return <Text wrap="truncate">{bodyText(rows, numberWidth, width, left, useContext(ThemeContext).color)}</Text>;
}, sameBody);

/** The rows' texts (each remembered per row), one line each. */
export function bodyText(rows: readonly DiffRow[], numberWidth: number, width: number, left: number, color: boolean): string {
  const tone = color ? TONE_ON : TONE_OFF;
  let text = '';
  for (let i = 0; i < rows.length; i++) text += (i === 0 ? '' : '\n') + lineText(rows[i]!, numberWidth, width, left, tone);
  return text;
}

function sameBody(a: { rows: readonly DiffRow[]; numberWidth: number; width: number; left: number }, b: typeof a): boolean {
  if (a.numberWidth !== b.numberWidth || a.width !== b.width || a.left !== b.left || a.rows.length !== b.rows.length) return false;
  for (let i = 0; i < a.rows.length; i++) if (a.rows[i] !== b.rows[i]) return false;
  return true;
}

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
  const hosts = props.entry.hosts ?? [host];
  const who = hosts.length > 1 ? `${hosts.length} hosts` : host;
  const name = `${props.showHost ? `${who}:` : ''}${change.path}`;
  return (
    <Text wrap="truncate" inverse={props.current && props.focused} bold={props.current}>
      {props.current ? '>' : ' '}
      <Text color={tone(changeTone(change.kind))}>{changeMark(change.kind)}</Text> {fit(name, Math.max(1, props.width - 3 - stat.length))}
      <Text color={tone('green')}>{stat ? ` +${change.added}` : ''}</Text>
      <Text color={tone('red')}>{stat ? ` -${change.removed}` : ''}</Text>
    </Text>
  );
});

/** The collapsed row of a host's excluded files ("x web1: 9 excluded · x lists them"). */
const ExcludedLine = memo(function ExcludedLine(props: { host: string; count: number; showHost: boolean; width: number }) {
  const tone = useTone();
  return (
    <Text wrap="truncate" dimColor>
      {' '}
      <Text color={tone(changeTone('excluded'))}>{changeMark('excluded')}</Text> {fit(`${props.showHost ? `${props.host}: ` : ''}${plural(props.count, 'file')} excluded \u00b7 x lists them`, Math.max(1, props.width - 3))}
    </Text>
  );
});

export interface DiffViewProps {
  entries: readonly DiffEntry[];
  /** Hosts whose excluded files are collapsed into one row each. */
  excluded?: readonly { host: string; count: number }[];
  /** Whose diff this is (the hosts), said on the header line before the legend of the marks. */
  heading: string;
  /** Side-by-side column labels: what the left and right side are. */
  sides: { left: string; right: string };
  cursor: DiffCursor;
  layout: DiffLayout;
  wrap?: boolean;
  width: number;
  fileRows: number;
  bodyRows: number;
  focused: boolean;
  /** Shown when there are no files. */
  empty: string;
  /** Side-by-side beside the host list: the header tells that `w` gives the diff the whole width. */
  wideHint?: boolean;
}

/** "live | repo" over the two sides, each label at the start of its text column. */
export function sideLabels(sides: { left: string; right: string }, width: number, numberWidth: number): string {
  const leftWidth = Math.floor((width - 1) / 2);
  const rightWidth = width - 1 - leftWidth;
  const pad = ' '.repeat(numberWidth + 2);
  return `${fit(pad + sides.left, leftWidth)}\u2502${fit(pad + sides.right, rightWidth)}`;
}

export function DiffView(props: DiffViewProps) {
  const { entries, width } = props;
  const excluded = props.excluded ?? [];
  const marks = new Set(entries.map((e) => e.change.kind));
  if (excluded.length > 0) marks.add('excluded');
  const headingLine = (
    <Text wrap="truncate" dimColor>
      {fit(`${props.heading}${marks.size > 0 ? ` \u00b7 ${changeLegend(marks)}` : ''}`, width)}
    </Text>
  );
  if (entries.length === 0) {
    return (
      <Box flexDirection="column" width={width}>
        {excluded.length > 0 ? headingLine : null}
        <Text wrap="wrap" dimColor>
          {props.empty}
        </Text>
        {excluded.map((x) => (
          <ExcludedLine key={`x:${x.host}`} host={x.host} count={x.count} showHost={excluded.length > 1} width={width} />
        ))}
      </Box>
    );
  }
  const file = clamp(props.cursor.file, 0, entries.length - 1);
  const entry = entries[file]!;
  const doc = viewDoc(entry.change, props.layout, props.wrap === true, width);
  const showHost = new Set(entries.flatMap((e) => e.hosts ?? [e.host])).size > 1 || excluded.length > 1;
  // The file list: the files, then the collapsed excluded rows, windowed around the current file.
  const listLength = entries.length + excluded.length;
  const list = windowOf(Math.max(0, file - Math.floor(props.fileRows / 2)), props.fileRows, listLength);
  const body = windowOf(props.cursor.top, props.bodyRows, doc.length);
  // Only the visible window's rows are built (a side-by-side doc makes them on demand).
  const rows = docRows(doc, body.start, body.end);
  const position = doc.length === 0 ? '' : ` ${body.start + 1}-${body.end}/${doc.length}`;
  const header = ` ${file + 1}/${entries.length} ${props.layout === 'unified' ? 'unified' : 'side-by-side'}${props.wrap ? ' wrapped' : ''}${position}${props.wideHint ? ' \u00b7 w wider' : ''}`;
  const hosts = entry.hosts ?? [entry.host];
  const title = `${showHost ? `${nameList(hosts)}: ` : ''}${entry.change.path}`;
  const listed: ReactNode[] = [];
  for (let i = list.start; i < list.end; i++) {
    if (i < entries.length) {
      const e = entries[i]!;
      listed.push(<FileLine key={`${e.host}:${e.change.path}:${e.change.kind}`} entry={e} showHost={showHost} current={i === file} focused={props.focused} width={width} />);
    } else {
      const x = excluded[i - entries.length]!;
      listed.push(<ExcludedLine key={`x:${x.host}`} host={x.host} count={x.count} showHost={showHost} width={width} />);
    }
  }
  return (
    <Box flexDirection="column" width={width}>
      {headingLine}
      {listed}
      <Text wrap="truncate" bold>
        {fit(`\u2500 ${title} `, Math.max(1, width - columns(header))).replace(/ +$/, (s) => ' ' + '\u2500'.repeat(Math.max(0, s.length - 1)))}
        <Text dimColor>{header}</Text>
      </Text>
      {props.layout === 'side-by-side' ? (
        <Text wrap="truncate" bold>
          {sideLabels(props.sides, width, doc.numberWidth)}
        </Text>
      ) : null}
      {fitsWidth(width, doc.numberWidth) ? (
        rows.length > 0 ? <DiffBody rows={rows} numberWidth={doc.numberWidth} width={width} left={props.wrap ? 0 : props.cursor.left} /> : null
      ) : (
        rows.map((row, i) => (
          // Keyed by screen slot modulo the window: a page-down gives the same text nodes new
          // text (no nodes made and dropped), a line-down moves one node from top to bottom.
          <DiffLine key={(body.start + i) % Math.max(1, props.bodyRows)} row={row} numberWidth={doc.numberWidth} width={width} left={props.wrap ? 0 : props.cursor.left} />
        ))
      )}
    </Box>
  );
}
