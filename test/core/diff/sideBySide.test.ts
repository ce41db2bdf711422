import { describe, expect, test } from 'vitest';
import { diffHost } from '../../../src/core/diff/compare.js';
import { CR_SYMBOL, MAX_WORD_DIFF_PAIRS, sideBySideIndex, sideBySideRows, unifiedRows, wordSegments } from '../../../src/core/diff/sideBySide.js';
import type { SideBySideRow } from '../../../src/core/diff/types.js';
import { bigText, liveFile, missing, wantFile } from './helpers.js';

function unifiedOf(oldText: string | undefined, newText: string): string {
  const live = oldText === undefined ? missing('/f') : liveFile('/f', oldText);
  const u = diffHost('h', [wantFile('/f', newText)], [live]).files[0]?.unified;
  if (u === undefined) throw new Error('no diff');
  return u;
}

const SMALL_OLD = 'keep 1\nport = 80\nhost = a\nsame\n';
const SMALL_NEW = 'keep 1\nport = 8080\nhost = b\nadded line\nsame\n';

describe('sideBySideRows', () => {
  test('hunk, context, paired changes with word highlights, uneven run leaves a blank side', () => {
    const rows = sideBySideRows(unifiedOf(SMALL_OLD, SMALL_NEW));
    const expected: SideBySideRow[] = [
      { type: 'hunk', header: '@@ -1,4 +1,5 @@' },
      {
        type: 'context',
        left: { line: 1, kind: 'context', segments: [{ text: 'keep 1', changed: false }] },
        right: { line: 1, kind: 'context', segments: [{ text: 'keep 1', changed: false }] },
      },
      {
        type: 'change',
        left: { line: 2, kind: 'delete', segments: [{ text: 'port = ', changed: false }, { text: '80', changed: true }] },
        right: { line: 2, kind: 'insert', segments: [{ text: 'port = ', changed: false }, { text: '8080', changed: true }] },
      },
      {
        type: 'change',
        left: { line: 3, kind: 'delete', segments: [{ text: 'host = ', changed: false }, { text: 'a', changed: true }] },
        right: { line: 3, kind: 'insert', segments: [{ text: 'host = ', changed: false }, { text: 'b', changed: true }] },
      },
      { type: 'change', right: { line: 4, kind: 'insert', segments: [{ text: 'added line', changed: false }] } },
      {
        type: 'context',
        left: { line: 4, kind: 'context', segments: [{ text: 'same', changed: false }] },
        right: { line: 5, kind: 'context', segments: [{ text: 'same', changed: false }] },
      },
    ];
    expect(rows).toEqual(expected);
  });

  test('more deletes than inserts leave the right side blank', () => {
    const rows = sideBySideRows(unifiedOf('a\nb\nc\nz\n', 'X\nz\n'));
    expect(rows.map((r) => [r.type, r.left?.line, r.right?.line])).toEqual([
      ['hunk', undefined, undefined],
      ['change', 1, 1],
      ['change', 2, undefined],
      ['change', 3, undefined],
      ['context', 4, 2],
    ]);
    // A pair with nothing in common is highlighted whole.
    expect(rows[1]?.left?.segments).toEqual([{ text: 'a', changed: true }]);
    expect(rows[2]?.left?.segments).toEqual([{ text: 'b', changed: false }]);
  });

  test('new file: only right cells, numbered from 1', () => {
    const rows = sideBySideRows(unifiedOf(undefined, 'one\ntwo\n'));
    expect(rows).toEqual([
      { type: 'hunk', header: '@@ -0,0 +1,2 @@' },
      { type: 'change', right: { line: 1, kind: 'insert', segments: [{ text: 'one', changed: false }] } },
      { type: 'change', right: { line: 2, kind: 'insert', segments: [{ text: 'two', changed: false }] } },
    ]);
  });

  test('no newline at end of file is marked on the right line', () => {
    const rows = sideBySideRows(unifiedOf('x\ny', 'x\ny\n'));
    const change = rows.find((r) => r.type === 'change');
    expect(change?.left).toEqual({ line: 2, kind: 'delete', segments: [{ text: 'y', changed: false }], noNewline: true });
    expect(change?.right).toEqual({ line: 2, kind: 'insert', segments: [{ text: 'y', changed: false }] });
  });

  test('a CR shows as ␍ and does not split the line', () => {
    const rows = sideBySideRows(unifiedOf('a=1\r\nb=2\r\n', 'a=1\nb=2\r\n'));
    expect(rows.map((r) => [r.type, r.left?.segments.map((s) => s.text).join(''), r.right?.segments.map((s) => s.text).join('')])).toEqual([
      ['hunk', undefined, undefined],
      ['change', `a=1${CR_SYMBOL}`, 'a=1'],
      ['context', `b=2${CR_SYMBOL}`, `b=2${CR_SYMBOL}`],
    ]);
    expect(rows[1]?.left?.segments).toEqual([{ text: 'a=1', changed: false }, { text: CR_SYMBOL, changed: true }]);
  });

  test('content lines that look like file headers stay content', () => {
    // With no context, a deleted "-- a" and an added "++ b" followed by the next hunk read
    // exactly like the headers of a new file.
    const d = diffHost('h', [wantFile('/f', '++ b\nmid\n++ d\n')], [liveFile('/f', '-- a\nmid\n-- c\n')], { context: 0 });
    const u = d.files[0]?.unified ?? '';
    expect(u).toBe('--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n--- a\n+++ b\n@@ -3,1 +3,1 @@\n--- c\n+++ d\n');
    const rows = sideBySideRows(u);
    expect(rows.map((r) => [r.type, r.left?.line, r.right?.line, r.left?.segments.map((s) => s.text).join(''), r.right?.segments.map((s) => s.text).join('')])).toEqual([
      ['hunk', undefined, undefined, undefined, undefined],
      ['change', 1, 1, '-- a', '++ b'],
      ['hunk', undefined, undefined, undefined, undefined],
      ['change', 3, 3, '-- c', '++ d'],
    ]);
  });

  test('empty lines have no segments; empty input gives no rows', () => {
    const rows = sideBySideRows(unifiedOf('a\n\nb\n', 'a\n\nc\n'));
    expect(rows[2]).toEqual({
      type: 'context',
      left: { line: 2, kind: 'context', segments: [] },
      right: { line: 2, kind: 'context', segments: [] },
    });
    expect(sideBySideRows('')).toEqual([]);
  });
});

