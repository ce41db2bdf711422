/** The shell functions and metadata lines the write script is made of (see write.ts). */
import { shellQuote as q } from '../shell.js';
import { FN_ME, JOURNAL_FUNCTIONS, type JournalHeader } from '../journal.js';
import { argRuns, commandRuns, FN_IN_ROOT, TEMP_PREFIX } from './common.js';

export type PreparedOp =
  | { kind: 'file'; path: string; dir: string; temp: string; size: number; mode: string; owner: string; group: string }
  | { kind: 'symlink'; path: string; dir: string; temp: string; target: string; owner: string; group: string }
  | { kind: 'remove'; path: string; dir: string };

export const WRITE_FUNCTIONS = [
  FN_IN_ROOT,
  // The staging folders go whole (konf_rmstage: this run's, listed by the script), then the folders the write created.
  `konf_cleanup() {
  konf_rmstage
  j=$konf_nd
  while [ "$j" -gt 0 ]; do
    j=$((j-1))
    eval "t=\\\${konf_d$j-}"
    rmdir -- "$t" 2>/dev/null
  done
}`,
  `konf_fail() {
  printf '%s fail %s %s\\n' "$M" "$1" "$2"
  konf_cleanup
  exit 3
}`,
  `konf_esc() {
  printf '%s escape %s\\n' "$M" "$1"
  konf_cleanup
  exit 4
}`,
  // Creates the folder, recording (shallowest first) the folders it is about to create.
  `konf_mk() {
  if [ -d "$2" ]; then return 0; fi
  q=$2
  c=0
  while [ ! -e "$q" ] && [ ! -h "$q" ]; do c=$((c+1)); q=\${q%/*}; done
  k=$c
  while [ "$k" -gt 0 ]; do
    k=$((k-1))
    q=$2
    m=$k
    while [ "$m" -gt 0 ]; do q=\${q%/*}; m=$((m-1)); done
    eval "konf_d$konf_nd=\\$q"
    konf_nd=$((konf_nd+1))
  done
  umask 022
  mkdir -p -- "$2"
  r=$?
  umask 077
  if [ "$r" -ne 0 ]; then konf_fail "$1" mkdir; fi
  eval "konf_c$1=$c"
  printf '%s dirs %s %s\\n' "$M" "$1" "$c"
}`,
  // Removes konf temp files of earlier runs (not this one) last modified before this run
  // began, and their staging folders, in every folder of the batch at once (one find): konf_clean FOLDER…
  `konf_clean() {
  c=$(find "$@" -mindepth 1 -maxdepth 1 -name '${TEMP_PREFIX}*' ! -name "${TEMP_PREFIX}$RUN-*" ! -newermt "@$NOW" \\( \\( -type f -o -type l \\) -print -delete -o -type d -name '${TEMP_PREFIX}*-new' -print -exec rm -rf -- {} + \\) 2>/dev/null | wc -l)
  if [ "$c" -gt 0 ] 2>/dev/null; then printf '%s stale 0 %s\\n' "$M" "$c"; fi
}`,
  `konf_own() {
  if [ -n "$3" ] && [ -n "$4" ]; then s="$3:$4"
  elif [ -n "$3" ]; then s=$3
  elif [ -n "$4" ]; then s=":$4"
  else return 0
  fi
  if [ -n "$5" ]; then chown -h -- "$s" "$2" || konf_fail "$1" chown
  else chown -- "$s" "$2" || konf_fail "$1" chown
  fi
}`,
  // konf_dir I DIR: a folder of the batch (I its first op) is inside the root and there.
  // Once per folder; the contents come with one tar for the whole batch (stageLines), sizes,
  // owners and modes follow (metadataLines).
  `konf_dir() {
  konf_in "$2" || konf_esc "$1"
  konf_mk "$1" "$2"
}`,
  // konf_notdir I PATH: the target is no folder.
  `konf_notdir() {
  if [ -d "$2" ] && [ ! -h "$2" ]; then konf_fail "$1" isdir; fi
}`,
  // konf_size I TEMP SIZE: which temp is short (only run once the batch's sizes differ).
  `konf_size() {
  s=$(wc -c < "$2" 2>/dev/null) || konf_fail "$1" short
  [ "$s" -eq "$3" ] || konf_fail "$1" short
}`,
  // konf_refown I PATH TEMP OWNER GROUP: an owner or group the plan leaves open is the live file's.
  `konf_refown() {
  if [ -f "$2" ] && [ ! -h "$2" ] && { [ -z "$4" ] || [ -z "$5" ]; }; then
    chown --reference="$2" -- "$3" || konf_fail "$1" chown
  fi
  konf_own "$1" "$3" "$4" "$5" ''
}`,
  // konf_refmode I PATH TEMP: a mode the plan leaves open is the live file's.
  `konf_refmode() {
  chmod --reference="$2" -- "$3" || konf_fail "$1" chmod
}`,
  // konf_lnk I TEMP TARGET OWNER GROUP: a symlink staged (its folder checked by konf_dir).
  `konf_lnk() {
  ln -s -- "$3" "$2" || konf_fail "$1" symlink
  konf_own "$1" "$2" "$4" "$5" -h
}`,
  // konf_mvfail FAIL DONE I TEMP [I TEMP]…: after a folder's mv failed, DONE for each temp it
  // renamed, FAIL for the first one it left (mv goes on after a failure: any of them).
  `konf_mvfail() {
  konf_ff=$1
  konf_fd=$2
  shift 2
  konf_f1=$1
  while [ "$#" -gt 1 ]; do
    if [ -e "$2" ] || [ -h "$2" ]; then "$konf_ff" "$1" rename; fi
    "$konf_fd" "$1"
    shift 2
  done
  "$konf_ff" "$konf_f1" rename
}`,
  // konf_syncfs PATH…: everything written on the filesystems of these paths is on disk: one
  // syncfs per filesystem (sync -f), not one fsync per file (5,000 staged files: 10 s of
  // flushes instead of 0.3 s); every filesystem when stat fails.
  `konf_syncfs() {
  konf_sdv=$(stat -c '%d' -- "$@" 2>/dev/null) || { sync; return 0; }
  konf_sseen=' '
  for konf_sv in $konf_sdv; do
    case $konf_sseen in
      *" $konf_sv "*) ;;
      *) konf_sseen="$konf_sseen$konf_sv "; sync -f -- "$1" 2>/dev/null || sync ;;
    esac
    shift
  done
}`,
  // konf_oks I…: renamed (a write without a journal).
  `konf_oks() {
  printf "$M ok %s\\n" "$@"
}`,
  `konf_rm() {
  rm -f -- "$2" || konf_fail "$1" remove
  printf '%s ok %s\\n' "$M" "$1"
}`,
];

