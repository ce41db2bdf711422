/** Widths by string-width in the console's text helpers: CJK and emoji take two columns. */
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { clipSegments } from '../../src/console/components/DiffView.js';
import { cut, fit } from '../../src/console/format.js';
import { wrapSegments } from '../../src/console/diffRows.js';

describe('console widths', () => {
  it('fit pads and cuts by terminal columns', () => {
    expect(stringWidth(fit('日本語', 10))).toBe(10);
    expect(fit('日本語のホスト名', 7)).toBe('日本語\u2026');
    expect(stringWidth(fit('日本語のホスト名', 8))).toBe(8);
    expect(stringWidth(fit('web 🚀 ok', 6))).toBe(6);
    expect(stringWidth(cut('ä'.repeat(3), 5))).toBe(3);
  });

  it('diff lines are clipped and wrapped by columns, never splitting a wide character', () => {
    const segments = [{ text: 'ab日本語cd', changed: false }];
    const visible = clipSegments(segments, 0, 5).map((s) => s.text).join('');
    expect(stringWidth(visible)).toBe(5);
    expect(visible).toBe('ab日 ');
    const scrolled = clipSegments(segments, 3, 4).map((s) => s.text).join('');
    expect(stringWidth(scrolled)).toBe(4);
    const lines = wrapSegments(segments, 4).map((l) => l.map((s) => s.text).join(''));
    expect(lines).toEqual(['ab日', '本語', 'cd']);
  });
});
