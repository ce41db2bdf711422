/** OpenSSH `Host` patterns: globs and pattern lists, as readconf.c/match.c match them. */

const globCache = new Map<string, RegExp | string>();

/**
 * OpenSSH glob (`*`, `?`), case-insensitive. Compiled once per pattern (a 1,000-host config
 * is matched a million times); a pattern without wildcards is a plain comparison.
 */
export function globMatch(pattern: string, text: string): boolean {
  let m = globCache.get(pattern);
  if (m === undefined) {
    if (!/[*?]/.test(pattern)) m = pattern.toLowerCase();
    else {
      let re = '^';
      for (const ch of pattern) {
        if (ch === '*') re += '.*';
        else if (ch === '?') re += '.';
        else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      }
      m = new RegExp(`${re}$`, 'is');
    }
    if (globCache.size > 100_000) globCache.clear();
    globCache.set(pattern, m);
  }
  return typeof m === 'string' ? m === text.toLowerCase() : m.test(text);
}

/** OpenSSH pattern-list match: any positive pattern matches and no negated one does. */
export function patternListMatch(patterns: string[], text: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), text)) return false;
    } else if (globMatch(p, text)) {
      matched = true;
    }
  }
  return matched;
}