/**
 * The journaled commit phase. `konf_say` reports a status line on stdout; when that fails
 * the connection is gone: the script stops there and puts every file back from the
 * journal (konf_lost). A failing step does the same before reporting (konf_fail2).
 */
export const JOURNALED_FUNCTIONS = [
  ...JOURNAL_FUNCTIONS,
  FN_ME,
  `konf_say() {
  printf '%s %s\\n' "$M" "$*" 2>/dev/null
}`,
  `konf_us() {
  konf_say "$@"
}`,
  `konf_lost() {
  konf_us() { :; }
  konf_jpid() { :; }
  konf_unarm
  if [ -n "$konf_journaled" ]; then konf_restore "$J" >/dev/null 2>&1; else konf_cleanup; fi
  exit 7
}`,
  `konf_fail2() {
  konf_say "fail $1 $2" || konf_lost
  konf_jpid() { :; }
  konf_unarm
  konf_restore "$J"
  exit 3
}`,
  // A revert armed by this write is disarmed when the write puts the host back itself.
  `konf_unarm() {
  if [ -n "$konf_armed" ]; then mv -f -- "$A/armed" "$A/disarmed" 2>/dev/null; fi
  return 0
}`,
  // konf_bk BAKDIR TARGET…: keeps the old version of every existing target as a hard link in
  // BAKDIR (a folder beside them: same filesystem), one ln for the folder (a target that
  // does not exist is no one's old version: ln passes it by); copies where links fail.
  `konf_bk() {
  konf_bd=$1
  shift
  mkdir -p -- "$konf_bd" || return 1
  ln -t "$konf_bd" -- "$@" 2>/dev/null && return 0
  for konf_bt do
    konf_bn=$konf_bd/\${konf_bt##*/}
    if { [ -e "$konf_bt" ] || [ -h "$konf_bt" ]; } && [ ! -e "$konf_bn" ] && [ ! -h "$konf_bn" ]; then cp -a -- "$konf_bt" "$konf_bn" || return 1; fi
  done
}`,
  // konf_jd I…: renamed into place (after one mv for their folder): journal, then status.
  // One printf for all (a few writes, not one SSH packet per file; $M is letters and digits).
  `konf_jd() {
  printf 'konf_jdone %s\\n' "$@" >> "$J"
  printf "$M ok %s\\n" "$@" 2>/dev/null || konf_lost
}`,
  // konf_srm I TARGET
  `konf_srm() {
  eval "konf_x=\\\${konf_e$1-0}"
  if [ "$konf_x" = 1 ]; then rm -f -- "$2" || konf_fail2 "$1" remove; fi
  printf 'konf_jdone %s\\n' "$1" >> "$J"
  konf_say ok "$1" || konf_lost
}`,
];

