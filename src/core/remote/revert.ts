/**
 * Confirm-or-revert on the host: the pieces of shell that arm, disarm and run a revert
 * the host does on its own. A deploy with `--confirm-within SECONDS` arms it inside its
 * write script, after the journal is written and before the first rename:
 *
 *     <lockdir>/revert-<op>/            (0700: it holds the hooks' environment)
 *         revert.sh   the revert program (below)      env     the post-rollback hooks' environment
 *         hooks/      the post-rollback hooks          pid     "PID STARTTIME" of the revert program
 *         deadline    seconds of uptime at which it reverts
 *         armed       present while armed; renamed (atomically) by whoever decides:
 *                     → disarmed  (konf proved access, or konf's own recovery took over)
 *                     → claimed   (the revert program, at the deadline)
 *         log         what the revert program did      status  reverted | unrestored | none
 *
 * The revert program is a detached process (a transient systemd unit where systemd runs
 * the host and konf may start one, else `setsid`), so it outlives the SSH session and
 * konf itself. It sleeps in steps of a second while `armed` exists; at the deadline it
 * claims the revert by renaming `armed` to `claimed` — rename(2) is atomic, so exactly
 * one of the disarm and the revert wins. Having claimed it, it checks the journal is
 * still this operation's, waits for (or stops) the journal's writer, appends itself as
 * the writer, puts every file back with the journal's own undo (`konf_restore`), runs
 * the post-rollback hooks it was given, and writes `status`. The journal stays (marked
 * restored) for konf to read, verify and close.
 *
 * The deadline is kept on the host's monotonic clock (/proc/uptime): a clock step (NTP,
 * a deployed timesyncd.conf) does not move it. A reboot ends the revert program; the
 * journal then stays on the host and the next konf run puts it back.
 */
import { FN_ME, FN_WAIT_WRITER, JOURNAL_FUNCTIONS, JOURNAL_NAME } from './journal.js';
import { shellQuote as q } from './shell.js';

/** Op ids are used in host paths: only these characters. */
export const SAFE_OP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/;

export function revertDirName(op: string): string {
  if (!SAFE_OP.test(op)) throw new Error(`operation id ${JSON.stringify(op)} cannot name a host folder`);
  return `revert-${op}`;
}

/** What arming sends to the host (after the write's file contents on stdin). */
export interface ArmSpec {
  seconds: number;
  /** The post-rollback hooks the revert runs, in order, and their environment. */
  hooks: { name: string; content: Buffer }[];
  env: Record<string, string>;
}

/** `konf_now`: whole seconds of the host's uptime (monotonic). */
export const FN_NOW = `konf_now() {
  read -r konf_nu konf_nx < /proc/uptime
  echo "\${konf_nu%.*}"
}`;

/** `konf_alive FILE`: true when the process named in FILE ("PID STARTTIME") still runs. */
export const FN_ALIVE = `konf_alive() {
  [ -f "$1" ] || return 1
  read -r konf_ap konf_as < "$1" || return 1
  [ -n "$konf_ap" ] || return 1
  konf_ast=$(cat "/proc/$konf_ap/stat" 2>/dev/null) || return 1
  konf_ast=\${konf_ast##*) }
  set -- $konf_ast
  shift 19
  [ "$1" = "$konf_as" ]
}`;

