/**
 * The line diff behind every text change: structured hunks (jsdiff's StructuredPatch
 * shape), for the CLI's unified text, the console's rows and the HTML report alike.
 *
 * Small edits are jsdiff's Myers diff, as before. A large edit (jsdiff would need more
 * than QUICK_EDITS insertions+deletions) goes to a patience diff: lines that occur once
 * in both files anchor the alignment (longest increasing run of their positions), and
 * only the stretches between anchors are left to Myers — so a 20,000-line file with
 * every 7th line changed diffs properly in well under a second, where Myers alone would
 * search ~5,700 edits deep. A stretch that shares no line and needs more than
 * `maxEditLength` edits makes the whole file a replacement (the caller says so).
 */
import { diffArrays, structuredPatch } from 'diff';
import type { StructuredPatch, StructuredPatchHunk } from 'diff';

/** Edits jsdiff's Myers diff is tried with before the patience diff takes over. */
export const QUICK_EDITS = 100;

export interface LinePatchOptions {
  context: number;
  maxEditLength: number;
}

/** A file's lines, each with its newline ('' for a last line without one). */
function tokens(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n').map((line) => `${line}\n`);
  const last = out.length - 1;
  if (out[last] === '\n') out.pop();
  else out[last] = out[last]!.slice(0, -1);
  return out;
}

type Op = 'equal' | 'delete' | 'insert';

/** An edit script as runs of operations, in order. */
interface Run {
  op: Op;
  count: number;
}

class Script {
  runs: Run[] = [];
  push(op: Op, count: number) {
    if (count <= 0) return;
    const last = this.runs[this.runs.length - 1];
    if (last && last.op === op) last.count += count;
    else this.runs.push({ op, count });
  }
}

/** Patience diff of a[aLo,aHi) against b[bLo,bHi); false when a stretch is beyond maxEditLength. */
function patience(a: readonly string[], b: readonly string[], aLo: number, aHi: number, bLo: number, bHi: number, script: Script, maxEditLength: number): boolean {
  // Common head and tail.
  let head = 0;
  while (aLo + head < aHi && bLo + head < bHi && a[aLo + head] === b[bLo + head]) head++;
  script.push('equal', head);
  aLo += head;
  bLo += head;
  let tail = 0;
  while (aHi - tail > aLo && bHi - tail > bLo && a[aHi - tail - 1] === b[bHi - tail - 1]) tail++;
  aHi -= tail;
  bHi -= tail;
  if (aLo === aHi || bLo === bHi) {
    script.push('delete', aHi - aLo);
    script.push('insert', bHi - bLo);
    script.push('equal', tail);
    return true;
  }
  const anchors = uniqueAnchors(a, b, aLo, aHi, bLo, bHi);
  if (anchors.length === 0) {
    if (!myers(a, b, aLo, aHi, bLo, bHi, script, maxEditLength)) return false;
  } else {
    let pa = aLo;
    let pb = bLo;
    for (const [ia, ib] of anchors) {
      if (!patience(a, b, pa, ia, pb, ib, script, maxEditLength)) return false;
      script.push('equal', 1);
      pa = ia + 1;
      pb = ib + 1;
    }
    if (!patience(a, b, pa, aHi, pb, bHi, script, maxEditLength)) return false;
  }
  script.push('equal', tail);
  return true;
}

/** Positions of lines found exactly once in each range, longest run increasing in both. */
function uniqueAnchors(a: readonly string[], b: readonly string[], aLo: number, aHi: number, bLo: number, bHi: number): [number, number][] {
  const inA = new Map<string, number>();
  for (let i = aLo; i < aHi; i++) inA.set(a[i]!, inA.has(a[i]!) ? -1 : i);
  const inB = new Map<string, number>();
  for (let j = bLo; j < bHi; j++) {
    const line = b[j]!;
    const at = inA.get(line);
    if (at === undefined || at < 0) continue;
    inB.set(line, inB.has(line) ? -1 : j);
  }
  // Candidates in order of b, with their position in a.
  const pairs: [number, number][] = [];
  for (let j = bLo; j < bHi; j++) {
    const line = b[j]!;
    if (inB.get(line) === j) pairs.push([inA.get(line)!, j]);
  }
  if (pairs.length === 0) return [];
  // Longest increasing subsequence of the a positions (patience sorting).
  const tails: number[] = [];
  const previous = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const value = pairs[k]![0];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![0] < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails[tails.length - 1]!; k >= 0; k = previous[k]!) out.push(pairs[k]!);
  return out.reverse();
}

