/** The host lock: take, release (closing a journal), read. */
import { shellQuote as q } from '../shell.js';
import { FN_RMBAK, JOURNAL_NAME } from '../journal.js';
import { REVERT_HELPERS, SAFE_OP, disarmFunction } from '../revert.js';
import { FN_IN_ROOT, FN_SHOW, TEMP_PREFIX, program, prologue, resolveRoot } from './common.js';

/**
 * Takes the lock: writes the JSON to a temp file and hard-links it to the lock path
 * (atomic, fails if the lock exists; falls back to a noclobber create). Reports
 * `acquired`, or `held JSON`; with breakLock first `broken JSON` for a lock it removed
 * (`breakIf`: only a lock that still holds this needle, the op id of a stale lock).
 * Once acquired, a journal left on the host is reported as `journal BASE64`.
 */
export function acquireLockScript(o: { marker: string; run: string; root: string; lockDir: string; json: string; breakLock: boolean; breakIf?: string }): string {
  const body = [prologue(o.marker), 'umask 022', resolveRoot(o.root), ...lockDirLines(o.lockDir)];
  if (o.breakLock || o.breakIf !== undefined) {
    const cond = o.breakIf !== undefined ? ` && grep -qF -e ${q(o.breakIf)} -- "$L" 2>/dev/null` : '';
    body.push(
      `if { [ -e "$L" ] || [ -h "$L" ]; }${cond}; then`,
      `  printf '%s broken ' "$M"`,
      '  konf_show "$L"',
      `  rm -f -- "$L" || { printf '%s fail break\\n' "$M"; exit 3; }`,
      'fi',
    );
  }
  body.push(
    ...lockTakeLines(o.run, o.json),
    'if [ -n "$konf_got" ]; then',
    `  if [ -f "$LD/${JOURNAL_NAME}" ]; then printf '%s journal %s\\n' "$M" "$(base64 -w0 < "$LD/${JOURNAL_NAME}")"; fi`,
    `  printf '%s acquired\\n' "$M"; exit 0`,
    'fi',
    `printf '%s held ' "$M"`,
    'konf_show "$L"',
  );
  return program([FN_IN_ROOT, FN_SHOW], body);
}

/** Sets LD (the lock folder, checked inside the root and created) and L (the lock). */
export function lockDirLines(lockDir: string): string[] {
  return [
    `LD=${q(lockDir)}`,
    `konf_in "$LD" || { printf '%s escape\\n' "$M"; exit 4; }`,
    `mkdir -p -- "$LD" || { printf '%s fail mkdir\\n' "$M"; exit 3; }`,
    'L="$LD/lock"',
  ];
}

/**
 * Takes the lock at $L atomically: writes the JSON to a temp file and hard-links it to the
 * lock path (fails if the lock exists; falls back to a noclobber create). Sets konf_got.
 */
export function lockTakeLines(run: string, json: string): string[] {
  return [
    `T="$LD/${TEMP_PREFIX}${run}-lock"`,
    `(set -C; printf '%s\\n' ${q(json)} > "$T") || { printf '%s fail write\\n' "$M"; exit 3; }`,
    'konf_got=',
    'if ln -- "$T" "$L" 2>/dev/null; then konf_got=1',
    'elif [ ! -e "$L" ] && [ ! -h "$L" ] && (set -C; cat -- "$T" > "$L") 2>/dev/null; then konf_got=1',
    'fi',
    'rm -f -- "$T"',
  ];
}

/**
 * Removes the lock only when it holds `needle` (our op id): `released`, `absent` or
 * `other JSON`. With `closeJournal` (an op id), first closes that operation's journal:
 * removes the temps and backups it lists and the journal itself (`closed`). A journal of
 * another operation is left alone (`journal-other`).
 */