/**
 * After every file is staged: their sizes in one stat (a short one is then found and
 * named), owners then modes (chown clears set-id bits) — one chown per owner:group and one
 * chmod per mode the plan gives, the live file's (or 0644) per file where it leaves one open.
 */
export function metadataLines(ops: PreparedOp[]): string[] {
  const files = ops.map((op, i) => ({ op, i })).filter((x): x is { op: Extract<PreparedOp, { kind: 'file' }>; i: number } => x.op.kind === 'file');
  if (files.length === 0) return [];
  const temp = (f: (typeof files)[number]) => q(f.op.temp);
  // One program per run of files that fits a command line (argRuns), each failing on its own first file.
  const each = (group: (typeof files)[number][], command: string, what: string) =>
    argRuns(group, temp).map((run) => `${command} ${run.map(temp).join(' ')} || konf_fail ${run[0]?.i ?? 0} ${what}`);
  const sizes = commandRuns('stat -c %s --', files.map(temp));
  const lines = [
    `konf_sz=$( { ${sizes.join(' && ')}; } 2>/dev/null) || konf_sz=`,
    `if [ "$konf_sz" != ${q(files.map((f) => f.op.size).join('\n'))} ]; then konf_sizes; konf_fail ${files[0]?.i ?? 0} write; fi`,
  ];
  const groups = (key: (f: (typeof files)[number]) => string | undefined) => {
    const m = new Map<string, (typeof files)[number][]>();
    for (const f of files) {
      const k = key(f);
      if (k !== undefined) m.set(k, [...(m.get(k) ?? []), f]);
    }
    return m;
  };
  for (const f of files) if (!(f.op.owner && f.op.group)) lines.push(['konf_refown', f.i, q(f.op.path), q(f.op.temp), q(f.op.owner), q(f.op.group)].join(' '));
  for (const [owner, group] of groups((f) => (f.op.owner && f.op.group ? `${f.op.owner}:${f.op.group}` : undefined))) {
    lines.push(...each(group, `chown -- ${q(owner)}`, 'chown'));
  }
  const open = files.filter((f) => !f.op.mode);
  if (open.length > 0) {
    // New files get 0644 (one chmod for all); a file that exists keeps its mode (--reference).
    lines.push(...each(open, 'chmod -- 0644', 'chmod'));
    for (const f of open) lines.push(`if [ -f ${q(f.op.path)} ] && [ ! -h ${q(f.op.path)} ]; then konf_refmode ${f.i} ${q(f.op.path)} ${q(f.op.temp)}; fi`);
  }
  for (const [mode, group] of groups((f) => f.op.mode || undefined)) {
    lines.push(...each(group, `chmod -- ${q(mode)}`, 'chmod'));
  }
  return lines;
}

/** A journaled write: the lock folder and the journal's identity. */
export interface WriteJournal {
  lockDir: string;
  header: JournalHeader;
}

/** The folder beside a run's targets where their new versions are staged under their own names (konf's reserved temp names). */
export function stageDir(dir: string, run: string): string {
  return `${dir === '/' ? '' : dir}/${TEMP_PREFIX}${run}-new`;
}

