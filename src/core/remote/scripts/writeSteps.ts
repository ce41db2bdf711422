/** The shell functions and metadata lines the write script is made of (see write.ts). */
import { shellQuote as q } from '../shell.js';
import { FN_ME, JOURNAL_FUNCTIONS, type JournalHeader } from '../journal.js';
import { FN_IN_ROOT, TEMP_PREFIX } from './common.js';

export type PreparedOp =
  | { kind: 'file'; path: string; dir: string; temp: string; size: number; mode: string; owner: string; group: string }
  | { kind: 'symlink'; path: string; dir: string; temp: string; target: string; owner: string; group: string }
  | { kind: 'remove'; path: string; dir: string };

export const WRITE_FUNCTIONS = [
  FN_IN_ROOT,
  `konf_cleanup() {
  j=0
  while [ "$j" -lt "$konf_n" ]; do
    eval "t=\\\${konf_t$j-}"
    if [ -n "$t" ]; then rm -f -- "$t"; fi
    j=$((j+1))
  done
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
  // began, in every folder of the batch at once (one find): konf_clean FOLDER…
  `konf_clean() {
  c=$(find "$@" -mindepth 1 -maxdepth 1 -name '${TEMP_PREFIX}*' ! -name "${TEMP_PREFIX}$RUN-*" ! -newermt "@$NOW" \\( -type f -o -type l \\) -print -delete 2>/dev/null | wc -l)
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
  // konf_file I PATH DIR TEMP SIZE: the content only; sizes, owners and modes follow for the whole batch (metadataLines).
  `konf_file() {
  konf_in "$3" || konf_esc "$1"
  konf_mk "$1" "$3"
  if [ -d "$2" ] && [ ! -h "$2" ]; then konf_fail "$1" isdir; fi
  eval "konf_t$1=\\$4"
  head -c "$5" > "$4" || konf_fail "$1" write
}`,
  // konf_size I TEMP SIZE: which temp is short (only run once the batch's sizes differ).
  `konf_size() {
  s=$(wc -c < "$2") || konf_fail "$1" write
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
  // konf_link I PATH DIR TEMP TARGET OWNER GROUP
  `konf_link() {
  konf_in "$3" || konf_esc "$1"
  konf_mk "$1" "$3"
  if [ -d "$2" ] && [ ! -h "$2" ]; then konf_fail "$1" isdir; fi
  eval "konf_t$1=\\$4"
  ln -s -- "$5" "$4" || konf_fail "$1" symlink
  konf_own "$1" "$4" "$6" "$7" -h
}`,
  // konf_rmchk I PATH DIR
  `konf_rmchk() {
  konf_in "$3" || konf_esc "$1"
  if [ -d "$2" ] && [ ! -h "$2" ]; then konf_fail "$1" isdir; fi
}`,
  `konf_mv() {
  mv -fT -- "$2" "$3" || konf_fail "$1" rename
  eval "konf_t$1="
  printf '%s ok %s\\n' "$M" "$1"
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
  // konf_bk BAKDIR TARGET…: keeps the old version of every target as a hard link in BAKDIR
  // (a folder beside them: same filesystem), one ln for the folder; copies where links fail.
  `konf_bk() {
  konf_bd=$1
  shift
  mkdir -p -- "$konf_bd" || return 1
  ln -t "$konf_bd" -- "$@" 2>/dev/null && return 0
  for konf_bt do
    konf_bn=$konf_bd/\${konf_bt##*/}
    if [ ! -e "$konf_bn" ] && [ ! -h "$konf_bn" ]; then cp -a -- "$konf_bt" "$konf_bn" || return 1; fi
  done
}`,
  // konf_sw I TARGET TEMP: renames TEMP over TARGET (its old version was kept by konf_bk).
  `konf_sw() {
  mv -fT -- "$3" "$2" || konf_fail2 "$1" rename
  eval "konf_t$1="
  printf 'konf_jdone %s\\n' "$1" >> "$J"
  konf_say ok "$1" || konf_lost
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
  const lines = [
    `konf_sz=$(stat -c %s -- ${files.map((f) => q(f.op.temp)).join(' ')}) || konf_sz=`,
    `if [ "$konf_sz" != ${q(files.map((f) => f.op.size).join('\n'))} ]; then`,
    ...files.map((f) => `  konf_size ${f.i} ${q(f.op.temp)} ${f.op.size}`),
    `  konf_fail ${files[0]?.i ?? 0} write`,
    'fi',
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
    lines.push(`chown -- ${q(owner)} ${group.map((f) => q(f.op.temp)).join(' ')} || konf_fail ${group[0]?.i ?? 0} chown`);
  }
  const open = files.filter((f) => !f.op.mode);
  if (open.length > 0) {
    // New files get 0644 with one chmod; a file that exists keeps its mode (--reference).
    lines.push('set --');
    for (const f of open) lines.push(`if [ -f ${q(f.op.path)} ] && [ ! -h ${q(f.op.path)} ]; then konf_refmode ${f.i} ${q(f.op.path)} ${q(f.op.temp)}; else set -- "$@" ${q(f.op.temp)}; fi`);
    lines.push(`if [ "$#" -gt 0 ]; then chmod -- 0644 "$@" || konf_fail ${open[0]?.i ?? 0} chmod; fi`);
  }
  for (const [mode, group] of groups((f) => f.op.mode || undefined)) {
    lines.push(`chmod -- ${q(mode)} ${group.map((f) => q(f.op.temp)).join(' ')} || konf_fail ${group[0]?.i ?? 0} chmod`);
  }
  return lines;
}

/** A journaled write: the lock folder and the journal's identity. */
export interface WriteJournal {
  lockDir: string;
  header: JournalHeader;
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