describe('unifiedRows', () => {
  test('rows in diff order with line numbers and the same word highlights', () => {
    const rows = unifiedRows(unifiedOf(SMALL_OLD, SMALL_NEW));
    expect(rows).toEqual([
      { kind: 'hunk', header: '@@ -1,4 +1,5 @@', segments: [] },
      { kind: 'context', oldLine: 1, newLine: 1, segments: [{ text: 'keep 1', changed: false }] },
      { kind: 'delete', oldLine: 2, segments: [{ text: 'port = ', changed: false }, { text: '80', changed: true }] },
      { kind: 'delete', oldLine: 3, segments: [{ text: 'host = ', changed: false }, { text: 'a', changed: true }] },
      { kind: 'insert', newLine: 2, segments: [{ text: 'port = ', changed: false }, { text: '8080', changed: true }] },
      { kind: 'insert', newLine: 3, segments: [{ text: 'host = ', changed: false }, { text: 'b', changed: true }] },
      { kind: 'insert', newLine: 4, segments: [{ text: 'added line', changed: false }] },
      { kind: 'context', oldLine: 4, newLine: 5, segments: [{ text: 'same', changed: false }] },
    ]);
  });

  test('noNewline on a context line', () => {
    const rows = unifiedRows(unifiedOf('a\nb', 'A\nb'));
    expect(rows[rows.length - 1]).toEqual({ kind: 'context', oldLine: 2, newLine: 2, segments: [{ text: 'b', changed: false }], noNewline: true });
  });
});

