/**
 * A string function remembered for its last few thousand inputs. The bundle wraps two of
 * Ink's per-frame helpers with it (scripts/build.mjs): `widest-line` (string-width of every
 * text node, every frame) and `sanitize-ansi` (re-tokenizes every styled text node, every
 * frame). Both are pure, so a remembered result is the result.
 */
export function memoizeText<T>(fn: (text: string) => T, limit = 4000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text: string) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as T;
    const value = fn(text);
    if (cache.size >= limit) {
      // Forget the oldest tenth at once.
      let n = Math.ceil(limit / 10);
      for (const key of cache.keys()) {
        cache.delete(key);
        if (--n <= 0) break;
      }
    }
    cache.set(text, value);
    return value;
  };
}
