/**
 * `etc/validate`: checks a deploy must pass on the host before anything goes live, one
 * rule a line:
 *
 *   GLOB  COMMAND…        e.g.  /etc/sudoers.d/*   visudo -cqf %s
 *                               /etc/nginx/**      nginx -t
 *
 * GLOB is an absolute target path or glob (`*`, `**`, `?`, dot files included), like
 * etc/permissions. COMMAND is the rest of the line, shell text run by `sh -c` on the host.
 *
 * - With `%s` it is a **file check**: it runs once for every file of the deploy the glob
 *   matches, against the staged temp file (written beside its target with its final
 *   metadata), before anything is renamed. `%s` becomes that temp's path, quoted by konf:
 *   write it bare (`visudo -cf %s`), not inside quotes.
 * - Without `%s` it is a **set check**: it runs once, after every file of the deploy is
 *   swapped in and before the post-deploy hooks (so before any reload), when the deploy
 *   changes a file the glob matches (`/etc/nginx/** nginx -t`).
 *
 * Commands see the host's switches, KONF_HOST, KONF_ROOT (the target root), KONF_PHASE
 * (`validate`), KONF_OP, KONF_CHANGED and, for a file check, KONF_FILE (the target path).
 * A malformed line is a configuration error naming file:line.
 */
import picomatch from 'picomatch';
import { ConfigError } from '../errors.js';
import { logicalPathProblem } from './paths.js';

export const VALIDATE_FILE = 'etc/validate';

export interface ValidateRule {
  glob: string;
  /** The command as written (with `%s` for a file check). */
  command: string;
  kind: 'file' | 'set';
  file: string;
  line: number;
}

/** `etc/validate:3`, how messages name a rule. */
export function ruleWhere(rule: Pick<ValidateRule, 'file' | 'line'>): string {
  return `${rule.file}:${rule.line}`;
}

/** Parses the validate file; `file` is its path relative to the repository. */
export function parseValidate(text: string, file: string = VALIDATE_FILE): ValidateRule[] {
  const rules: ValidateRule[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fail = (message: string, column?: number): never => {
      throw new ConfigError(message, file, line, column);
    };
    const globMatch = /^\s*(\S+)/.exec(raw) as RegExpExecArray;
    const glob = globMatch[1] as string;
    const globColumn = raw.indexOf(glob) + 1;
    const command = raw.slice(globColumn - 1 + glob.length).trim();
    if (command === '') fail('expected `GLOB COMMAND…`: the command is missing', globColumn + glob.length);
    const problem = logicalPathProblem(glob);
    if (problem !== undefined) fail(`path \`${glob}\` ${problem}`, globColumn);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(command)) fail('the command contains a control character');
    const commandColumn = raw.indexOf(command, globColumn - 1 + glob.length) + 1;
    for (const m of command.matchAll(/%s/g)) {
      const before = command[m.index - 1];
      const after = command[m.index + 2];
      if (before === '"' || before === "'" || after === '"' || after === "'") {
        fail('write %s without quotes: konf puts the staged file\'s path there already quoted', commandColumn + m.index);
      }
    }
    rules.push({ glob, command, kind: command.includes('%s') ? 'file' : 'set', file, line });
  }
  return rules;
}

/** The rules whose glob matches a logical path, in file order. */
export type ValidateMatcher = (logicalPath: string) => ValidateRule[];

export function validateMatcher(rules: readonly ValidateRule[]): ValidateMatcher {
  const compiled = rules.map((rule) => ({ rule, match: picomatch(rule.glob, { dot: true }) }));
  return (logicalPath) => compiled.filter((c) => c.match(logicalPath)).map((c) => c.rule);
}
