/**
 * The host-side journal of a write transaction: `<konf_root>/var/lib/konf/journal`, next
 * to the host lock. A journaled write (deploy, rollback) writes it after every temp file
 * is staged and before its first rename, and keeps the old version of each target as a
 * hard link beside it (`<folder>/.konf-tmp-<run>-bak/<name>`: konf's reserved temp names,
 * the same filesystem, one `ln` per folder), so the
 * host alone can put every file back: rename each backup over its target, remove the
 * files that did not exist before, remove the folders the write created. Nothing else
 * is needed — no controller, no snapshot store — so a plain `sh` on the host can do it
 * (the write script itself does when its connection is lost; `recoverScript` does it for
 * the next konf run).
 *
 * Format (version 1): a POSIX sh fragment of function calls with shell-quoted arguments,
 * written atomically (temp file, fsync, rename), then appended to as renames happen:
 *
 *     konf_jv 1
 *     konf_jop OP KIND RUN SNAPSHOT OPERATOR JUMPHOST SINCE
 *     konf_jpid PID STARTTIME PGID              (the writing shell on the host)
 *     konf_je I KIND EXISTED DIRS TARGET TEMP BACKUP
 *     konf_jstate staged
 *     konf_jdone I                              (appended after each rename)
 *     konf_jstate swapped|restored              (appended)
 *
 * KIND of an entry is file, symlink or remove; EXISTED 1 when the target existed when the
 * journal was written (only then is a backup made); DIRS how many folders the write
 * created for it (the target's parent and its ancestors). TARGET, TEMP and BACKUP are
 * absolute paths on the host. Undoing an entry depends only on what is on disk, so it
 * can be repeated and interrupted at any point:
 *
 * - the backup exists: it is the same inode as the target (the rename had not happened)
 *   → remove the backup; else rename the backup over the target;
 * - no backup, the target did not exist, the temp is gone and the target exists → the
 *   rename happened: remove the target;
 * - the temp exists → it was never renamed: remove it (a temp in its folder's staging
 *   folder `.konf-tmp-<run>-new` goes with that folder, once every entry is undone).
 *
 * TEMP is `<folder>/.konf-tmp-<run>-new/<name>` (the write stages every file under its own
 * name and renames a folder's files with one `mv -t`); journals of earlier konf versions
 * name temps beside their targets, which are undone the same way.
 */
import { HostError } from '../errors.js';
import { shellQuote as q } from './shell.js';

export const JOURNAL_VERSION = 1;
export const JOURNAL_NAME = 'journal';

export type JournalState = 'staged' | 'swapped' | 'restored';

export interface JournalEntry {
  index: number;
  kind: 'file' | 'symlink' | 'remove';
  /** The target existed when the journal was written (it has a backup). */
  existed: boolean;
  /** Folders the write created for this entry (deepest is the target's parent). */
  dirs: number;
  /** Logical path (`/etc/nginx/nginx.conf`). */
  path: string;
  /** Absolute paths on the host. */
  target: string;
  temp: string;
  backup: string;
}

/** What the journal on a host says: the operation in flight and how far it got. */
export interface HostJournal {
  version: number;
  op: string;
  kind: string;
  run: string;
  /** The controller's pre-operation snapshot id ('' when none). */
  snapshot: string;
  operator: string;
  jumpHost: string;
  since: string;
  entries: JournalEntry[];
  /** Indexes of entries whose rename (or removal) happened, ascending. */
  done: number[];
  state: JournalState;
}

/** Identity of a journal written by an operation (what the write script puts in `konf_jop`). */
export interface JournalHeader {
  op: string;
  kind: string;
  snapshot: string;
  operator: string;
  jumpHost: string;
  since: string;
}

// ---------------------------------------------------------------------------------------
// Shell

/** `konf_rmbak BACKUP`: removes the backup's folder once it is empty (only konf's own `.konf-tmp-…-bak` folders). */
export const FN_RMBAK = `konf_rmbak() {
  konf_bp=\${1%/*}
  case \${konf_bp##*/} in .konf-tmp-*-bak) rmdir -- "$konf_bp" 2>/dev/null ;; esac
  return 0
}`;

/** `konf_ino PATH`: device:inode of PATH itself (not following a symlink). */
const FN_INO = `konf_ino() {
  stat -c '%d:%i' -- "$1" 2>/dev/null
}
konf_same() {
  if [ ! -h "$1" ] && [ ! -h "$2" ]; then [ "$1" -ef "$2" ]; return; fi
  [ "$(konf_ino "$1")" = "$(konf_ino "$2")" ]
}`;

