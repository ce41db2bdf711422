/** The write script: stage, check, journal, swap, and (one trip) lock and unlock around it. */
import { shellQuote as q } from '../shell.js';
import { JOURNAL_NAME, journalHeaderArgs } from '../journal.js';
import { checkFunctions, fileCheckLines, setCheckLines, type RemoteChecks } from '../checks.js';
import { REVERT_HELPERS, armFunction, type armPayload } from '../revert.js';
import { FN_SHOW, TEMP_PREFIX, argRuns, commandRuns, program, prologue, resolveRoot } from './common.js';
import { JOURNALED_FUNCTIONS, STAGE_ONLY_SAY, WRITE_FUNCTIONS, backupDir, backupName, byFolder, metadataLines, renameLines, stageLines, type PreparedOp, type WriteJournal } from './writeSteps.js';
import { closeJournalLines, lockDirLines, lockTakeLines, releaseLines } from './lock.js';
import type { VerifyLines } from './verify.js';

/**
 * Phase 1 (prepare): for each op check the parent folder resolves inside the root and
 * create missing parents; remove stale konf temps there; stage every file and symlink
 * under its own name in its folder's staging folder (`.konf-tmp-<run>-new`): one mkdir for
 * the staging folders, one `tar -x` of the archive that follows the script on stdin for
 * the contents (size-checked with one stat: a dropped connection leaves a short archive
 * that tar refuses and temps that are never renamed), then owner/group and mode for the
 * whole batch. Phase 2 (commit): make the temps durable (one syncfs per filesystem), rename them into place with
 * one `mv -t FOLDER` per folder (rename(2) each), remove files, fsync the folders. The
 * processes are a constant number per batch and per folder, none per file (unless the
 * plan leaves a changed file's owner or mode to the live file's: one chown/chmod
 * --reference each).
 * A failure reports `<marker> fail I STEP` (or `escape I`), removes the staging folders
 * and the folders it created, and exits non-zero. Progress lines: `dirs I N`, `stale I N`,
 * `commit`, `ok I`, `done`.
 *
 * With a journal (deploy, rollback under the host lock): nothing runs while another
 * journal is on the host (`journal`, exit 6). After phase 1 the journal is written
 * (see journal.ts) and each existing target is kept as a hard-linked backup before its
 * rename. The script stops at its next step (a folder's renames) when its connection is
 * gone (a status line cannot be written) and puts every file back from the journal
 * itself; a failing rename does the same (`restored` or `unrestored` after `fail I STEP`).
 * The journal and the backups stay until the controller closes them (releaseLockScript)
 * or recovers them.
 */
