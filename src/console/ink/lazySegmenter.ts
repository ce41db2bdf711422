/**
 * A grapheme segmenter that builds the real `Intl.Segmenter` only for text that needs
 * one. The bundle (scripts/build.mjs) gives it to Ink's slice-ansi and ansi-tokenize,
 * which made theirs when their modules were evaluated and segment every styled line they
 * clip: the first segmenter of a process loads ICU's break data (40–110 ms of the first
 * frame here) for lines of ASCII, SGR codes and box drawing.
 *
 * A text whose every character is its own grapheme is segmented here, one character a
 * segment, which is what Unicode's rules (UAX #29) give for it: ASCII but CR (CR LF is
 * one grapheme), and characters textWidth.ts takes as plain cells (no marks, joiners,
 * variation selectors, emoji, Hangul jamo, controls, format characters or surrogates).
 * Any other text, or another granularity, goes to the real segmenter.
 * test/console/lazySegmenter.test.ts checks both agree.
 */
import { isSimpleChar } from './textWidth.js';

/** The segments of a text of one-character graphemes (what Intl.Segmenter#segment returns for it). */
class OneCharSegments {
  constructor(private readonly input: string) {}

  containing(index = 0): Intl.SegmentData | undefined {
    const i = Math.trunc(Number(index));
    if (!(i >= 0 && i < this.input.length)) return undefined;
    return { segment: this.input[i]!, index: i, input: this.input };
  }

  *[Symbol.iterator](): IterableIterator<Intl.SegmentData> {
    const input = this.input;
    for (let index = 0; index < input.length; index++) yield { segment: input[index]!, index, input };
  }
}

function oneCharGraphemes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80 ? code === 0x0d : !isSimpleChar(code)) return false;
  }
  return true;
}

export interface LazySegmenter {
  segment(input: string): Intl.Segments | OneCharSegments;
}

export function lazySegmenter(locales?: string | string[], options?: Intl.SegmenterOptions): LazySegmenter {
  let real: Intl.Segmenter | undefined;
  const graphemes = (options?.granularity ?? 'grapheme') === 'grapheme';
  return {
    segment(input) {
      const text = String(input);
      if (graphemes && oneCharGraphemes(text)) return new OneCharSegments(text);
      real ??= new Intl.Segmenter(locales, options);
      return real.segment(text);
    },
  };
}
