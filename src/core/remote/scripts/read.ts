/** The read script: one tar stream of the managed paths (see readScript). */
import { shellQuote as q } from '../shell.js';
import { program, prologue } from './common.js';

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
 * The read script's folders: the indices (into rels) of the paths in each folder, folders
 * in order of first appearance. `<marker> outside G` names folder G of this list.
 */
export function readFolders(rels: string[]): number[][] {
  const byDir = new Map<string, number[]>();
  rels.forEach((r, i) => {
    const cut = r.lastIndexOf('/');
    const dir = cut < 0 ? '.' : r.slice(0, cut);
    const list = byDir.get(dir);
    if (list) list.push(i);
    else byDir.set(dir, [i]);
  });
  return [...byDir.values()];
}

/**
 * Streams `<marker>\n` and then one GNU tar archive of the given paths (relative to root,
 * `--no-recursion`, hard links stored as full files). A folder that resolves outside the
 * root (a symlinked parent) is reported on stderr as `<marker> outside G` (G: index in
 * readFolders(rels)) and none of its paths is read. Every other path goes to tar, whose
 * own messages on stderr say which could not be read and why (`tar: ./REL: Cannot stat:
 * No such file or directory`, `…: Permission denied`, …).
 *
 * A constant number of processes (sh, tar) and no loop over the paths: one builtin test per
 * folder (konf_rin), then one printf per folder hands that folder's paths to tar
 * NUL-terminated through a pipe (`--null -T -`). Every status line is written before tar
 * starts, so status lines and tar's messages never interleave on stderr.
 */
export function readScript(marker: string, root: string, rels: string[]): string {
  const path = (r: string) => q(r === '.' ? '.' : `./${r}`);
  const folders = readFolders(rels);
  const checks = folders.map((f, g) => `konf_rin ${path(rels[f[0] as number] as string)} || { printf '%s outside %s\\n' "$M" ${g}; konf_o${g}=1; }`);
  const lists = folders.map((f, g) => `  [ -n "\${konf_o${g}-}" ] || printf '%s\\0' ${f.map((i) => path(rels[i] as string)).join(' ')}`);
  return program(
    [FN_READ_IN_ROOT],
    [
      prologue(marker),
      `cd -P -- ${q(root)} 2>/dev/null || { printf '%s noroot\\n' "$M" >&2; exit 3; }`,
      'R=$PWD',
      'konf_rd=',
      // Status lines on stderr, like tar's messages (a noisy login shell's stdout is framed away).
      '{',
      ...checks.map((c) => `  ${c}`),
      '} >&2',
      '{',
      ...lists,
      '} | tar -cf - -H gnu --no-recursion --hard-dereference --null -T -',
    ],
  );
}
