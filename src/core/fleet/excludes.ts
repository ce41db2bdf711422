/**
 * Per-host excludes, `etc/serverconfig/exclude/<host>`: one absolute target path or glob a
 * line (`*` within a component, `**` across components, `?` one character; dot files
 * match like any other), `#` comments, blank lines. A rule also covers everything below
 * the path it matches, so `/etc/nginx` excludes `/etc/nginx/nginx.conf`.
 *
 * `excludeMatcher` is THE matcher: plan, diff and deploy all ask it, so what the preview
 * shows as excluded is exactly what deploy leaves alone.
 */
import picomatch from 'picomatch';
import { ConfigError } from '../errors.js';
import { logicalPathProblem, stripTrailingSlash } from './paths.js';
import type { ExcludeRule } from './types.js';

/** Parses an exclude file; `file` is its path relative to the repository. */
export function parseExcludes(text: string, file: string): ExcludeRule[] {
  const rules: ExcludeRule[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    const problem = logicalPathProblem(pattern);
    if (problem !== undefined) {
      throw new ConfigError(`exclude \`${pattern}\` ${problem}`, file, line, raw.indexOf(pattern) + 1);
    }
    rules.push({ pattern: stripTrailingSlash(pattern), file, line });
  }
  return rules;
}

/** Returns the first rule that excludes a logical path, or undefined. */
export type ExcludeMatcher = (logicalPath: string) => ExcludeRule | undefined;

/** Builds the one exclude matcher for a host's rules (first matching rule wins). */
export function excludeMatcher(rules: readonly ExcludeRule[]): ExcludeMatcher {
  const compiled = rules.map((rule) => ({
    rule,
    self: picomatch(rule.pattern, { dot: true }),
    below: picomatch(rule.pattern === '/' ? '/**' : `${rule.pattern}/**`, { dot: true }),
  }));
  return (logicalPath) => {
    const p = stripTrailingSlash(logicalPath);
    for (const c of compiled) {
      if (c.self(p) || c.below(p)) return c.rule;
    }
    return undefined;
  };
}
