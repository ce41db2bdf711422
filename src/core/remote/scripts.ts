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
 * Remote requirements: POSIX sh, GNU coreutils (head, wc, sort -z, realpath, chmod/chown
 * --reference, mv -T, sync FILE ≥ 8.24, mktemp), GNU findutils (find -newermt), GNU tar,
 * util-linux setsid (optional, for killing a hook's process group).
 */
import { shellQuote as q } from './shell.js';
import { FN_ME, FN_RMBAK, FN_WAIT_WRITER, JOURNAL_FUNCTIONS, JOURNAL_NAME, journalHeaderArgs, type JournalHeader } from './journal.js';
import { checkFunctions, fileCheckLines, setCheckLines, type RemoteChecks } from './checks.js';
import { REVERT_HELPERS, SAFE_OP, armFunction, disarmFunction, type armPayload } from './revert.js';

export const LOCK_PATH = '/var/lib/konf/lock';
export const LOCK_DIR = '/var/lib/konf';
export const TEMP_PREFIX = '.konf-tmp-';

/** The command line that runs a script of `scriptBytes` bytes read from stdin. */
export function commandFor(scriptBytes: number, become: '' | 'sudo'): string {
  const sh = `sh -c 'eval "$(head -c ${scriptBytes})"'`;
  return become === 'sudo' ? `sudo -n -- ${sh}` : sh;
}

function prologue(marker: string): string {
  return [`M=${q(marker)}`, `printf '%s\\n' "$M"`, `printf '%s\\n' "$M" >&2`, 'LC_ALL=C', 'export LC_ALL'].join('\n');
}

function program(functions: string[], body: string[]): string {
  return [...functions, 'konf_main() {', ...body, '}', 'konf_main', ''].join('\n');
}

/** `konf_in DIR`: true when DIR (or its nearest existing ancestor) resolves inside $R. */
const FN_IN_ROOT = `konf_in() {
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

function resolveRoot(root: string): string {
  return `R=$(realpath -e -- ${q(root)} 2>/dev/null) || { printf '%s noroot\\n' "$M" >&2; exit 3; }\nkonf_okdir=`;
}

// ---------------------------------------------------------------------------------------
// Reading

/**
 * `konf_rin ./REL`: false when REL's folder (its nearest existing ancestor folder) resolves
 * outside the root $R — the rule writes follow (konf_in). Builtins only (cd -P, $PWD): no
 * process per path; the last folder's answer is reused for its next file.
 */
const FN_READ_IN_ROOT = `konf_rin() {
  if [ "$R" = / ]; then return 0; fi
  d=\${1%/*}
  if [ "$d" = "$konf_rd" ]; then return "$konf_rr"; fi
  konf_rd=$d
  konf_rr=0
  q=$d
  while [ ! -d "$q" ]; do
    case $q in */*) q=\${q%/*} ;; *) q=. ;; esac
  done
  if cd -P -- "$q" 2>/dev/null; then
    case $PWD in "$R"|"$R"/*) ;; *) konf_rr=1 ;; esac
    cd -P -- "$R" || exit 3
  fi
  return "$konf_rr"
}`;

/**
 * Streams `<marker>\n` and then one GNU tar archive of the given paths (relative to root,
 * `--no-recursion`, hard links stored as full files). Paths that don't exist are reported
 * on stderr as `<marker> missing I` or, when a parent folder can't be searched,
 * `<marker> denied I`; paths whose folder resolves outside the root (a symlinked parent)
 * as `<marker> outside I` and never read (I = index in rels). tar's own errors follow on
 * stderr.
 *
 * Linear in the number of paths: one pass of shell builtins classifies each path and
 * hands the ones to archive to tar NUL-terminated through a pipe (`--null -T -`), never
 * through a growing argument list (`set -- "$@" "$p"` copies the list each time: 5,000
 * paths took 7.7 s in dash).
 */
export function readScript(marker: string, root: string, rels: string[]): string {
  const cls = `konf_cls() {
  q=$1
  while :; do
    case $q in */*) d=\${q%/*} ;; *) d=. ;; esac
    if [ -d "$d" ]; then
      if [ -x "$d" ]; then konf_c=missing; else konf_c=denied; fi
      return 0
    fi
    if [ -e "$d" ] || [ -h "$d" ]; then konf_c=missing; return 0; fi
    q=$d
  done
}`;
  const args = rels.map((r) => q(r === '.' ? '.' : `./${r}`)).join(' ');
  return program(
    [cls, FN_READ_IN_ROOT],
    [
      prologue(marker),
      `cd -P -- ${q(root)} 2>/dev/null || { printf '%s noroot\\n' "$M" >&2; exit 3; }`,
      'R=$PWD',
      'konf_rd=',
      `set -- ${args}`,
      'i=0',
      'for p do',
      '  if ! konf_rin "$p"; then',
      `    printf '%s outside %s\\n' "$M" "$i" >&2`,
      '  elif [ -e "$p" ] || [ -h "$p" ]; then',
      "    printf '%s\\0' \"$p\"",
      '  else',
      '    konf_cls "$p"',
      `    printf '%s %s %s\\n' "$M" "$konf_c" "$i" >&2`,
      '  fi',
      '  i=$((i+1))',
      // sort is a barrier: tar starts only once the loop has written every status line, so
      // tar's error messages (written in pieces) and the status lines never interleave on stderr.
      'done | LC_ALL=C sort -z | tar -cf - -H gnu --no-recursion --hard-dereference --null -T -',
    ],
  );
}

// ---------------------------------------------------------------------------------------
// Writing

export type PreparedOp =
  | { kind: 'file'; path: string; dir: string; temp: string; size: number; mode: string; owner: string; group: string }
  | { kind: 'symlink'; path: string; dir: string; temp: string; target: string; owner: string; group: string }
  | { kind: 'remove'; path: string; dir: string };

const WRITE_FUNCTIONS = [
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
const JOURNALED_FUNCTIONS = [
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
function metadataLines(ops: PreparedOp[]): string[] {
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

/**
 * Phase 1 (prepare): for each op check the parent folder resolves inside the root, create
 * missing parents, remove stale konf temps there, write the content to a temp file in
 * the same folder (size-checked: a dropped connection leaves a short temp that is never
 * renamed), apply owner/group then mode. Phase 2 (commit): fsync all temps, rename each
 * over its target (`mv -fT` = rename(2)), remove files, fsync the folders.
 * A failure reports `<marker> fail I STEP` (or `escape I`), removes the temps and the
 * folders it created, and exits non-zero. Progress lines: `dirs I N`, `stale I N`,
 * `commit`, `ok I`, `done`.
 *
 * With a journal (deploy, rollback under the host lock): nothing runs while another
 * journal is on the host (`journal`, exit 6). After phase 1 the journal is written
 * (see journal.ts) and each existing target is kept as a hard-linked backup before its
 * rename. The script stops at its next step when its connection is gone (a status line
 * cannot be written) and puts every file back from the journal itself; a failing rename
 * does the same (`restored` or `unrestored` after `fail I STEP`). The journal and the
 * backups stay until the controller closes them (releaseLockScript) or recovers them.
 */
export function writeScript(o: {
  marker: string;
  run: string;
  root: string;
  ops: PreparedOp[];
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
  o.ops.forEach((op, i) => {
    if (op.kind === 'file') body.push(['konf_file', i, q(op.path), q(op.dir), q(op.temp), op.size].join(' '));
    else if (op.kind === 'symlink') body.push(['konf_link', i, q(op.path), q(op.dir), q(op.temp), q(op.target), q(op.owner), q(op.group)].join(' '));
    else body.push(['konf_rmchk', i, q(op.path), q(op.dir)].join(' '));
  });
  // Stale temps of interrupted runs go once every folder is there (staging only: another run's temps stay).
  if (!o.stageOnly) body.push(`konf_clean ${[...new Set(o.ops.map((op) => op.dir))].map(q).join(' ')}`);
  body.push(...metadataLines(o.ops));
  const staged = o.ops.map((op) => (op.kind === 'remove' ? '' : op.temp));
  if (o.stageOnly) {
    // konf diff --validate: the file checks on the staged copies, then every temp goes.
    body.push(...(checks ? fileCheckLines(checks, staged) : []), 'konf_cleanup', `konf_say checked || exit 7`, 'if [ -n "$konf_cbad" ]; then exit 3; fi', 'exit 0');
    return program([...WRITE_FUNCTIONS, STAGE_ONLY_SAY, ...(checks ? checkFunctions(checks) : [])], body);
  }
  if (checks && checks.files.length > 0) {
    if (!journal) throw new Error('file checks need a journaled write');
    // Validation before anything is live: a failing file check means nothing is renamed.
    body.push(...fileCheckLines(checks, staged), 'if [ -n "$konf_cbad" ]; then konf_say refused || konf_lost; konf_cleanup; exit 3; fi');
  }
  if (!journal) {
    body.push(`printf '%s commit\\n' "$M"`);
    const temps = o.ops.flatMap((op) => (op.kind === 'remove' ? [] : [q(op.temp)]));
    if (temps.length) body.push(`sync -- ${temps.join(' ')} 2>/dev/null || sync`);
    o.ops.forEach((op, i) => {
      if (op.kind === 'remove') body.push(['konf_rm', i, q(op.path)].join(' '));
      else body.push(['konf_mv', i, q(op.temp), q(op.path)].join(' '));
    });
    const dirs = [...new Set(o.ops.map((op) => op.dir))];
    body.push(`sync -- ${dirs.map(q).join(' ')} 2>/dev/null`, `printf '%s done\\n' "$M"`);
    return program(WRITE_FUNCTIONS, body);
  }

  // Journaled commit.
  body.push(`konf_say commit || { konf_cleanup; exit 7; }`);
  const temps = o.ops.flatMap((op) => (op.kind === 'remove' ? [] : [q(op.temp)]));
  if (temps.length) body.push(`sync -- ${temps.join(' ')} 2>/dev/null || sync`);
  body.push('konf_me', `JT="$LD/${TEMP_PREFIX}$RUN-journal"`, '{', `printf '# konf journal: an operation in flight on this host (see the konf README, "Journals")\\n'`);
  body.push(`printf 'konf_jv 1\\n'`, `printf 'konf_jop %s\\n' ${q(journalHeaderArgs(o.run, journal.header))}`, `printf 'konf_jpid %s %s %s\\n' "$$" "$konf_ms" "$konf_mg"`);
  o.ops.forEach((op, i) => {
    const temp = op.kind === 'remove' ? '' : op.temp;
    const backup = backupName(op, o.run);
    body.push(
      `konf_e${i}=0; if [ -e ${q(op.path)} ] || [ -h ${q(op.path)} ]; then konf_e${i}=1; fi`,
      `printf 'konf_je ${i} ${op.kind} %s %s %s\\n' "$konf_e${i}" "\${konf_c${i}-0}" ${q([q(op.path), q(temp), q(backup)].join(' '))}`,
    );
  });
  body.push(
    `printf 'konf_jstate staged\\n'`,
    `} > "$JT" || konf_fail 0 journal`,
    `sync -- "$JT" 2>/dev/null || sync`,
    `mv -fT -- "$JT" "$J" || { rm -f -- "$JT"; konf_fail 0 journal; }`,
    'konf_journaled=1',
    `sync -- "$LD" 2>/dev/null`,
    'konf_say journal || konf_lost',
  );
  if (o.arm) {
    // Confirm-or-revert: the host reverts on its own unless konf proves access in time.
    body.push('konf_arm || konf_fail2 0 arm', 'konf_armed=1');
  }
  // The old version of every existing target is kept before the first rename, one ln per folder.
  const byDir = new Map<string, number[]>();
  o.ops.forEach((op, i) => byDir.set(op.dir, [...(byDir.get(op.dir) ?? []), i]));
  for (const [dir, indexes] of byDir) {
    body.push('set --');
    for (const i of indexes) body.push(`if [ "$konf_e${i}" = 1 ]; then set -- "$@" ${q((o.ops[i] as PreparedOp).path)}; fi`);
    body.push(`if [ "$#" -gt 0 ]; then konf_bk ${q(backupDir(dir, o.run))} "$@" || konf_fail2 ${indexes[0]} backup; fi`);
  }
  o.ops.forEach((op, i) => {
    if (op.kind === 'remove') body.push(['konf_srm', i, q(op.path)].join(' '));
    else body.push(['konf_sw', i, q(op.path), q(op.temp)].join(' '));
  });
  const dirs = [...new Set(o.ops.map((op) => op.dir))];
  body.push(`printf 'konf_jstate swapped\\n' >> "$J"`, `sync -- ${dirs.map(q).join(' ')} "$J" 2>/dev/null`);
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
  return program([...WRITE_FUNCTIONS, ...JOURNALED_FUNCTIONS, ...extra], body);
}

/** Shell lines that set konf_vbad when the host no longer holds what konf read. */
export interface VerifyLines {
  lines: string[];
}

/** What one path held when konf read it (on-host path). */
export type ReadState =
  | { path: string; state: 'missing' }
  | { path: string; state: 'file'; mode: number; uid: number; gid: number; sha256: string }
  | { path: string; state: 'symlink'; target: string; uid: number; gid: number };

/**
 * Checks, in a constant number of processes, that every path still holds what was read:
 * absent paths with test(1), symlinks with readlink, the type, mode and owner of every
 * present path with one stat, the content of every file with one sha256sum.
 */
export function verifyLines(states: ReadState[]): VerifyLines {
  const lines = ['konf_vbad='];
  const present = states.filter((s) => s.state !== 'missing');
  for (const s of states) {
    if (s.state === 'missing') lines.push(`if [ -e ${q(s.path)} ] || [ -h ${q(s.path)} ]; then konf_vbad=1; fi`);
    if (s.state === 'symlink') lines.push(`if [ ! -h ${q(s.path)} ] || [ "$(readlink -- ${q(s.path)})" != ${q(s.target)} ]; then konf_vbad=1; fi`);
  }
  if (present.length > 0) {
    const expected = present.map((s) => `${((s.state === 'file' ? 0o100000 | s.mode : 0o120777)).toString(16)} ${s.uid} ${s.gid}`).join('\n');
    lines.push(
      'if [ -z "$konf_vbad" ]; then',
      `  konf_vs=$(stat -c '%f %u %g' -- ${present.map((s) => q(s.path)).join(' ')} 2>/dev/null) || konf_vbad=1`,
      `  if [ "$konf_vs" != ${q(expected)} ]; then konf_vbad=1; fi`,
      'fi',
    );
  }
  const files = states.filter((s): s is Extract<ReadState, { state: 'file' }> => s.state === 'file');
  if (files.length > 0) {
    // A name sha256sum must escape starts its line with a backslash: the first 65 characters
    // hold the hash either way, without spaces and backslashes.
    lines.push(
      'if [ -z "$konf_vbad" ]; then',
      `  konf_vh=$(sha256sum -- ${files.map((s) => q(s.path)).join(' ')} 2>/dev/null | cut -c1-65 | tr -d ' \\\\') || konf_vbad=1`,
      `  if [ "$konf_vh" != ${q(files.map((f) => f.sha256).join('\n'))} ]; then konf_vbad=1; fi`,
      'fi',
    );
  }
  return { lines };
}

/** Status lines of the stage-only script: a lost connection removes the temps. */
const STAGE_ONLY_SAY = `konf_say() {
  printf '%s %s\\n' "$M" "$*" 2>/dev/null
}
konf_lost() {
  konf_cleanup
  exit 7
}`;

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

// ---------------------------------------------------------------------------------------
// Running a hook

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

// ---------------------------------------------------------------------------------------
// Locks

const FN_SHOW = `konf_show() {
  head -c 4000 -- "$1" 2>/dev/null | tr -d '\\n'
  printf '\\n'
}`;

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
function lockDirLines(lockDir: string): string[] {
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
function lockTakeLines(run: string, json: string): string[] {
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
function closeJournalLines(op: string): string[] {
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
function releaseLines(needle: string): string[] {
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
