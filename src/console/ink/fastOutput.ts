/**
 * A drop-in for Ink's `Output` (ink/build/output.js) that gives the same frame text,
 * byte for byte, at a fraction of the cost. The bundle (scripts/build.mjs) puts it in
 * place of Ink's; tests under vitest run Ink's own, and test/console/fastOutput.test.ts
 * checks that both produce identical frames.
 *
 * Ink's Output builds a grid of one object per terminal cell for every frame, tokenizes
 * every line written into it, and turns every row back into text: ~30 ms a frame at
 * 120×40 on our machines, whatever changed. Here the text of a row is kept from frame to
 * frame, keyed by what was written into that row (position and text of each write), so a
 * row that did not change costs a string comparison; only changed rows are built cell by
 * cell, from lines tokenized once and cached.
 */
import { styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import { simpleWidth, textWidth } from './textWidth.js';

type Transformer = (line: string, index: number) => string;

interface Clip {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
}

type Operation = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };

/** One line placed in a row at column `x` (already clipped and transformed). */
interface Placement {
  x: number;
  line: string;
}

/** A map that forgets its oldest entries past `limit` (insertion order; a hit is not refreshed). */
class Bounded<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    if (this.map.size >= this.limit) {
      // Drop the oldest tenth at once (cheap, keeps recent rows).
      let n = Math.ceil(this.limit / 10);
      for (const k of this.map.keys()) {
        this.map.delete(k);
        if (--n <= 0) break;
      }
    }
    this.map.set(key, value);
  }
}

const styledCache = new Bounded<string, StyledChar[]>(4000);
const widthCache = new Map<string, number>();
const rowCache = new Bounded<string, string>(4000);

function styledChars(line: string): StyledChar[] {
  let chars = styledCache.get(line);
  if (chars === undefined) {
    chars = styledCharsFromTokens(tokenize(line));
    styledCache.set(line, chars);
  }
  return chars;
}

/** Width of one character (as Ink measures it); ASCII without a lookup. */
function charWidth(value: string): number {
  if (value.length === 1) {
    const c = value.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1;
  }
  let w = widthCache.get(value);
  if (w === undefined) {
    w = textWidth(value);
    if (widthCache.size < 10_000) widthCache.set(value, w);
  }
  return w;
}

const lineWidths = new Bounded<string, number>(4000);

/** Width of a line (what string-width says, as Ink's clipping measures it). */
function lineWidth(line: string): number {
  let w = lineWidths.get(line);
  if (w === undefined) {
    w = textWidth(line);
    lineWidths.set(line, w);
  }
  return w;
}

const BLANK: StyledChar = { type: 'char', value: ' ', fullWidth: false, styles: [] };

export default class Output {
  width: number;
  height: number;
  private readonly operations: Operation[] = [];

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (!text) return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    const rows: Placement[][] = Array.from({ length: this.height }, () => []);
    const clips: Clip[] = [];
    for (const operation of this.operations) {
      if (operation.type === 'clip') {
        clips.push(operation.clip);
        continue;
      }
      if (operation.type === 'unclip') {
        clips.pop();
        continue;
      }
      let { x, y } = operation;
      let lines = operation.text.split('\n');
      const clip = clips.at(-1);
      if (clip) {
        // Exactly Ink's clipping (slice-ansi and all), its results remembered.
        const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
        const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
        if (clipHorizontally) {
          let widest = 0;
          for (const line of lines) widest = Math.max(widest, lineWidth(line));
          if (x + widest < clip.x1! || x > clip.x2!) continue;
        }
        if (clipVertically) {
          if (y + lines.length < clip.y1! || y > clip.y2!) continue;
        }
        if (clipHorizontally) {
          const x0 = x;
          lines = lines.map((line) => {
            const from = x0 < clip.x1! ? clip.x1! - x0 : 0;
            const width = lineWidth(line);
            const to = x0 + width > clip.x2! ? clip.x2! - x0 : width;
            // A plain line that fits is its own slice (a styled one goes through slice-ansi,
            // which also settles how its codes nest).
            return from === 0 && to >= width ? line : slice(line, from, to);
          });
          if (x < clip.x1!) x = clip.x1!;
        }
        if (clipVertically) {
          const start = y < clip.y1! ? clip.y1! - y : 0;
          const end = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
          lines = lines.slice(start, end);
          if (y < clip.y1!) y = clip.y1!;
        }
      }
      // As Ink: a line that falls outside the frame does not move the next one down.
      let offsetY = 0;
      for (let index = 0; index < lines.length; index++) {
        const row = rows[y + offsetY];
        if (!row) continue;
        let line = lines[index]!;
        for (const transformer of operation.transformers) line = transformer(line, index);
        row.push({ x, line });
        offsetY++;
      }
    }
    const out: string[] = [];
    for (const row of rows) out.push(rowText(row, this.width));
    return { output: out.join('\n'), height: rows.length };
  }
}

const sliceCache = new Bounded<string, string>(4000);

function slice(line: string, from: number, to: number): string {
  const key = `${from}\u0000${to}\u0000${line}`;
  let hit = sliceCache.get(key);
  if (hit === undefined) {
    hit = sliceAnsi(line, from, to);
    sliceCache.set(key, hit);
  }
  return hit;
}

const simpleWidths = new Bounded<string, number>(4000);

function cachedSimpleWidth(line: string): number {
  let w = simpleWidths.get(line);
  if (w === undefined) {
    w = simpleWidth(line);
    simpleWidths.set(line, w);
  }
  return w;
}

function rowText(placements: readonly Placement[], width: number): string {
  if (placements.length === 0) return '';
  let key = '';
  for (const p of placements) key += `${p.x}\u0000${p.line}\u0001`;
  const hit = rowCache.get(key);
  if (hit !== undefined) return hit;
  const text = joinedRow(placements) ?? cellRow(placements, width);
  rowCache.set(key, text);
  return text;
}

/**
 * The usual row: lines side by side that do not overlap, made of characters that are
 * cells of their own. Its text is the lines joined with spaces between them, each styled
 * line closed with a reset, so nothing of its styles reaches the next one; the terminal
 * shows the same cells as Ink's cell-by-cell text (test/console/fastOutput.test.ts).
 * Undefined when the row needs the cell-by-cell way.
 */
function joinedRow(placements: readonly Placement[]): string | undefined {
  const sorted = placements.length === 1 ? placements : [...placements].sort((a, b) => a.x - b.x);
  let out = '';
  let column = 0;
  for (const p of sorted) {
    if (p.x < column) return undefined;
    const w = cachedSimpleWidth(p.line);
    if (w < 0) return undefined;
    if (w === 0) continue;
    out += ' '.repeat(p.x - column) + p.line;
    if (p.line.includes('\x1b')) out += '\x1b[0m';
    column = p.x + w;
  }
  return out.trimEnd();
}

/** Ink's way: the row as cells, later lines over earlier ones, turned back into text. */
function cellRow(placements: readonly Placement[], width: number): string {
  const cells: (StyledChar | undefined)[] = new Array<StyledChar>(width).fill(BLANK);
  for (const p of placements) {
    let offsetX = p.x;
    for (const character of styledChars(p.line)) {
      cells[offsetX] = character;
      const w = Math.max(1, charWidth(character.value));
      for (let i = 1; i < w; i++) cells[offsetX + i] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
      offsetX += w;
    }
  }
  return styledCharsToString(cells.filter((c): c is StyledChar => c !== undefined)).trimEnd();
}