/** jsdiff's Myers diff on one stretch; false when it needs more than maxEditLength edits. */
function myers(a: readonly string[], b: readonly string[], aLo: number, aHi: number, bLo: number, bHi: number, script: Script, maxEditLength: number): boolean {
  const left = a.slice(aLo, aHi);
  const right = b.slice(bLo, bHi);
  if (left.length + right.length > maxEditLength) {
    // Nothing in common: every line goes, every line comes (and that is too many edits).
    const seen = new Set(left);
    if (!right.some((line) => seen.has(line))) return false;
  }
  const changes = diffArrays(left, right, { maxEditLength });
  if (!changes) return false;
  for (const change of changes) script.push(change.added ? 'insert' : change.removed ? 'delete' : 'equal', change.count ?? change.value.length);
  return true;
}

const NO_EOL = '\\ No newline at end of file';

/** Hunks with `context` lines around the changes, in jsdiff's StructuredPatch form. */
function hunksOf(a: readonly string[], b: readonly string[], runs: readonly Run[], context: number): StructuredPatchHunk[] {
  // Every line of the script in order: op and index on its side(s).
  const hunks: StructuredPatchHunk[] = [];
  let ia = 0;
  let ib = 0;
  let hunk: StructuredPatchHunk | undefined;
  /** Equal lines seen since the last change, not yet put in a hunk. */
  let pendingEqual: { ia: number; ib: number } | undefined;
  let equalCount = 0;
  const text = (line: string) => (line.endsWith('\n') ? line.slice(0, -1) : line);
  const add = (h: StructuredPatchHunk, sign: ' ' | '-' | '+', line: string) => {
    h.lines.push(sign + text(line));
    if (!line.endsWith('\n')) h.lines.push(NO_EOL);
    if (sign !== '+') h.oldLines++;
    if (sign !== '-') h.newLines++;
  };
  const close = () => {
    if (!hunk) return;
    // trailing context
    const start = pendingEqual;
    if (start) for (let k = 0; k < Math.min(context, equalCount); k++) add(hunk, ' ', a[start.ia + k]!);
    hunks.push(hunk);
    hunk = undefined;
  };
  for (const run of runs) {
    if (run.op === 'equal') {
      if (!pendingEqual) {
        pendingEqual = { ia, ib };
        equalCount = 0;
      }
      equalCount += run.count;
      ia += run.count;
      ib += run.count;
      continue;
    }
    // A change: join the open hunk if the equal stretch before it is short enough.
    if (hunk && pendingEqual && equalCount > 2 * context) close();
    if (!hunk) {
      const lead = pendingEqual ? Math.min(context, equalCount) : 0;
      const startA = ia - lead;
      const startB = ib - lead;
      hunk = { oldStart: startA + 1, oldLines: 0, newStart: startB + 1, newLines: 0, lines: [] };
      for (let k = 0; k < lead; k++) add(hunk, ' ', a[startA + k]!);
    } else if (pendingEqual) {
      for (let k = 0; k < equalCount; k++) add(hunk, ' ', a[pendingEqual.ia + k]!);
    }
    pendingEqual = undefined;
    equalCount = 0;
    if (run.op === 'delete') {
      for (let k = 0; k < run.count; k++) add(hunk, '-', a[ia + k]!);
      ia += run.count;
    } else {
      for (let k = 0; k < run.count; k++) add(hunk, '+', b[ib + k]!);
      ib += run.count;
    }
  }
  close();
  return hunks;
}

/**
 * The structured patch from text `a` to text `b` (jsdiff's shape: hunks with ' ', '-',
 * '+' lines and `\ No newline at end of file` markers), or undefined when a stretch needs
 * more than `maxEditLength` edits.
 */
export function linePatch(oldName: string, newName: string, a: string, b: string, options: LinePatchOptions): StructuredPatch | undefined {
  const { context, maxEditLength } = options;
  const patch = (left: readonly string[], right: readonly string[], runs: readonly Run[]): StructuredPatch => ({
    oldFileName: oldName,
    newFileName: newName,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: hunksOf(left, right, runs, context),
  });
  if (a === '' || b === '') {
    // A file made or emptied: every line comes or goes, no search (jsdiff's Myers still
    // walks its edit graph: a deploy from empty roots spent ~15% of its CPU there).
    const left = tokens(a);
    const right = tokens(b);
    const script = new Script();
    script.push('delete', left.length);
    script.push('insert', right.length);
    return patch(left, right, script.runs);
  }
  const quick = structuredPatch(oldName, newName, a, b, undefined, undefined, { context, maxEditLength: Math.min(maxEditLength, QUICK_EDITS) });
  if (quick) return quick;
  const left = tokens(a);
  const right = tokens(b);
  const script = new Script();
  if (!patience(left, right, 0, left.length, 0, right.length, script, maxEditLength)) return undefined;
  return patch(left, right, script.runs);
}