describe('wordSegments', () => {
  test('a run just at the pair limit still gets word highlights', () => {
    const old = Array.from({ length: MAX_WORD_DIFF_PAIRS }, (_, i) => `k${i} = a`);
    const neu = old.map((l) => l.replace('= a', '= b'));
    const rows = sideBySideRows(unifiedOf(`${old.join('\n')}\n`, `${neu.join('\n')}\n`));
    expect(rows[1]?.right?.segments).toEqual([{ text: 'k0 = ', changed: false }, { text: 'b', changed: true }]);
  });

  test('very long lines are highlighted whole instead of word-diffed', () => {
    const a = 'x '.repeat(3000);
    const b = `${a}y`;
    expect(wordSegments(a, b)).toEqual({ old: [{ text: a, changed: true }], new: [{ text: b, changed: true }] });
  });
});

describe('big diffs', () => {
  test('20,000-line file with ~200 scattered changes: sane row counts', () => {
    const old = bigText(20_000);
    const neu = old.slice();
    for (let i = 0; i < 200; i++) neu[i * 100 + 3] = `${neu[i * 100 + 3]} changed`;
    const u = unifiedOf(`${old.join('\n')}\n`, `${neu.join('\n')}\n`);
    const rows = sideBySideRows(u);
    // per change: 1 hunk + 3 context before + 1 paired change + 3 context after
    expect(rows.filter((r) => r.type === 'hunk')).toHaveLength(200);
    expect(rows.filter((r) => r.type === 'change')).toHaveLength(200);
    expect(rows).toHaveLength(200 * 8);
    const changed = rows.find((r) => r.type === 'change');
    expect(changed?.right?.segments).toEqual([
      { text: old[3] ?? '', changed: false },
      { text: ' changed', changed: true },
    ]);
    const last = rows.filter((r) => r.type === 'change').pop();
    expect([last?.left?.line, last?.right?.line]).toEqual([19_904, 19_904]);
    expect(unifiedRows(u)).toHaveLength(200 * 9);
  });

  test('a whole-file replacement of 20,000 lines gives 20,000 paired rows', () => {
    const old = bigText(20_000);
    const neu = old.map((l, i) => `other ${i} ${l.length}`);
    const u = unifiedOf(`${old.join('\n')}\n`, `${neu.join('\n')}\n`);
    const rows = sideBySideRows(u);
    expect(rows).toHaveLength(20_001);
    expect(rows[20_000]?.left?.line).toBe(20_000);
    expect(rows[20_000]?.right?.line).toBe(20_000);
    // too many pairs for word highlights: plain lines
    expect(rows[1]?.left?.segments).toEqual([{ text: old[0], changed: false }]);
    expect(rows[1]?.right?.segments).toEqual([{ text: neu[0], changed: false }]);
  });

  test('rows built on demand: a window of a 20,000-line diff (every 7th line changed) builds that window only, the same rows as all at once', () => {
    const old = bigText(20_000);
    const neu = old.map((l, i) => (i % 7 === 3 ? `${l} changed` : l));
    const u = unifiedOf(`${old.join('\n')}\n`, `${neu.join('\n')}\n`);
    const index = sideBySideIndex(u);
    const all = sideBySideRows(u);
    // Counted, hunks found and line numbers measured without building a row.
    expect(index.built()).toBe(0);
    expect(index.length).toBe(all.length);
    expect(index.hunks).toEqual(all.flatMap((r, i) => (r.type === 'hunk' ? [i] : [])));
    expect(index.maxLine).toBe(all.reduce((m, r) => Math.max(m, r.left?.line ?? 0, r.right?.line ?? 0), 0));
    expect(index.maxLine).toBeGreaterThan(19_990);
    // A window in the middle: exactly its rows are built, equal to the full build's (word highlights included).
    const window = Array.from({ length: 35 }, (_, k) => index.row(10_000 + k));
    expect(index.built()).toBe(35);
    expect(window).toEqual(all.slice(10_000, 10_035));
    expect(window.some((r) => r.type === 'change' && r.right?.segments.some((s) => s.changed))).toBe(true);
    // Asked again: kept, not rebuilt.
    expect(index.row(10_000)).toBe(window[0]);
    expect(index.built()).toBe(35);
    expect(() => index.row(index.length)).toThrow(RangeError);
  });
});