export function releaseLockScript(o: { marker: string; root: string; lockDir: string; needle: string; closeJournal?: string; keepLock?: boolean; disarm?: string }): string {
  const body = [prologue(o.marker), resolveRoot(o.root), `LD=${q(o.lockDir)}`, `konf_in "$LD" || { printf '%s escape\\n' "$M"; exit 4; }`, 'L="$LD/lock"'];
  if (o.disarm !== undefined) {
    // Confirm-or-revert: the revert is disarmed first; if the host took the decision
    // already (or something else did), nothing is closed or released: the caller finds out.
    if (!SAFE_OP.test(o.disarm)) throw new Error(`operation id ${JSON.stringify(o.disarm)} cannot name a host folder`);
    body.push(`konf_disarm ${q(o.disarm)}`, `if [ "$konf_rv" != disarmed ]; then printf '%s revert %s\\n' "$M" "$konf_rv"; exit 0; fi`, `printf '%s disarmed\\n' "$M"`);
  }
  if (o.closeJournal !== undefined) body.push(...closeJournalLines(o.closeJournal));
  const disarm = o.disarm !== undefined ? [...REVERT_HELPERS, disarmFunction(0)] : [];
  if (o.keepLock) {
    body.push('exit 0');
    return program([FN_IN_ROOT, FN_SHOW, ...disarm], body);
  }
  body.push(...releaseLines(o.needle));
  return program([FN_IN_ROOT, FN_SHOW, FN_RMBAK, ...disarm], body);
}

/**
 * Closes operation `op`'s journal in $LD: removes the temps and backups it lists and the
 * journal itself (`closed`); a journal of another operation is left alone (`journal-other`).
 */
export function closeJournalLines(op: string): string[] {
  return [
    `J="$LD/${JOURNAL_NAME}"`,
    'if [ -f "$J" ]; then',
    `  if grep -qF -e ${q(`konf_jop ${q(op)} `)} -- "$J"; then`,
    '    konf_jv() { :; }; konf_jop() { :; }; konf_jpid() { :; }; konf_jdone() { :; }; konf_jstate() { :; }',
    // Temps are gone after a finished or recovered run; the old versions go with their folder (one rm per folder).
    '    konf_lbd=',
    '    konf_je() {',
    '      if [ -n "$6" ] && { [ -e "$6" ] || [ -h "$6" ]; }; then rm -f -- "$6"; fi',
    '      konf_cbd=${7%/*}',
    '      case ${konf_cbd##*/} in',
    '        .konf-tmp-*-bak) if [ "$konf_cbd" != "$konf_lbd" ] && [ -e "$konf_cbd" ]; then rm -rf -- "$konf_cbd"; fi; konf_lbd=$konf_cbd ;;',
    '        *) if [ -e "$7" ] || [ -h "$7" ]; then rm -f -- "$7"; fi ;;',
    '      esac',
    '    }',
    '    . "$J"',
    // The revert folder of a confirm-or-revert deploy goes before its journal.
    ...(SAFE_OP.test(op) ? [`    rm -rf -- "$LD/revert-"${q(op)}`] : []),
    `    rm -f -- "$J" || { printf '%s fail journal\\n' "$M"; exit 3; }`,
    '    sync -- "$LD" 2>/dev/null',
    `    printf '%s closed\\n' "$M"`,
    `  else printf '%s journal-other\\n' "$M"`,
    '  fi',
    'fi',
  ];
}

/** Removes the lock $L only when it holds `needle`: `released`, `absent` or `other JSON`. */
export function releaseLines(needle: string): string[] {
  return [
    `if [ ! -e "$L" ] && [ ! -h "$L" ]; then printf '%s absent\\n' "$M"; exit 0; fi`,
    `if grep -qF -e ${q(needle)} -- "$L" 2>/dev/null; then`,
    `  rm -f -- "$L" || { printf '%s fail remove\\n' "$M"; exit 3; }`,
    `  printf '%s released\\n' "$M"; exit 0`,
    'fi',
    `printf '%s other ' "$M"`,
    'konf_show "$L"',
  ];
}

/** Prints `lock JSON` or `none`, then `journal` when an unfinished operation's journal is on the host. */
export function readLockScript(marker: string, lockPath: string): string {
  return program(
    [FN_SHOW],
    [
      prologue(marker),
      `L=${q(lockPath)}`,
      `if [ -e "$L" ]; then printf '%s lock ' "$M"; konf_show "$L"; else printf '%s none\\n' "$M"; fi`,
      `if [ -f "\${L%/*}/${JOURNAL_NAME}" ]; then printf '%s journal\\n' "$M"; fi`,
    ],
  );
}
