/**
 * The POSIX sh scripts konf runs on a host. Each one is sent over stdin (never in argv:
 * no length limit, no secrets in `ps`) and started by a constant, tiny command line that
 * reads exactly the script's bytes and evaluates it:
 *
 *     [sudo -n --] sh -c 'eval "$(head -c N)"'
 *
 * Anything after the script on stdin (file contents, a hook and its input) is read by the
 * script itself with `head -c SIZE`; GNU head never reads past SIZE bytes of a pipe.
 * Every script is one function definition followed by its call, so a script cut short in
 * transit fails to parse and runs nothing.
 *
 * One module per remote action (read, write, verify, recover, hook, lock); this one holds
 * what they share. Remote requirements: POSIX sh, GNU coreutils (head, wc, realpath, chmod/chown
 * --reference, mv -T, sync FILE ≥ 8.24, mktemp), GNU findutils (find -newermt), GNU tar,
 * util-linux setsid (optional, for killing a hook's process group).
 */
import { shellQuote as q } from '../shell.js';

export const LOCK_PATH = '/var/lib/konf/lock';
export const LOCK_DIR = '/var/lib/konf';
export const TEMP_PREFIX = '.konf-tmp-';

/**
 * The most bytes of arguments konf gives one program it starts on a host. Linux allows a
 * command line (arguments and environment) a quarter of the stack limit but never less
 * than 128 KiB: a budget of 64 KiB leaves the rest to the environment, so a batch of any
 * size runs (`Argument list too long` otherwise, past ~20,000 files with the usual 8 MiB stack).
 */
export const ARG_BUDGET = 64 * 1024;

/**
 * Items in runs whose arguments (as `text` gives each: quoted) fit one command line: at
 * most `budget` bytes counting each argument's pointer and end, at most `most` items, and
 * at least one item per run. An empty list gives no runs.
 */
export function argRuns<T>(items: readonly T[], text: (item: T) => string, opts: { budget?: number; most?: number } = {}): T[][] {
  const budget = opts.budget ?? ARG_BUDGET;
  const most = opts.most ?? Infinity;
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(text(item)) + 9;
    if (run.length > 0 && (bytes + size > budget || run.length >= most)) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** `PREFIX ARG…SUFFIX` once per run of (quoted) arguments that fits a command line (argRuns). */
export function commandRuns(prefix: string, args: readonly string[], suffix = ''): string[] {
  return argRuns(args, (a) => a).map((run) => `${prefix} ${run.join(' ')}${suffix}`);
}

/** The command line that runs a script of `scriptBytes` bytes read from stdin. */
export function commandFor(scriptBytes: number, become: '' | 'sudo'): string {
  const sh = `sh -c 'eval "$(head -c ${scriptBytes})"'`;
  return become === 'sudo' ? `sudo -n -- ${sh}` : sh;
}

export function prologue(marker: string): string {
  return [`M=${q(marker)}`, `printf '%s\\n' "$M"`, `printf '%s\\n' "$M" >&2`, 'LC_ALL=C', 'export LC_ALL'].join('\n');
}

export function program(functions: string[], body: string[]): string {
  return [...functions, 'konf_main() {', ...body, '}', 'konf_main', ''].join('\n');
}

/** `konf_in DIR`: true when DIR (or its nearest existing ancestor) resolves inside $R. */
export const FN_IN_ROOT = `konf_in() {
  if [ "$1" = "$konf_okdir" ]; then return 0; fi
  q=$1
  while [ ! -e "$q" ] && [ ! -h "$q" ]; do
    q=\${q%/*}
    if [ -z "$q" ]; then q=/; fi
  done
  r=$(realpath -e -- "$q" 2>/dev/null) || return 1
  if [ "$R" != / ]; then
    case $r in "$R"|"$R"/*) ;; *) return 1 ;; esac
  fi
  konf_okdir=$1
  return 0
}`;

export function resolveRoot(root: string): string {
  return `R=$(realpath -e -- ${q(root)} 2>/dev/null) || { printf '%s noroot\\n' "$M" >&2; exit 3; }\nkonf_okdir=`;
}

/** `konf_show FILE`: its first 4000 bytes on one line. */
export const FN_SHOW = `konf_show() {
  head -c 4000 -- "$1" 2>/dev/null | tr -d '\\n'
  printf '\\n'
}`;
