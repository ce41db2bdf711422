/** ANSI colors for human output: on a terminal only, never with NO_COLOR. */
export interface Palette {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  inverse(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export const ansi: Palette = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  dim: wrap(2, 22),
  bold: wrap(1, 22),
  inverse: wrap(7, 27),
};

const id = (s: string) => s;
export const plain: Palette = { red: id, green: id, yellow: id, cyan: id, dim: id, bold: id, inverse: id };

/** Colors for a stream: ANSI on a terminal (or FORCE_COLOR), plain with NO_COLOR or when the stream is not a terminal. */
export function paletteFor(stream: { isTTY?: boolean } | undefined, env: NodeJS.ProcessEnv): Palette {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return plain;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return ansi;
  return stream?.isTTY ? ansi : plain;
}