/**
 * `konf_undo I KIND EXISTED DIRS TARGET TEMP BACKUP`: puts one entry back (see the module
 * comment). Reports `undo I back|gone|same|none`, or `ufail I STEP` and sets konf_bad.
 */
const FN_UNDO = `konf_undo() {
  konf_ut=0
  if [ -n "$6" ] && { [ -e "$6" ] || [ -h "$6" ]; }; then konf_ut=1; fi
  if [ -n "$7" ] && { [ -e "$7" ] || [ -h "$7" ]; }; then
    if { [ -e "$5" ] || [ -h "$5" ]; } && konf_same "$5" "$7"; then
      rm -f -- "$7" || { konf_uf "$1" backup; return 0; }
      konf_ur=same
    else
      mv -fT -- "$7" "$5" || { konf_uf "$1" restore; return 0; }
      konf_ur=back
    fi
  elif [ "$3" = 0 ] && [ "$2" != remove ] && [ "$konf_ut" = 0 ] && { [ -e "$5" ] || [ -h "$5" ]; }; then
    rm -f -- "$5" || { konf_uf "$1" remove; return 0; }
    konf_ur=gone
  else
    konf_ur=none
  fi
  if [ "$konf_ut" = 1 ]; then
    case \${6%/*} in
      */.konf-tmp-*-new) ;;
      *) rm -f -- "$6" || { konf_uf "$1" temp; return 0; } ;;
    esac
  fi
  konf_us "undo $1 $konf_ur"
}
konf_uf() {
  konf_bad=1
  konf_us "ufail $1 $2"
}
konf_rmdirs() {
  konf_rd=\${5%/*}
  konf_rk=$4
  while [ "$konf_rk" -gt 0 ] 2>/dev/null; do
    rmdir -- "$konf_rd" 2>/dev/null || return 0
    konf_rd=\${konf_rd%/*}
    konf_rk=$((konf_rk-1))
  done
}`;

/**
 * `konf_restore J`: undoes every entry of the journal J (then removes the folders the
 * write created), and appends `konf_jstate restored` when every entry is back. The
 * caller defines konf_us (how a status line is reported) and konf_jpid.
 */
const FN_RESTORE = `konf_restore() {
  konf_bad=
  konf_jv() { :; }
  konf_jop() { :; }
  konf_jstate() { :; }
  konf_jdone() { :; }
  konf_je() { konf_undo "$@"; }
  . "$1"
  konf_rn=0
  konf_rls=
  konf_rlb=
  konf_je() {
    konf_rn=$((konf_rn+1))
    eval "konf_rd$konf_rn=\\$4; konf_rp$konf_rn=\\$5"
    konf_rsd=\${6%/*}
    case \${konf_rsd##*/} in
      .konf-tmp-*-new) if [ "$konf_rsd" != "$konf_rls" ]; then rm -rf -- "$konf_rsd" || konf_bad=1; konf_rls=$konf_rsd; fi ;;
    esac
    if [ -n "$7" ] && [ "\${7%/*}" != "$konf_rlb" ]; then konf_rmbak "$7"; konf_rlb=\${7%/*}; fi
  }
  konf_jpid() { :; }
  . "$1"
  while [ "$konf_rn" -gt 0 ]; do
    eval "konf_rmdirs x x x \\"\\$konf_rd$konf_rn\\" \\"\\$konf_rp$konf_rn\\""
    konf_rn=$((konf_rn-1))
  done
  sync 2>/dev/null
  if [ -z "$konf_bad" ]; then
    printf 'konf_jstate restored\\n' >> "$1" && sync -- "$1" 2>/dev/null
    konf_us restored
    return 0
  fi
  konf_us unrestored
  return 1
}`;

/** The shell functions both the write script and the recover script use. */
export const JOURNAL_FUNCTIONS = [FN_RMBAK, FN_INO, FN_UNDO, FN_RESTORE];

/**
 * Waits for the journal's writer (the shell that wrote it, if it still runs: same pid and
 * start time) to end by itself — a writer whose connection is gone restores and exits at
 * its next step — for up to 5 s, then stops its process group (TERM, then KILL). Only then
 * may another shell touch the files: the writer could be in the middle of a rename.
 */
