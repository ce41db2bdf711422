/** The command line as the audit log records it: bounded, secret-looking values masked. */

const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|credential|api[-_]?key|private[-_]?key|^key$|[-_]key$/i;
const MAX_ARGS = 64;
const MAX_ARG_LENGTH = 200;

/**
 * The command line as recorded: at most 64 arguments of at most 200 characters; the
 * value of any secret-looking option (`--db-password=x`, `--token x`) or assignment
 * (`db_password=x`) becomes `***`.
 */
export function summarizeArgv(argv: string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of argv.slice(0, MAX_ARGS)) {
    if (maskNext && !arg.startsWith('-')) {
      out.push('***');
      maskNext = false;
      continue;
    }
    maskNext = false;
    const option = /^(--?)([^=]+)(=.*)?$/s.exec(arg);
    const assignment = /^([A-Za-z_][\w.-]*)=/.exec(arg);
    if (option && SECRET_NAME.test(option[2] ?? '')) {
      if (option[3] !== undefined) out.push(`${option[1]}${option[2]}=***`);
      else {
        out.push(arg);
        maskNext = true;
      }
    } else if (!option && assignment && SECRET_NAME.test(assignment[1] ?? '')) {
      out.push(`${assignment[1]}=***`);
    } else {
      out.push(arg.length > MAX_ARG_LENGTH ? `${arg.slice(0, MAX_ARG_LENGTH)}…` : arg);
    }
  }
  if (argv.length > MAX_ARGS) out.push(`… ${argv.length - MAX_ARGS} more`);
  return out;
}
