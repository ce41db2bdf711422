/**
 * The line diff (src/core/diff/lineDiff.ts): large files with many scattered changes are
 * diffed properly (no "whole file replaced"), and every patch it makes turns the old text
 * into the new one.
 */
import { applyPatch, FILE_HEADERS_ONLY, formatPatch, structuredPatch } from 'diff';
import { describe, expect, test } from 'vitest';
import { diffHost, WHOLE_FILE_NOTE } from '../../../src/core/diff/compare.js';
import { linePatch } from '../../../src/core/diff/lineDiff.js';
import { renderHtmlReport } from '../../../src/core/diff/report.js';
import { parseHunks, sideBySideRows, unifiedRows } from '../../../src/core/diff/sideBySide.js';
import { liveFile, wantFile } from './helpers.js';

/** 20,000 lines of a generated config, every 7th line changed in the new one. */
function everySeventh(lines = 20_000) {
  const old = Array.from({ length: lines }, (_, i) => `rule_${i} = allow 10.${i % 256}.${(i >> 8) % 256}.0/24 # ${i % 13 === 0 ? '' : 'zone'}`);
  const neu = old.map((l, i) => (i % 7 === 3 ? `${l} changed` : l));
  return { old: `${old.join('\n')}\n`, neu: `${neu.join('\n')}\n`, changed: old.filter((_, i) => i % 7 === 3).length };
}

function patchText(a: string, b: string, maxEditLength = 2000) {
  const p = linePatch('a/f', 'b/f', a, b, { context: 3, maxEditLength });
  return p && formatPatch({ ...p, hunks: p.hunks.map((h) => ({ ...h })) }, FILE_HEADERS_ONLY);
}

describe('line diff', () => {
  test('a file made or emptied is every line added or removed, exactly as jsdiff has it (without its search)', () => {
    const texts = ['x\ny\n', 'x\ny', 'x', '\n', 'a\n\nb', '\n\n', Array.from({ length: 500 }, (_, i) => `line ${i % 7}`).join('\n')];
    for (const t of texts) {
      for (const [a, b] of [
        ['', t],
        [t, ''],
      ] as const) {
        for (const context of [0, 3]) {
          expect(linePatch('a/f', 'b/f', a, b, { context, maxEditLength: 10 }), JSON.stringify([a, b, context])).toEqual(
            structuredPatch('a/f', 'b/f', a, b, undefined, undefined, { context }),
          );
        }
      }
    }
    expect(linePatch('a/f', 'b/f', '', '', { context: 3, maxEditLength: 10 })?.hunks).toEqual([]);
  });

  test('a 20,000-line file with every 7th line changed is diffed line by line, not replaced whole', () => {
    const { old, neu, changed } = everySeventh();
    const [f] = diffHost('web1', [wantFile('/etc/fw.rules', neu)], [liveFile('/etc/fw.rules', old)]).files;
    expect(f?.note).toBeUndefined();
    expect([f?.added, f?.removed]).toEqual([changed, changed]);
    expect(applyPatch(old, f!.unified!)).toBe(neu);
    // The structured hunks and the text agree, and the rows come from the hunks.
    expect(f?.hunks).toEqual(parseHunks(f!.unified!));
    const rows = sideBySideRows(f!);
    expect(rows.filter((r) => r.type === 'change')).toHaveLength(changed);
    expect(rows.filter((r) => r.type === 'change').every((r) => r.left?.kind === 'delete' && r.right?.kind === 'insert')).toBe(true);
    expect(unifiedRows(f!).filter((r) => r.kind === 'insert')).toHaveLength(changed);
  });

  test('the HTML report shows that file as its changes, not as a replacement', () => {
    const { old, neu } = everySeventh(2_000);
    const diff = diffHost('web1', [wantFile('/etc/fw.rules', neu)], [liveFile('/etc/fw.rules', old)]);
    const html = renderHtmlReport([diff], { title: 't', generatedAt: 'now' });
    expect(html).not.toContain(WHOLE_FILE_NOTE);
    expect(html).toContain('rule_3 = allow');
  });

  test('every patch turns the old text into the new one (random edits with repeated lines, with and without final newline)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pool = ['}', '', 'listen 80;', 'server {', '  root /srv;', 'allow all;', 'include x;'];
    for (let round = 0; round < 60; round++) {
      const base = Array.from({ length: 200 + Math.floor(rnd() * 800) }, (_, i) => (rnd() < 0.4 ? pool[Math.floor(rnd() * pool.length)]! : `line ${i}`));
      const next = [...base];
      const edits = 150 + Math.floor(rnd() * 300);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * next.length);
        const r = rnd();
        if (r < 0.35) next.splice(at, 1);
        else if (r < 0.7) next.splice(at, 0, rnd() < 0.5 ? pool[Math.floor(rnd() * pool.length)]! : `new ${e}`);
        else next[at] = `changed ${e}`;
      }
      const a = base.join('\n') + (rnd() < 0.5 ? '\n' : '');
      const b = next.join('\n') + (rnd() < 0.5 ? '\n' : '');
      const text = patchText(a, b, 100_000);
      expect(text, `round ${round}`).toBeDefined();
      expect(applyPatch(a, text!), `round ${round}`).toBe(b);
    }
  });

  test('small edits are jsdiff’s Myers diff as before', () => {
    expect(patchText('a\nb\nc\n', 'a\nB\nc\n')).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  });
});