export const FN_WAIT_WRITER = `konf_jpid() {
  konf_wp=$1
  konf_ws=$2
  konf_wg=$3
}
konf_writer() {
  [ -n "$konf_wp" ] && [ "$konf_wp" != "$$" ] || return 1
  konf_st=$(cat "/proc/$konf_wp/stat" 2>/dev/null) || return 1
  konf_st=\${konf_st##*) }
  set -- $konf_st
  shift 19
  [ "$1" = "$konf_ws" ]
}
konf_waitwriter() {
  konf_writer || return 0
  konf_wi=0
  while konf_writer && [ "$konf_wi" -lt 50 ]; do sleep 0.1; konf_wi=$((konf_wi+1)); done
  if konf_writer; then
    konf_us "stopping $konf_wp"
    kill -TERM "-$konf_wg" 2>/dev/null || kill -TERM "$konf_wp" 2>/dev/null
    konf_wi=0
    while { konf_writer || kill -0 "-$konf_wg" 2>/dev/null; } && [ "$konf_wi" -lt 30 ]; do sleep 0.1; konf_wi=$((konf_wi+1)); done
    kill -KILL "-$konf_wg" 2>/dev/null
    konf_wi=0
    while kill -0 "-$konf_wg" 2>/dev/null && [ "$konf_wi" -lt 30 ]; do sleep 0.1; konf_wi=$((konf_wi+1)); done
  else
    konf_us "waited $konf_wp"
  fi
  return 0
}`;

/** `konf_me`: sets konf_ms (start time) and konf_mg (process group) of this shell. */
export const FN_ME = `konf_me() {
  konf_ms=0
  konf_mg=$$
  konf_st=$(cat "/proc/$$/stat" 2>/dev/null) || return 0
  konf_st=\${konf_st##*) }
  set -- $konf_st
  konf_mg=$3
  shift 19
  konf_ms=$1
}`;

/** The `konf_jop` line's arguments, quoted for the journal (and quoted again for printf). */
export function journalHeaderArgs(run: string, h: JournalHeader): string {
  return [h.op, h.kind, run, h.snapshot, h.operator, h.jumpHost, h.since].map((v) => q(v)).join(' ');
}

// ---------------------------------------------------------------------------------------
// Reading a journal (the controller's side)

/** Splits sh text into commands of words: `'…'` quoting (with `'\''`), `#` comments. */
export function shellWords(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error('unterminated quote');
      word = (word ?? '') + text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + (text[i + 1] as string);
      i += 2;
    } else if (c === '\n') {
      end();
      if (words.length) commands.push(words);
      words = [];
      i++;
    } else if (c === ' ' || c === '\t') {
      end();
      i++;
    } else if (c === '#' && word === undefined) {
      while (i < text.length && text[i] !== '\n') i++;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  end();
  if (words.length) commands.push(words);
  return commands;
}

/** The logical path of a host path under root. */
function logicalOf(root: string, abs: string): string {
  if (root === '/') return abs;
  return abs.startsWith(`${root}/`) ? abs.slice(root.length) : abs;
}

/** Parses a journal's text (as read from the host). Malformed lines (a torn append) are skipped. */
export function parseJournal(host: string, text: string, root: string): HostJournal {
  let commands: string[][];
  try {
    commands = shellWords(text);
  } catch (err) {
    throw new HostError(host, 'remote-failed', `the journal on the host is damaged (${(err as Error).message})`);
  }
  const j: HostJournal = { version: 0, op: '', kind: '', run: '', snapshot: '', operator: '', jumpHost: '', since: '', entries: [], done: [], state: 'staged' };
  for (const [cmd, ...args] of commands) {
    switch (cmd) {
      case 'konf_jv':
        j.version = Number(args[0] ?? 0);
        break;
      case 'konf_jop':
        [j.op = '', j.kind = '', j.run = '', j.snapshot = '', j.operator = '', j.jumpHost = '', j.since = ''] = args;
        break;
      case 'konf_je': {
        const [index, kind, existed, dirs, target = '', temp = '', backup = ''] = args;
        if (kind !== 'file' && kind !== 'symlink' && kind !== 'remove') break;
        j.entries.push({ index: Number(index), kind, existed: existed === '1', dirs: Number(dirs ?? 0), path: logicalOf(root, target), target, temp, backup });
        break;
      }
      case 'konf_jdone':
        if (args[0] !== undefined && /^\d+$/.test(args[0])) j.done.push(Number(args[0]));
        break;
      case 'konf_jstate':
        if (args[0] === 'staged' || args[0] === 'swapped' || args[0] === 'restored') j.state = args[0];
        break;
      default:
        break;
    }
  }
  // Renames are journaled folder by folder: the set of entries done, in entry order.
  j.done.sort((a, b) => a - b);
  if (j.version !== JOURNAL_VERSION) {
    throw new HostError(host, 'remote-failed', `the journal on the host has version ${j.version || 'unknown'}; this konf reads version ${JOURNAL_VERSION}`);
  }
  return j;
}

/** `deploy 20260102T…-abc by alice@jump1 since …` */
export function describeJournal(j: HostJournal): string {
  return `${j.kind} ${j.op} by ${j.operator}@${j.jumpHost} (started ${j.since})`;
}
