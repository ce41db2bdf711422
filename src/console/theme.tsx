/**
 * Colors: named 16-color entries only, and none at all under NO_COLOR (chalk, under Ink,
 * does not read NO_COLOR itself). Attributes (bold, inverse, dim) stay, so selection and
 * changed words remain visible without color.
 */
import { createContext, useContext } from 'react';
import type { Tone } from './format.js';

export interface Theme {
  color: boolean;
}

export const ThemeContext = createContext<Theme>({ color: true });

/** NO_COLOR set to anything non-empty turns colors off (https://no-color.org). */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** The color to pass to Ink for a tone, or undefined when colors are off. */
export function useTone(): (tone: Tone | undefined) => Tone | undefined {
  const theme = useContext(ThemeContext);
  return (tone) => (theme.color ? tone : undefined);
}

const HOST_TONES: readonly Tone[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

/** A stable color per host name for log prefixes. */
export function hostTone(host: string): Tone {
  let hash = 0;
  for (let i = 0; i < host.length; i++) hash = (hash * 31 + host.charCodeAt(i)) >>> 0;
  return HOST_TONES[hash % HOST_TONES.length]!;
}
