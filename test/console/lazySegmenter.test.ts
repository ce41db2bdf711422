/** lazySegmenter (the bundle's segmenter for Ink's slice-ansi and ansi-tokenize) segments as Intl.Segmenter does. */
import { describe, expect, it } from 'vitest';
import { lazySegmenter } from '../../src/console/ink/lazySegmenter.js';

const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const segments = (s: Iterable<Intl.SegmentData>) => [...s].map(({ segment, index, input }) => ({ segment, index, input }));

describe('lazySegmenter', () => {
  it('agrees with Intl.Segmenter on every BMP character between ASCII, escapes and box drawing, and on console lines', () => {
    const lazy = lazySegmenter(undefined, { granularity: 'grapheme' });
    const differ: string[] = [];
    let compared = 0;
    for (let code = 0x20; code < 0x10000; code++) {
      const ch = String.fromCharCode(code);
      for (const text of [`a${ch}b`, `\x1b[31m${ch}${ch}\x1b[39m\u2502\r\n`]) {
        compared++;
        // Segment by segment, without building strings to compare (they cost most of the time).
        const theirs = real.segment(text)[Symbol.iterator]();
        let same = true;
        for (const mine of lazy.segment(text)) {
          const next = theirs.next();
          same &&= !next.done && next.value.index === mine.index && next.value.segment === mine.segment;
        }
        same &&= theirs.next().done === true;
        if (!same) differ.push(`U+${code.toString(16)} in ${JSON.stringify(text)}`);
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(120_000);
    const lines = [' host0042 \u2502 \x1b[33m3 pending\x1b[39m \u2026 \u203a', 'e\u0301 \u{1f600} \u2764\ufe0f \u1100\u1161 \uac00\u11a8 \r\n', '\u6f22\u5b57 \uff71\uff9e', ''];
    for (const text of lines) expect(segments(lazy.segment(text)), JSON.stringify(text)).toEqual(segments(real.segment(text)));
  });

  it('answers containing(index) as Intl.Segmenter does, inside and outside the text', () => {
    const lazy = lazySegmenter(undefined, { granularity: 'grapheme' });
    for (const text of ['ab\u2502\x1b[1mc', 'e\u0301x']) {
      const mine = lazy.segment(text);
      const theirs = real.segment(text);
      for (const index of [-1, 0, 1, 2, 3, text.length - 1, text.length, 99]) {
        const a = mine.containing(index);
        const b = theirs.containing(index);
        expect(a && { segment: a.segment, index: a.index }, `${JSON.stringify(text)} at ${index}`).toEqual(b && { segment: b.segment, index: b.index });
      }
    }
  });

  it('leaves other granularities to Intl.Segmenter', () => {
    const words = lazySegmenter('en', { granularity: 'word' });
    expect(segments(words.segment('two words'))).toEqual(segments(new Intl.Segmenter('en', { granularity: 'word' }).segment('two words')));
  });
});
