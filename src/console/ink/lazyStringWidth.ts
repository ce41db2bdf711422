/**
 * string-width, loaded only for text that needs it (the bundle's drop-in for every import
 * of `string-width`: Ink's, cli-truncate's, wrap-ansi's and konf's own).
 *
 * string-width builds an `Intl.Segmenter` (ICU's break data) and an RGI-emoji regex when
 * its module is evaluated: 50–150 ms of start-up before the console's first frame, for
 * lines that are ASCII, SGR colors and box drawing. Here a text whose width `simple` can
 * tell (one cell or two per character, SGR escapes only; see textWidth.ts) is answered
 * at once, with string-width's own answer; any other text, or other options, loads the
 * real module and asks it. test/console/lazyStringWidth.test.ts checks both agree.
 */
export interface WidthOptions {
  ambiguousIsNarrow?: boolean;
  countAnsiEscapeCodes?: boolean;
}
export type StringWidth = (text: string, options?: WidthOptions) => number;

export function lazyStringWidth(simple: (text: string) => number, load: () => StringWidth): StringWidth {
  let real: StringWidth | undefined;
  return (text, options) => {
    if (typeof text === 'string' && (options === undefined || (options.ambiguousIsNarrow !== false && options.countAnsiEscapeCodes !== true))) {
      const w = simple(text);
      if (w >= 0) return w;
    }
    real ??= load();
    return real(text, options);
  };
}
