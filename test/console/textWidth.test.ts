/** textWidth (the bundle's width measure for Ink) says what string-width says. */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { textWidth, widestLine } from '../../src/console/ink/textWidth.js';

describe('textWidth', () => {
  it('agrees with string-width on every BMP character alone and between ASCII letters', () => {
    // Every character is checked; disagreements are collected and asserted once (one
    // expect per character cost most of this test's time).
    const differ: string[] = [];
    let checked = 0;
    for (let code = 0x20; code < 0x10000; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const ch = String.fromCharCode(code);
      const alone = [textWidth(ch), stringWidth(ch)];
      if (alone[0] !== alone[1]) differ.push(`U+${code.toString(16)}: ${alone.join(' vs ')}`);
      const between = [textWidth(`a${ch}b`), stringWidth(`a${ch}b`)];
      if (between[0] !== between[1]) differ.push(`a U+${code.toString(16)} b: ${between.join(' vs ')}`);
      checked++;
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(differ).toHaveLength(0);
    expect(checked).toBeGreaterThan(60_000);
  });

  it('agrees with string-width on console lines: colors, box drawing, CJK, emoji, combining marks, other escapes', () => {
    const lines = [
      '',
      'plain ascii',
      '\x1b[31mred\x1b[39m \x1b[1m\x1b[7mbold inverse\x1b[27m\x1b[22m',
      ' host0042 \u2502 3 pending \u2026 \u203a \u00b7 \u2192',
      '\u6f22\u5b57 mixed \uff21\uff22 fullwidth \uff71\uff9e halfwidth voiced',
      'emoji \u{1f600} and \u2764\ufe0f and flags \u{1f1eb}\u{1f1f7}',
      'combining e\u0301 and zero\u200bwidth and \u1100\u1161 jamo',
      '\x1b]8;;https://example.net\x07link\x1b]8;;\x07 osc',
      '\x1b[2K cursor csi',
      '\x1b[?25h',
      '\x1b[?25l hidden cursor \x1b[?1049h alternate screen \x1b[?1h',
      '\x1b[?12345h too many digits \x1b[?h none \x1b[?2004;1h two \x1b[25h no question mark',
      '\t tab and \u007f del',
    ];
    for (const line of lines) expect(textWidth(line), JSON.stringify(line)).toBe(stringWidth(line));
  });

  it('measures the widest of several lines', () => {
    expect(widestLine('ab\n\u6f22\u5b57x\n')).toBe(5);
    expect(widestLine('')).toBe(0);
  });
});
