/** lazyStringWidth (the bundle's string-width) answers what string-width answers, and loads it only for text that needs it. */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { lazyStringWidth } from '../../src/console/ink/lazyStringWidth.js';
import { simpleWidth } from '../../src/console/ink/textWidth.js';

function counted() {
  let loads = 0;
  const width = lazyStringWidth(simpleWidth, () => {
    loads++;
    return stringWidth;
  });
  return { width, loads: () => loads };
}

const CONSOLE_LINES = [
  '',
  'plain ascii',
  '\x1b[31mred\x1b[39m \x1b[1m\x1b[7mbold inverse\x1b[27m\x1b[22m',
  ' host0042 \u2502 3 pending \u2026 \u203a \u00b7 \u2192',
  '\u6f22\u5b57 mixed \uff21\uff22 fullwidth',
];
const COMPLEX_LINES = [
  '\uff71\uff9e halfwidth voiced',
  'emoji \u{1f600} and \u2764\ufe0f and flags \u{1f1eb}\u{1f1f7}',
  'combining e\u0301 and zero\u200bwidth and \u1100\u1161 jamo',
  '\x1b]8;;https://example.net\x07link\x1b]8;;\x07 osc',
  '\x1b[2K cursor csi',
  '\t tab and \u007f del',
];

describe('lazyStringWidth', () => {
  it('answers console lines (ASCII, SGR colors, box drawing, CJK) without loading string-width, with its answers', () => {
    const { width, loads } = counted();
    for (const line of CONSOLE_LINES) expect(width(line), JSON.stringify(line)).toBe(stringWidth(line));
    expect(loads()).toBe(0);
  });

  it('loads string-width once for text that needs it, and agrees with it there too', () => {
    const { width, loads } = counted();
    for (const line of COMPLEX_LINES) expect(width(line), JSON.stringify(line)).toBe(stringWidth(line));
    expect(loads()).toBe(1);
  });

  it('hands other options to string-width (ambiguous characters as wide, escapes counted)', () => {
    const { width, loads } = counted();
    const line = '\x1b[31m\u00b7 ambiguous \u2192\x1b[39m';
    expect(width(line, { ambiguousIsNarrow: false })).toBe(stringWidth(line, { ambiguousIsNarrow: false }));
    expect(width(line, { countAnsiEscapeCodes: true })).toBe(stringWidth(line, { countAnsiEscapeCodes: true }));
    expect(width(line, { ambiguousIsNarrow: false })).not.toBe(width(line));
    expect(loads()).toBe(1);
  });
});