export function writeScript(o: {
  marker: string;
  run: string;
  root: string;
  ops: PreparedOp[];
  /** Bytes of the tar archive of the files' contents that follows the script on stdin (prepareBatch). */
  archiveBytes: number;
  lock?: { path: string; needle: string };
  journal?: WriteJournal;
  /** etc/validate checks: file checks before the commit, set checks after the swap (journaled writes). */
  checks?: RemoteChecks;
  /** Confirm-or-revert: armed after the journal, before the first rename (journaled writes); its payload follows the files'. */
  arm?: { seconds: number; sizes: ReturnType<typeof armPayload>['sizes'] };
  /** Stage every file and run the file checks, then remove the temps: nothing is renamed (konf diff --validate). */
  stageOnly?: boolean;
  /**
   * Take the host lock first (the lock JSON) instead of expecting it held: `held JSON` when
   * someone holds it, `busy` when an unfinished journal is on the host (the lock is given
   * back); else `acquired`. Nothing else happens in either refusal.
   */
  acquire?: { json: string };
  /** Before anything is staged: the host still holds exactly what konf read (else `changed`, the lock given back). */
  verify?: VerifyLines;
  /** After the swap: close this operation's journal and release its lock in the same round trip (`closed`, `released`). */
  finish?: { needle: string };
}): string {
  const journal = o.journal;
  const checks = o.checks;
  const body = [
    prologue(o.marker),
    `RUN=${q(o.run)}`,
    `konf_n=${o.ops.length}`,
    'konf_nd=0',
    'konf_journaled=',
    'konf_armed=',
    'konf_cbad=',
    // A closed connection must not kill the script between two steps: it notices at its next status line.
    "trap '' HUP PIPE",
    'umask 077',
    'set -C',
    'NOW=$(date +%s.%N)',
    resolveRoot(o.root),
  ];
  if (o.acquire) {
    if (!journal) throw new Error('taking the lock in the write needs a journaled write');
    body.push(
      'umask 022',
      ...lockDirLines(journal.lockDir),
      ...lockTakeLines(o.run, o.acquire.json),
      'umask 077',
      `if [ -z "$konf_got" ]; then printf '%s held ' "$M"; konf_show "$L"; exit 5; fi`,
      `if [ -e "$LD/${JOURNAL_NAME}" ] || [ -h "$LD/${JOURNAL_NAME}" ]; then rm -f -- "$L"; printf '%s busy\\n' "$M"; exit 5; fi`,
      `printf '%s acquired\\n' "$M"`,
    );
  }
  if (o.verify) {
    if (!o.acquire) throw new Error('verifying what was read needs the lock taken in the same script');
    body.push(...o.verify.lines, `if [ -n "$konf_vbad" ]; then rm -f -- "$L"; printf '%s changed\\n' "$M"; exit 5; fi`);
  }
  if (o.lock) {
    body.push(
      `if ! grep -qF -e ${q(o.lock.needle)} -- ${q(o.lock.path)} 2>/dev/null; then`,
      `  printf '%s notours ' "$M"`,
      `  head -c 4000 -- ${q(o.lock.path)} 2>/dev/null | tr -d '\\n'`,
      `  printf '\\n'`,
      '  exit 5',
      'fi',
    );
  }
  if (journal) {
    body.push(
      `LD=${q(journal.lockDir)}`,
      `J="$LD/${JOURNAL_NAME}"`,
      `if [ -e "$J" ] || [ -h "$J" ]; then printf '%s journal\\n' "$M"; exit 6; fi`,
    );
  }
  // Each folder once (inside the root; created, shallowest first, when a file goes there),
  // in the order the ops first name them; then no target may be a folder.
  const folders = byFolder(o.ops);
  const dirs = [...folders.keys()];
  for (const [dir, indexes] of folders) {
    const first = indexes[0] as number;
    if (indexes.some((i) => o.ops[i]?.kind !== 'remove')) body.push(`konf_dir ${first} ${q(dir)}`);
    else body.push(`konf_in ${q(dir)} || konf_esc ${first}`);
  }
  o.ops.forEach((op, i) => body.push(`konf_notdir ${i} ${q(op.path)}`));
  // Stale temps of interrupted runs go once every folder is there (staging only: another run's temps stay).
  if (!o.stageOnly) body.push(...commandRuns('konf_clean', dirs.map(q)));
  const stage = stageLines(o.ops, o.run, o.archiveBytes);
  body.push(...stage.lines, ...metadataLines(o.ops));
  const staged = o.ops.map((op) => (op.kind === 'remove' ? '' : op.temp));
  if (o.stageOnly) {
    // konf diff --validate: the file checks on the staged copies, then every temp goes.
    body.push(...(checks ? fileCheckLines(checks, staged) : []), 'konf_cleanup', `konf_say checked || exit 7`, 'if [ -n "$konf_cbad" ]; then exit 3; fi', 'exit 0');
    return program([...WRITE_FUNCTIONS, ...stage.functions, STAGE_ONLY_SAY, ...(checks ? checkFunctions(checks) : [])], body);
  }
  if (checks && checks.files.length > 0) {
    if (!journal) throw new Error('file checks need a journaled write');
    // Validation before anything is live: a failing file check means nothing is renamed.
    body.push(...fileCheckLines(checks, staged), 'if [ -n "$konf_cbad" ]; then konf_say refused || konf_lost; konf_cleanup; exit 3; fi');
  }
  if (!journal) {
    body.push(`printf '%s commit\\n' "$M"`);
    body.push(...commandRuns('konf_syncfs', stage.dirs));
    body.push(...renameLines(o.ops, o.run, false));
    body.push(...commandRuns('konf_syncfs', dirs.map(q)), `printf '%s done\\n' "$M"`);
    return program([...WRITE_FUNCTIONS, ...stage.functions], body);
  }

  // Journaled commit.
  body.push(`konf_say commit || { konf_cleanup; exit 7; }`);
  body.push('konf_me', `JT="$LD/${TEMP_PREFIX}$RUN-journal"`, '{', `printf '# konf journal: an operation in flight on this host (see the konf README, "Journals")\\n'`);
  body.push(`printf 'konf_jv 1\\n'`, `printf 'konf_jop %s\\n' ${q(journalHeaderArgs(o.run, journal.header))}`, `printf 'konf_jpid %s %s %s\\n' "$$" "$konf_ms" "$konf_mg"`);
  const folderOf = new Map(dirs.map((dir, f) => [dir, f]));
  o.ops.forEach((op, i) => {
    const temp = op.kind === 'remove' ? '' : op.temp;
    const backup = backupName(op, o.run);
    const f = folderOf.get(op.dir) as number;
    body.push(
      `konf_e${i}=0; if [ -e ${q(op.path)} ] || [ -h ${q(op.path)} ]; then konf_e${i}=1; konf_b${f}=$((\${konf_b${f}-0}+1)); fi`,
      `printf 'konf_je ${i} ${op.kind} %s %s %s\\n' "$konf_e${i}" "\${konf_c${i}-0}" ${q([q(op.path), q(temp), q(backup)].join(' '))}`,
    );
  });
  body.push(
    `printf 'konf_jstate staged\\n'`,
    `} > "$JT" || konf_fail 0 journal`,
    // The staged files and the journal reach the disk together (one syncfs per filesystem), then the journal is renamed in.
    ...commandRuns('konf_syncfs', [...stage.dirs, '"$JT"']),
    `mv -fT -- "$JT" "$J" || { rm -f -- "$JT"; konf_fail 0 journal; }`,
    'konf_journaled=1',
    `sync -- "$LD" 2>/dev/null`,
    'konf_say journal || konf_lost',
  );
  if (o.arm) {
    // Confirm-or-revert: the host reverts on its own unless konf proves access in time.
    body.push('konf_arm || konf_fail2 0 arm', 'konf_armed=1');
  }
  // The old version of every existing target is kept before the first rename, one ln per
  // folder (only for a folder where one exists: konf_b<folder> counts them).
  [...folders].forEach(([dir, indexes], f) => {
    const path = (i: number) => q((o.ops[i] as PreparedOp).path);
    for (const run of argRuns(indexes, path)) {
      body.push(`if [ "\${konf_b${f}-0}" -gt 0 ]; then konf_bk ${q(backupDir(dir, o.run))} ${run.map(path).join(' ')} || konf_fail2 ${run[0]} backup; fi`);
    }
  });
  body.push(...renameLines(o.ops, o.run, true));
  body.push(`printf 'konf_jstate swapped\\n' >> "$J"`, ...commandRuns('konf_syncfs', [...dirs.map(q), '"$J"']));
  if (checks && checks.sets.length > 0) {
    // Set checks see the whole set in place; a failure swaps every file back at once, before any post hook.
    body.push(...setCheckLines(checks), 'if [ -n "$konf_cbad" ]; then konf_say refused || konf_lost; konf_unarm; konf_restore "$J"; exit 3; fi');
  }
  body.push('konf_say done || konf_lost');
  if (o.finish) {
    if (o.arm) throw new Error('a confirm-or-revert write is finished by the confirmation, not by the write');
    // Finished: from here on a lost connection changes nothing (the host is done); the old
    // versions go with the journal, then the lock, exactly as releaseLockScript does.
    body.push('L="$LD/lock"', ...closeJournalLines(journal.header.op), ...releaseLines(o.finish.needle));
  }
  const extra = [
    ...(checks ? checkFunctions(checks) : []),
    ...(o.arm && journal ? [...REVERT_HELPERS, armFunction({ op: journal.header.op, seconds: o.arm.seconds, sizes: o.arm.sizes })] : []),
    ...(o.acquire || o.finish ? [FN_SHOW] : []),
  ];
  return program([...WRITE_FUNCTIONS, ...stage.functions, ...JOURNALED_FUNCTIONS, ...extra], body);
}
