/**
 * `etc/permissions`: the desired metadata of target paths, one rule a line:
 *
 *   GLOB  MODE  [OWNER  [GROUP]]      e.g.  /etc/sudoers.d/*  0440  root  root
 *
 * GLOB is an absolute target path or glob (`*`, `**`, `?`, dot files included); MODE is
 * octal (`644`, `0644`, `2755`); `-` leaves a field unset, so the live value is kept
 * (new files get 0644). `#` starts a comment line. The last matching rule wins, whole:
 * its unset fields are not filled from earlier rules.
 */
import picomatch from 'picomatch';
import { ConfigError } from '../errors.js';
import { logicalPathProblem } from './paths.js';
import type { PermissionRule } from './types.js';

export const PERMISSIONS_FILE = 'etc/permissions';

const ACCOUNT_RE = /^(?:[A-Za-z_][A-Za-z0-9_.-]*\$?|[0-9]+)$/;

/** Parses the permissions file; `file` is its path relative to the repository. */
export function parsePermissions(text: string, file: string = PERMISSIONS_FILE): PermissionRule[] {
  const rules: PermissionRule[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = [...raw.matchAll(/\S+/g)].map((m) => ({ text: m[0], column: m.index + 1 }));
    const fail = (message: string, column?: number): never => {
      throw new ConfigError(message, file, line, column);
    };
    const [glob, mode, owner, group, extra] = fields;
    if (glob === undefined) continue;
    if (mode === undefined) {
      fail('expected `GLOB MODE [OWNER [GROUP]]`: the mode is missing', glob.column + glob.text.length);
      continue;
    }
    if (extra !== undefined) fail('unexpected text after GROUP (expected `GLOB MODE [OWNER [GROUP]]`)', extra.column);
    const problem = logicalPathProblem(glob.text);
    if (problem !== undefined) fail(`path \`${glob.text}\` ${problem}`, glob.column);

    const rule: PermissionRule = { glob: glob.text, file, line };
    if (mode.text !== '-') {
      if (!/^[0-7]{3,4}$/.test(mode.text)) fail(`invalid mode \`${mode.text}\`: expected octal like 644 or 0440, or -`, mode.column);
      rule.mode = parseInt(mode.text, 8);
    }
    for (const [field, key] of [
      [owner, 'owner'],
      [group, 'group'],
    ] as const) {
      if (field === undefined || field.text === '-') continue;
      if (!ACCOUNT_RE.test(field.text)) fail(`invalid ${key} \`${field.text}\`: expected a user/group name, a number, or -`, field.column);
      rule[key] = field.text;
    }
    rules.push(rule);
  }
  return rules;
}

/** Returns the rule that decides a logical path's metadata (the last one matching), or undefined. */
export type PermissionMatcher = (logicalPath: string) => PermissionRule | undefined;

export function permissionMatcher(rules: readonly PermissionRule[]): PermissionMatcher {
  const compiled = rules.map((rule) => ({ rule, match: picomatch(rule.glob, { dot: true }) }));
  return (logicalPath) => {
    for (let i = compiled.length - 1; i >= 0; i--) {
      const c = compiled[i];
      if (c !== undefined && c.match(logicalPath)) return c.rule;
    }
    return undefined;
  };
}
