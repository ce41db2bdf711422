/** Running a hook on the host, and stopping it. */
import { shellQuote as q } from '../shell.js';
import { program, prologue } from './common.js';

/** The variable every process of a hook carries: how killScript knows the hook's processes. */
export const HOOK_TAG_VAR = 'KONF_HOOK_ID';

/**
 * Uploads the next `size` bytes of stdin into a mktemp file, makes it executable, and runs
 * it in its own session (setsid) with the rest of stdin as its input. The environment
 * (switches included) is exported in the subshell that becomes the hook, never in the
 * wrapper itself: a switch named M, PATH, IFS or LC_ALL reaches the hook only. The hook's
 * processes carry `KONF_HOOK_ID=<tag>` (see killScript). Reports `<marker> pid PGID
 * WRAPPER` on stderr, then `<marker> tick` every second: the SSH server sends no signal
 * when a channel without a pty closes, so a failed tick is how the wrapper learns that the
 * caller is gone (timeout, abort, dropped connection) and stops the hook's process group.
 * Wrapper problems: `<marker> error TEXT` on stderr and exit 125. Exits with the hook's status.
 */
export function runScript(o: { marker: string; size: number; env: Record<string, string>; tag: string }): string {
  const body = [
    prologue(o.marker),
    'umask 077',
    `konf_t=$(mktemp "\${TMPDIR:-/tmp}/konf-hook.XXXXXXXX" 2>/dev/null) || { printf '%s error cannot create a temporary file on the host\\n' "$M" >&2; exit 125; }`,
    `head -c ${o.size} > "$konf_t"`,
    'konf_s=$(wc -c < "$konf_t")',
    `if [ "$konf_s" -ne ${o.size} ]; then rm -f -- "$konf_t"; printf '%s error the script upload was cut short\\n' "$M" >&2; exit 125; fi`,
    'chmod 700 -- "$konf_t"',
  ];
  // Resolved before any switch is set: the hook's PATH is the hook's business.
  body.push('konf_setsid=$(command -v setsid 2>/dev/null) || konf_setsid=', 'exec 3<&0', '(');
  for (const [k, v] of Object.entries(o.env)) body.push(`  ${k}=${q(v)}`, `  export ${k}`);
  body.push(
    `  ${HOOK_TAG_VAR}=${q(o.tag)}`,
    `  export ${HOOK_TAG_VAR}`,
    '  if [ -n "$konf_setsid" ]; then exec "$konf_setsid" "$konf_t"; fi',
    '  exec "$konf_t"',
    ') <&3 3<&- &',
    'konf_p=$!',
    'exec 3<&- 0</dev/null',
    // From here on the caller may be gone: write errors must not kill the wrapper before
    // it cleans up (the hook, started above, keeps the default SIGPIPE).
    "trap '' PIPE",
    `konf_stop() { kill -TERM "-$konf_p" 2>/dev/null || kill -TERM "$konf_p" 2>/dev/null; rm -f -- "$konf_t"; }`,
    "trap 'konf_stop; exit 143' HUP INT TERM",
    // The watchdog reports the pid, then ticks on stderr every second: when a write fails
    // the channel is gone (no pty, so no SIGHUP tells us), and it stops the hook's group.
    '(',
    `  printf '%s pid %s %s\\n' "$M" "$konf_p" "$$" >&2 || konf_gone=1`,
    '  while [ -z "$konf_gone" ] && kill -0 "$konf_p" 2>/dev/null; do',
    '    sleep 1 >/dev/null 2>&1',
    `    printf '%s tick\\n' "$M" >&2 || konf_gone=1`,
    '  done',
    '  if [ -n "$konf_gone" ]; then',
    '    kill -TERM "-$konf_p" 2>/dev/null || kill -TERM "$konf_p" 2>/dev/null',
    '    sleep 2 >/dev/null 2>&1',
    '    kill -KILL "-$konf_p" 2>/dev/null',
    '  fi',
    ') </dev/null >/dev/null &',
    'konf_w=$!',
    // dash reports a job killed by a signal ("Terminated") on stderr: not hook output.
    'wait "$konf_p" 2>/dev/null',
    'konf_rc=$?',
    'kill "$konf_w" 2>/dev/null',
    'rm -f -- "$konf_t"',
    'exit "$konf_rc"',
  );
  return program([], body);
}

/**
 * Stops a hook started by runScript with the given tag. Nothing the host reported is
 * trusted: the targets are the processes that carry `KONF_HOOK_ID=<tag>` in their
 * environment (one grep over /proc/PID/environ), each one's process group when it leads
 * it (setsid), else the process alone; never a group id of 1 or less. TERM, then KILL
 * after 2 s to what is left. Reports `<marker> stopped N`.
 */
export function killScript(marker: string, tag: string): string {
  return program(
    [],
    [
      prologue(marker),
      'konf_k=',
      `for f in $(grep -lzxF -e ${q(`${HOOK_TAG_VAR}=${tag}`)} /proc/[0-9]*/environ 2>/dev/null); do`,
      '  p=${f#/proc/}',
      '  p=${p%/environ}',
      '  read -r s 2>/dev/null < "/proc/$p/stat" || continue',
      '  s=${s##*) }',
      '  set -- $s',
      '  if [ "$3" = "$p" ] && [ "$p" -gt 1 ]; then t=-$p; elif [ "$p" -gt 1 ]; then t=$p; else continue; fi',
      '  case " $konf_k " in *" $t "*) ;; *) konf_k="$konf_k $t" ;; esac',
      'done',
      `printf '%s stopped %s\\n' "$M" "$(echo $konf_k | wc -w)"`,
      'if [ -z "$konf_k" ]; then exit 0; fi',
      'for t in $konf_k; do kill -TERM "$t" 2>/dev/null; done',
      'i=0',
      'while [ "$i" -lt 20 ]; do',
      '  left=',
      '  for t in $konf_k; do if kill -0 "$t" 2>/dev/null; then left=1; fi; done',
      '  if [ -z "$left" ]; then exit 0; fi',
      '  sleep 0.1',
      '  i=$((i+1))',
      'done',
      'for t in $konf_k; do kill -KILL "$t" 2>/dev/null; done',
      'exit 0',
    ],
  );
}
