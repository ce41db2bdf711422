/** The recovery script: puts a host back from the journal an unfinished operation left. */
import { shellQuote as q } from '../shell.js';
import { FN_WAIT_WRITER, JOURNAL_FUNCTIONS, JOURNAL_NAME } from '../journal.js';
import { REVERT_HELPERS, disarmFunction } from '../revert.js';
import { FN_IN_ROOT, program, prologue, resolveRoot } from './common.js';

/**
 * Recovers the journal left on the host (see journal.ts): reports `none` when there is
 * none, `other OP` when it is not `expectOp`'s (if given), else `journal BASE64` (its
 * text), waits for its writer to end (`waited PID` / `stopping PID`), puts every entry
 * back (`undo I back|gone|same|none`, `ufail I STEP`) and ends with `restored` or
 * `unrestored`. The journal itself stays (marked restored) until closed.
 */
export function recoverScript(o: { marker: string; root: string; lockDir: string; expectOp?: string }): string {
  const body = [
    prologue(o.marker),
    resolveRoot(o.root),
    `LD=${q(o.lockDir)}`,
    `konf_in "$LD" || { printf '%s escape\\n' "$M"; exit 4; }`,
    `J="$LD/${JOURNAL_NAME}"`,
    `if [ ! -f "$J" ]; then printf '%s none\\n' "$M"; exit 0; fi`,
  ];
  if (o.expectOp !== undefined) {
    body.push(`if ! grep -qF -e ${q(`konf_jop ${q(o.expectOp)} `)} -- "$J"; then printf '%s other\\n' "$M"; exit 0; fi`);
  }
  body.push(
    `printf '%s journal %s\\n' "$M" "$(base64 -w0 < "$J")"`,
    `konf_us() { printf '%s %s\\n' "$M" "$*" 2>/dev/null; }`,
    'konf_jv() { :; }',
    'konf_jo=',
    'konf_jop() { konf_jo=$1; }',
    'konf_je() { :; }',
    'konf_jdone() { :; }',
    'konf_jstate() { :; }',
    '. "$J"',
    // A revert the operation armed (confirm-or-revert) is disarmed first, or, when the host
    // has claimed it already, waited for: only one of them puts the files back at a time.
    'konf_rv=unarmed',
    'case $konf_jo in *[!A-Za-z0-9._-]*|"") ;; *) konf_disarm "$konf_jo" ;; esac',
    `if [ "$konf_rv" != unarmed ]; then printf '%s revert %s\\n' "$M" "$konf_rv"; fi`,
    `if [ -f "$A/log" ] && [ "$konf_rv" != unarmed ]; then printf '%s rlog %s\\n' "$M" "$(tail -c 16384 -- "$A/log" | base64 -w0)"; fi`,
    `if [ "$konf_rv" = reverting ]; then exit 0; fi`,
    '. "$J"',
    'konf_waitwriter',
    'konf_restore "$J"',
  );
  return program([FN_IN_ROOT, ...JOURNAL_FUNCTIONS, FN_WAIT_WRITER, ...REVERT_HELPERS, disarmFunction(REVERT_WAIT_SEC)], body);
}

/** How long recovery waits for a revert the host is running itself (its post-rollback hooks included). */
export const REVERT_WAIT_SEC = 120;
