/**
 * A `segments` property computed on first read: a 20,000-line diff's rows are built at
 * once (positions, line numbers, kinds), but the word-level highlights of a changed line
 * (a word diff each) and their display-safe copies are made only for the rows someone
 * looks at. After the first read it is a plain property.
 */
import type { Segment } from './types.js';

export function lazySegments<T extends object>(target: T, compute: () => Segment[]): T & { segments: Segment[] } {
  const settle = (value: Segment[]) => Object.defineProperty(target, 'segments', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(target, 'segments', {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute();
      settle(value);
      return value;
    },
    set(value: Segment[]) {
      settle(value);
    },
  });
  return target as T & { segments: Segment[] };
}
