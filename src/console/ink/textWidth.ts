/**
 * Terminal width of a line of text (SGR color codes ignored): exactly what `string-width`
 * says, without its per-grapheme segmentation for the characters a console line is made
 * of. A character that is certainly a grapheme of its own (no mark, joiner, variation
 * selector, emoji or control; in the BMP) is looked up in a table filled on first sight
 * with its East Asian Width (what string-width answers for such a character alone, from
 * the same get-east-asian-width; asking string-width itself would build its segmenter
 * and emoji regex for the first `│`); any other character sends the line to string-width.
 *
 * string-width segments every line that holds one non-ASCII character (a `│`, `…`, `›`)
 * with Intl.Segmenter: ~0.1–0.3 ms a line, which Ink pays for every text node in every
 * frame. test/console/textWidth.test.ts checks this against string-width.
 */
import { eastAsianWidth } from 'get-east-asian-width';
import stringWidth from 'string-width';

/** Per BMP code point: 0 not looked at yet, 1 or 2 its width, 3 needs string-width. */
const table = new Uint8Array(0x10000);
const NEEDS_SEGMENTER = /[\p{Mark}\p{Default_Ignorable_Code_Point}\p{Extended_Pictographic}\p{Control}\p{Format}\p{Emoji_Component}\p{Surrogate}\p{Unassigned}\p{Private_Use}]/u;
const SLOW = 3;

/** Blocks of scripts whose characters stand alone (complex scripts, whose letters join, are left to string-width). */
function simpleBlock(code: number): boolean {
  return (
    code < 0x0900 ||
    (code >= 0x1e00 && code <= 0x1fff) ||
    (code >= 0x2000 && code <= 0x2bff) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xffef)
  );
}

function classify(code: number): number {
  const ch = String.fromCharCode(code);
  // Hangul jamo combine into syllables; halfwidth voiced marks extend the cluster before them.
  const combining = (code >= 0x1100 && code <= 0x11ff) || code === 0xff9e || code === 0xff9f;
  if (!simpleBlock(code) || combining || NEEDS_SEGMENTER.test(ch)) return SLOW;
  const w = eastAsianWidth(code);
  return w === 1 || w === 2 ? w : SLOW;
}

/** True when the BMP character `code` is a cell (or two) and a grapheme of its own next to any other such character. */
export function isSimpleChar(code: number): boolean {
  let w = table[code]!;
  if (w === 0) {
    w = classify(code);
    table[code] = w;
  }
  return w !== SLOW;
}

/** Width of `text` (a line: no newlines), ignoring SGR sequences (`ESC [ … m`). */
export function textWidth(text: string): number {
  const w = simpleWidth(text);
  return w >= 0 ? w : stringWidth(text);
}

/**
 * Width of `text` when each of its characters is a cell (or two) of its own and its only
 * escapes are SGR sequences and DEC private modes (`ESC [ ? 25 h`); -1 otherwise (then only string-width can tell).
 */
export function simpleWidth(text: string): number {
  let width = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) {
      width++;
      continue;
    }
    if (code === 0x1b && text.charCodeAt(i + 1) === 0x5b) {
      // CSI: parameters and intermediates, then a final byte; only SGR (…m) is taken as invisible here.
      let j = i + 2;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c >= 0x40 && c <= 0x7e) break;
        j++;
      }
      if (j < n && (text.charCodeAt(j) === 0x6d || privateMode(text, i + 2, j))) {
        i = j;
        continue;
      }
      return -1;
    }
    let w = table[code]!;
    if (w === 0) {
      w = classify(code);
      table[code] = w;
    }
    if (w === SLOW) return -1;
    width += w;
  }
  return width;
}

/**
 * A DEC private mode set or reset, `ESC [ ? N h` or `… l` with N of 1 to 4 digits (the
 * cursor shown or hidden): invisible, as string-width (strip-ansi) takes it. Ink writes
 * `ESC [ ? 25 h` as a frame of its own when it unmounts; measuring it used to load
 * string-width (its segmenter and emoji regex, ~20 ms) on the way out.
 */
function privateMode(text: string, from: number, final: number): boolean {
  const f = text.charCodeAt(final);
  if ((f !== 0x68 && f !== 0x6c) || text.charCodeAt(from) !== 0x3f) return false;
  const digits = final - from - 1;
  if (digits < 1 || digits > 4) return false;
  for (let k = from + 1; k < final; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The widest line of a text (Ink's `widest-line`, with textWidth). */
export function widestLine(text: string): number {
  let widest = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const w = textWidth(end === -1 ? text.slice(start) : text.slice(start, end));
    if (w > widest) widest = w;
    if (end === -1) return widest;
    start = end + 1;
  }
}
