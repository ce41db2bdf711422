/**
 * The validation step of a write on the host (etc/validate, see fleet/validate.ts), as
 * pieces of shell the write script composes: file checks run on the staged temp files
 * before the commit phase, set checks after the swap (and before the controller runs
 * any post-deploy hook). Nothing here costs a round trip of its own: the checks run
 * inside the write script (or inside the stage-only script of `konf diff --validate`).
 *
 * Each check runs `sh -c COMMAND konf-validate FILE` in a subshell that exports the
 * checks' environment (switches, KONF_*: never the write script's own shell), with
 * stdin from /dev/null, stdout and stderr captured into a temp file, under coreutils
 * `timeout`. It reports, as status lines:
 *
 *     cout ID I LINE      one line of the check's output (at most 64 KiB of it)
 *     cok ID I            it passed
 *     cbad ID I CODE      it failed with that exit status (124: timed out)
 *
 * ID is the rule's id given by the controller, I the op index of the file checked (-1
 * for a set check).
 */
import { shellQuote as q } from './shell.js';

/** One check to run on the host. */
export interface RemoteCheck {
  /** The controller's id for the rule (reported back). */
  id: number;
  /** The command as shell text; for a file check `%s` is replaced by konf. */
  command: string;
}

/** The checks of one write: file checks per op, set checks after the swap. */
export interface RemoteChecks {
  /** KONF_HOST, KONF_ROOT, switches …: exported in the subshell of each check only. */
  env: Record<string, string>;
  /** File checks: `op` is the index of the op whose staged temp is checked, `path` its logical path (KONF_FILE). */
  files: (RemoteCheck & { op: number; path: string })[];
  /** Set checks: run once after the swap. */
  sets: RemoteCheck[];
  /** Seconds before a check is stopped (timeout exit 124). */
  timeoutSec: number;
}

/** The result of one check as the host reported it. */
export interface CheckResult {
  id: number;
  /** Op index of the file checked; -1 for a set check. */
  op: number;
  ok: boolean;
  code: number;
  output: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `%s` → the positional parameter konf passes the staged path in (quoted). */
export function fileCheckCommand(command: string): string {
  return command.replaceAll('%s', '"$1"');
}

/**
 * `konf_venv`: exports the checks' environment; `konf_chk ID I FILE TARGET COMMAND`:
 * runs one check (FILE: what `%s` names, TARGET: the logical path for KONF_FILE).
 * The caller defines konf_say (a status line; false when the connection is gone) and
 * konf_lost; konf_cbad is set when a check failed.
 */
export function checkFunctions(checks: RemoteChecks): string[] {
  const env = Object.entries(checks.env).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new Error(`invalid environment variable name ${JSON.stringify(k)} for a check`);
    return `  ${k}=${q(v)}; export ${k}`;
  });
  return [
    ['konf_venv() {', ...env, '  :', '}'].join('\n'),
    `konf_chk() {
  konf_co=$(mktemp "\${TMPDIR:-/tmp}/konf-check.XXXXXXXX") || { konf_say "cout $1 $2 konf: cannot create a temporary file on the host" || konf_lost; konf_say "cbad $1 $2 125" || konf_lost; konf_cbad=1; return 0; }
  ( konf_venv; KONF_FILE=$4; export KONF_FILE; umask 022; exec timeout -k 5 ${Math.max(1, Math.floor(checks.timeoutSec))} sh -c "$5" konf-validate "$3" ) </dev/null >|"$konf_co" 2>&1
  konf_cr=$?
  konf_cn=0
  while IFS= read -r konf_cl || [ -n "$konf_cl" ]; do
    konf_say "cout $1 $2 $konf_cl" || konf_lost
  done <<EOF_KONF_CHECK
$(head -c 65536 -- "$konf_co")
EOF_KONF_CHECK
  rm -f -- "$konf_co"
  if [ "$konf_cr" = 0 ]; then konf_say "cok $1 $2" || konf_lost
  else konf_cbad=1; konf_say "cbad $1 $2 $konf_cr" || konf_lost
  fi
}`,
  ];
}

/** The lines that run the file checks (after staging); temps[i] is op i's staged temp file. */
export function fileCheckLines(checks: RemoteChecks, temps: readonly string[]): string[] {
  return checks.files.map((c) => {
    const temp = temps[c.op];
    if (!temp) throw new Error(`a file check names op ${c.op}, which stages no file`);
    return ['konf_chk', c.id, c.op, q(temp), q(c.path), q(fileCheckCommand(c.command))].join(' ');
  });
}

/** The lines that run the set checks (after the swap). */
export function setCheckLines(checks: RemoteChecks): string[] {
  return checks.sets.map((c) => ['konf_chk', c.id, -1, "''", "''", q(c.command)].join(' '));
}

/** Folds the status lines of a script into check results (in the order they finished). */
export class CheckCollector {
  readonly results: CheckResult[] = [];
  private readonly output = new Map<string, string[]>();

  constructor(private readonly onResult?: (r: CheckResult) => void) {}

  /** Takes one status line; true when it was a check's. */
  take(status: string): boolean {
    const out = /^cout (\d+) (-?\d+) ?(.*)$/.exec(status);
    if (out) {
      const key = `${out[1]} ${out[2]}`;
      const lines = this.output.get(key) ?? [];
      lines.push(out[3] ?? '');
      this.output.set(key, lines);
      return true;
    }
    const end = /^(cok|cbad) (\d+) (-?\d+)(?: (\d+))?$/.exec(status);
    if (!end) return false;
    const key = `${end[2]} ${end[3]}`;
    const output = this.output.get(key) ?? [];
    // The here-document adds one empty line when the output was empty.
    if (output.length === 1 && output[0] === '') output.pop();
    this.output.delete(key);
    const r: CheckResult = { id: Number(end[2]), op: Number(end[3]), ok: end[1] === 'cok', code: end[1] === 'cok' ? 0 : Number(end[4] ?? 1), output };
    this.results.push(r);
    this.onResult?.(r);
    return true;
  }

  get failed(): CheckResult[] {
    return this.results.filter((r) => !r.ok);
  }
}
