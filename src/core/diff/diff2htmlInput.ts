/**
 * diff2html's input for the HTML report (report.ts): the unified text made safe for its
 * parser (CRs visible, a `diff --git` line before each file, `\ No newline` markers
 * recorded), and diff2html's parsed files with real paths as names. The console and the
 * CLI build their rows from the structured hunks (sideBySide.ts); only the report uses
 * diff2html, which is what it is best at.
 */
import { parse } from 'diff2html';
import { CR_SYMBOL } from './sideBySide.js';

type DiffFile = ReturnType<typeof parse>[number];

export interface PreparedDiff {
  /** The text for diff2html: CRs made visible, a `diff --git` line before each file, no `\` marker lines. */
  text: string;
  /** Per file (in order): old/new line numbers that have no newline after them. */
  noEol: { old: Set<number>; new: Set<number> }[];
  /** Per file (in order): the names from the `---`/`+++` headers, prefixes stripped, /dev/null kept. */
  names: { oldName: string; newName: string }[];
}

/**
 * Makes unified text safe for diff2html's parser: CRs shown as ␍, a `diff --git` line before
 * each file (so content lines that look like `--- x`/`+++ y` headers are never taken for a
 * new file), and the `\ No newline at end of file` markers recorded and removed (diff2html
 * drops them). Hunks are followed by their header counts, so this never mistakes content
 * for headers either.
 */
export function prepareForDiff2html(unified: string): PreparedDiff {
  const lines = unified.replace(/\r/g, CR_SYMBOL).split('\n');
  const out: string[] = [];
  const noEol: PreparedDiff['noEol'] = [];
  const names: PreparedDiff['names'] = [];
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;
  let last: ' ' | '-' | '+' | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const inHunk = oldLeft > 0 || newLeft > 0;
    if (inHunk && (line.startsWith(' ') || line.startsWith('-') || line.startsWith('+') || line === '')) {
      // An empty line inside a hunk is a context line whose space was stripped.
      const sign = line === '' ? ' ' : (line[0] as ' ' | '-' | '+');
      if (sign !== '+') {
        oldNo++;
        oldLeft--;
      }
      if (sign !== '-') {
        newNo++;
        newLeft--;
      }
      last = sign;
      out.push(line === '' ? ' ' : line);
      continue;
    }
    if (line.startsWith('\\')) {
      // `\ No newline at end of file`: about the line just before.
      if (last !== undefined) {
        const marks = noEol[noEol.length - 1];
        if (marks) {
          if (last !== '+') marks.old.add(oldNo);
          if (last !== '-') marks.new.add(newNo);
        }
      }
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]) - 1;
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newNo = Number(hunk[3]) - 1;
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      if (oldLeft === 0) oldNo++;
      if (newLeft === 0) newNo++;
      last = undefined;
      out.push(line);
      continue;
    }
    const next = lines[i + 1];
    if (line.startsWith('--- ') && next !== undefined && next.startsWith('+++ ')) {
      const oldName = headerPath(line.slice(4), 'a/');
      const newName = headerPath(next.slice(4), 'b/');
      out.push(`diff --git ${gitName('a/', oldName, newName)} ${gitName('b/', newName, oldName)}`, line, next);
      noEol.push({ old: new Set(), new: new Set() });
      names.push({ oldName, newName });
      i++;
      last = undefined;
      continue;
    }
    if (line !== '') out.push(line);
  }
  return { text: out.join('\n'), noEol, names };
}

/** `a/etc/x` → `/etc/x`; `/dev/null` stays; a trailing tab+timestamp is dropped. */
function headerPath(raw: string, prefix: 'a/' | 'b/'): string {
  const name = raw.split('\t')[0] ?? raw;
  if (name === '/dev/null') return name;
  return name.startsWith(prefix) ? `/${name.slice(prefix.length)}` : name;
}

function gitName(prefix: 'a/' | 'b/', name: string, other: string): string {
  const n = name === '/dev/null' ? other : name;
  return prefix + (n.startsWith('/') ? n.slice(1) : n);
}

/** diff2html's files for a unified text, with real paths (leading `/`) as names. */
export function parseUnified(unified: string): { files: DiffFile[]; prepared: PreparedDiff } {
  const prepared = prepareForDiff2html(unified);
  const files = prepared.text.trim() === '' ? [] : parse(prepared.text);
  files.forEach((f, i) => {
    const n = prepared.names[i];
    if (n) {
      f.oldName = n.oldName;
      f.newName = n.newName;
    }
  });
  return { files, prepared };
}