/** The folders of a batch in the order they first come, with the indexes of their ops. */
export function byFolder(ops: PreparedOp[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  ops.forEach((op, i) => {
    const l = m.get(op.dir);
    if (l) l.push(i);
    else m.set(op.dir, [i]);
  });
  return m;
}

/** How many files one mv renames at most (and no more than ARG_BUDGET bytes of names; a lost connection is noticed between two). */
export const RENAME_CHUNK = 256;

/**
 * Staging, once every folder is checked and there: the staging folders (one mkdir), every
 * file's content (one tar of the archive that follows the script on stdin; `head -c` hands
 * it exactly its bytes), then the symlinks. `konf_rmstage` removes the staging folders.
 */
export function stageLines(ops: PreparedOp[], run: string, archiveBytes: number): { functions: string[]; lines: string[]; dirs: string[] } {
  const stages = [...byFolder(ops)].filter(([, ix]) => ix.some((i) => ops[i]?.kind !== 'remove')).map(([dir]) => q(stageDir(dir, run)));
  const files = ops.flatMap((op, i) => (op.kind === 'file' ? [`  konf_size ${i} ${q(op.temp)} ${op.size}`] : []));
  const functions = [
    `konf_rmstage() {\n  ${stages.length ? commandRuns('rm -rf --', stages).join('\n  ') : ':'}\n}`,
    // konf_sizes: fails naming the first staged file that is short or missing (only after a failure: one wc each).
    `konf_sizes() {\n${files.length ? files.join('\n') : '  :'}\n}`,
  ];
  if (stages.length === 0) return { functions, lines: [], dirs: [] };
  const first = ops.findIndex((op) => op.kind !== 'remove');
  // The staging folders hold the temps: one that cannot be made is a temp that cannot be written.
  const lines = commandRuns('mkdir --', stages, ` || konf_fail ${first} write`);
  if (archiveBytes > 0) {
    const firstFile = ops.findIndex((op) => op.kind === 'file');
    // A short archive (the upload was cut) makes tar fail: konf_sizes names the first short temp.
    lines.push(`head -c ${archiveBytes} | tar -x -f - -C / --no-same-owner --no-same-permissions -m -k || { konf_sizes; konf_fail ${firstFile} write; }`);
  }
  ops.forEach((op, i) => {
    if (op.kind === 'symlink') lines.push(['konf_lnk', i, q(op.temp), q(op.target), q(op.owner), q(op.group)].join(' '));
  });
  return { functions, lines, dirs: stages };
}

/**
 * The rename pass: one `mv -t FOLDER` per folder (per RENAME_CHUNK files) renames the staged
 * files into place (rename(2) each: a target is always the old or the new version), then
 * `done` (konf_jd with a journal, konf_oks without) reports them; removals one by one; the
 * emptied staging folders go with one rmdir.
 */
export function renameLines(ops: PreparedOp[], run: string, journaled: boolean): string[] {
  const lines: string[] = [];
  const fail = journaled ? 'konf_fail2' : 'konf_fail';
  const done = journaled ? 'konf_jd' : 'konf_oks';
  const stages: string[] = [];
  for (const [dir, indexes] of byFolder(ops)) {
    const moved = indexes.filter((i) => ops[i]?.kind !== 'remove');
    if (moved.length > 0) stages.push(q(stageDir(dir, run)));
    const temps = moved.map((i) => ({ i, temp: q((ops[i] as Exclude<PreparedOp, { kind: 'remove' }>).temp) }));
    for (const chunk of argRuns(temps, (c) => c.temp, { most: RENAME_CHUNK })) {
      lines.push(
        `mv -f -t ${q(dir)} -- ${chunk.map((c) => c.temp).join(' ')} || konf_mvfail ${fail} ${done} ${chunk.map((c) => `${c.i} ${c.temp}`).join(' ')}`,
        `${done} ${chunk.map((c) => c.i).join(' ')}`,
      );
    }
  }
  ops.forEach((op, i) => {
    if (op.kind === 'remove') lines.push([journaled ? 'konf_srm' : 'konf_rm', i, q(op.path)].join(' '));
  });
  lines.push(...commandRuns('rmdir --', stages, ' 2>/dev/null'));
  return lines;
}

/** The folder beside a run's targets that keeps their old versions (konf's reserved temp names). */
export function backupDir(dir: string, run: string): string {
  return `${dir === '/' ? '' : dir}/${TEMP_PREFIX}${run}-bak`;
}

/** Where the old version of a target is kept during a run: in its folder's backup folder, same name. */
export function backupName(op: PreparedOp, run: string): string {
  return `${backupDir(op.dir, run)}/${op.path.slice(op.path.lastIndexOf('/') + 1)}`;
}

/** Status lines of the stage-only script: a lost connection removes the temps. */
export const STAGE_ONLY_SAY = `konf_say() {
  printf '%s %s\\n' "$M" "$*" 2>/dev/null
}
konf_lost() {
  konf_cleanup
  exit 7
}`;