function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name ${JSON.stringify(k)} for a hook`);
      return `${k}=${q(v)}\nexport ${k}\n`;
    })
    .join('');
}

/** The revert program (a standalone POSIX sh script), for operation `op` with its lock folder `lockDir`. */
export function revertProgram(o: { op: string; lockDir: string }): string {
  const body = [
    'DL=$1',
    `LD=${q(o.lockDir)}`,
    `A="$LD/${revertDirName(o.op)}"`,
    `J="$LD/${JOURNAL_NAME}"`,
    `OP=${q(o.op)}`,
    'exec >>"$A/log" 2>&1 </dev/null',
    "trap '' HUP PIPE INT",
    'LC_ALL=C',
    'export LC_ALL',
    'konf_us() { printf \'%s %s\\n\' "$(konf_now)" "$*"; }',
    'konf_me',
    'printf \'%s %s\\n\' "$$" "$konf_ms" >| "$A/pid.tmp" && mv -f -- "$A/pid.tmp" "$A/pid"',
    'konf_us "armed until $DL"',
    'while :; do',
    '  if [ ! -f "$A/armed" ]; then konf_us disarmed; exit 0; fi',
    '  if [ "$(konf_now)" -ge "$DL" ]; then break; fi',
    '  sleep 1',
    'done',
    // The one atomic decision: whoever renames `armed` first.
    'if ! mv -- "$A/armed" "$A/claimed" 2>/dev/null; then konf_us disarmed; exit 0; fi',
    'konf_us "deadline passed: putting the host back"',
    `if [ ! -f "$J" ] || ! grep -qF -e ${q(`konf_jop ${q(o.op)} `)} -- "$J"; then konf_us "the journal of $OP is gone: nothing to put back"; echo none >| "$A/status"; exit 0; fi`,
    'konf_jv() { :; }; konf_jop() { :; }; konf_je() { :; }; konf_jdone() { :; }; konf_jstate() { :; }',
    '. "$J"',
    'konf_waitwriter',
    'printf \'konf_jpid %s %s %s\\n\' "$$" "$konf_ms" "$konf_mg" >> "$J"',
    'konf_st=reverted',
    'konf_restore "$J" || konf_st=unrestored',
    'for konf_h in "$A"/hooks/*; do',
    '  [ -f "$konf_h" ] || continue',
    '  konf_us "running post-rollback hook ${konf_h##*/}"',
    '  ( . "$A/env"; exec timeout -k 5 300 "$konf_h" )',
    '  konf_us "post-rollback hook ${konf_h##*/} exited with status $?"',
    'done',
    'konf_us "$konf_st"',
    'echo "$konf_st" >| "$A/status.tmp" && mv -f -- "$A/status.tmp" "$A/status"',
  ];
  return [...JOURNAL_FUNCTIONS, FN_ME, FN_WAIT_WRITER, FN_NOW, 'konf_revert() {', ...body, '}', 'konf_revert "$@"', ''].join('\n');
}

/**
 * The payload arming reads from stdin, in order: the revert program, the env file, each
 * hook. Returns the buffers and the sizes the arm function needs.
 */
export function armPayload(arm: ArmSpec, program: string): { buffers: Buffer[]; sizes: { program: number; env: number; hooks: { name: string; size: number }[] } } {
  const prog = Buffer.from(program);
  const env = Buffer.from(envFile(arm.env));
  const hooks = arm.hooks.map((h, i) => ({ name: `${String(i).padStart(2, '0')}-${h.name.replace(/[^A-Za-z0-9._+-]/g, '_').slice(0, 80)}`, content: h.content }));
  return { buffers: [prog, env, ...hooks.map((h) => h.content)], sizes: { program: prog.length, env: env.length, hooks: hooks.map((h) => ({ name: h.name, size: h.content.length })) } };
}

/**
 * `konf_arm`: sets up the revert folder from stdin and starts the revert program; the
 * caller (the write script, after its journal) defines LD, konf_say and konf_lost.
 * Reports `armed SECONDS HOW` (HOW: systemd or process) or `fail 0 arm`.
 */
export function armFunction(o: { op: string; seconds: number; sizes: ReturnType<typeof armPayload>['sizes'] }): string {
  const dir = revertDirName(o.op);
  const reads = [
    `  konf_rd "$A/revert.sh" ${o.sizes.program} || return 1`,
    `  konf_rd "$A/env" ${o.sizes.env} || return 1`,
    '  mkdir -- "$A/hooks" || return 1',
    ...o.sizes.hooks.map((h) => `  konf_rd "$A/hooks/${h.name}" ${h.size} && chmod 700 -- "$A/hooks/${h.name}" || return 1`),
  ];
  return `konf_rd() {
  head -c "$2" >| "$1" || return 1
  [ "$(wc -c < "$1")" -eq "$2" ]
}
konf_arm() {
  A="$LD/${dir}"
  rm -rf -- "$A"
  mkdir -m 700 -- "$A" || return 1
${reads.join('\n')}
  printf '%s\\n' ${q(o.op)} >| "$A/armed" || return 1
  konf_dl=$(( $(konf_now) + ${o.seconds} ))
  printf '%s\\n' "$konf_dl" >| "$A/deadline" || return 1
  konf_how=
  if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
    if systemd-run --quiet --no-ask-password --collect --unit=${q(`konf-${dir}`)} "$(command -v sh)" "$A/revert.sh" "$konf_dl" >/dev/null 2>&1; then konf_how=systemd; fi
  fi
  if [ -n "$konf_how" ] && ! konf_armwait; then
    systemctl stop ${q(`konf-${dir}`)} >/dev/null 2>&1
    konf_how=
  fi
  if [ -z "$konf_how" ]; then
    if command -v setsid >/dev/null 2>&1; then setsid sh "$A/revert.sh" "$konf_dl" </dev/null >/dev/null 2>&1 &
    else nohup sh "$A/revert.sh" "$konf_dl" </dev/null >/dev/null 2>&1 &
    fi
    konf_how=process
    konf_armwait || return 1
  fi
  konf_say "armed ${o.seconds} $konf_how" || konf_lost
}
konf_armwait() {
  konf_ai=0
  while [ "$konf_ai" -lt 50 ]; do
    if konf_alive "$A/pid"; then return 0; fi
    sleep 0.1
    konf_ai=$((konf_ai+1))
  done
  return 1
}`;
}

/**
 * `konf_disarm OP`: takes the decision away from the revert program, if it has not
 * taken it yet. Sets konf_rv: disarmed (it will not run), reverted (it ran: see its
 * status), reverting (it still runs after waiting WAIT seconds), crashed (it claimed
 * the revert and died before finishing: the caller puts the host back), unarmed.
 */
export function disarmFunction(waitSec: number): string {
  return `konf_disarm() {
  A="$LD/revert-$1"
  if [ ! -d "$A" ]; then konf_rv=unarmed; return 0; fi
  if mv -- "$A/armed" "$A/disarmed" 2>/dev/null || [ -e "$A/disarmed" ]; then konf_rv=disarmed; return 0; fi
  if [ ! -e "$A/claimed" ]; then konf_rv=unarmed; return 0; fi
  konf_wi=0
  while [ ! -f "$A/status" ] && konf_alive "$A/pid" && [ "$konf_wi" -lt ${waitSec * 10} ]; do sleep 0.1; konf_wi=$((konf_wi+1)); done
  if [ -f "$A/status" ]; then konf_rv=reverted
  elif konf_alive "$A/pid"; then konf_rv=reverting
  else konf_rv=crashed
  fi
}`;
}

/** Functions disarming needs (with the journal's konf_me for konf_alive's neighbours). */
export const REVERT_HELPERS = [FN_NOW, FN_ALIVE];
