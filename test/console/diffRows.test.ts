import { beforeAll, describe, expect, it } from 'vitest';
import type { FileChange } from '../../src/core/diff/types.js';
import { displayText, fileDoc, loadDiffEngine, noteRows } from '../../src/console/diffRows.js';
import { clipSegments } from '../../src/console/components/DiffView.js';

// The diff engine is loaded lazily by the app; these tests use it directly.
beforeAll(() => loadDiffEngine());

const base = { meta: [], added: 0, removed: 0 };
const unified = ['--- a/etc/app.conf', '+++ b/etc/app.conf', '@@ -1,3 +1,3 @@', ' keep', '-port = 80', '+port = 8080', ' tail', '@@ -10,2 +10,3 @@', ' x', '+y', ' z', ''].join('\n');

describe('diff rows', () => {
  it('builds unified rows with line numbers, hunks and changed words', () => {
    const change: FileChange = { ...base, path: '/etc/app.conf', kind: 'modified', unified, added: 2, removed: 1 };
    const doc = fileDoc(change, 'unified');
    expect(doc.hunks).toEqual([0, 5]);
    expect(doc.rows[2]).toMatchObject({ type: 'unified', kind: 'delete', oldLine: 2 });
    expect(doc.rows[3]).toMatchObject({ type: 'unified', kind: 'insert', newLine: 2 });
    const inserted = doc.rows[3]!;
    if (inserted.type !== 'unified') throw new Error('not a line');
    expect(inserted.segments.filter((s) => s.changed).map((s) => s.text).join('')).toContain('8080');
    expect(doc.numberWidth).toBe(3);
    expect(fileDoc(change, 'unified')).toBe(doc); // cached per FileChange
  });

  it('builds side-by-side rows pairing deletes with inserts', () => {
    const change: FileChange = { ...base, path: '/etc/app.conf', kind: 'modified', unified };
    const doc = fileDoc(change, 'side-by-side');
    const pair = doc.rows.find((r) => r.type === 'split' && r.left?.kind === 'delete');
    expect(pair).toMatchObject({ type: 'split', left: { line: 2, kind: 'delete' }, right: { line: 2, kind: 'insert' } });
    const lone = doc.rows.find((r) => r.type === 'split' && !r.left);
    expect(lone).toMatchObject({ right: { line: 11, kind: 'insert' } });
  });

  it('states non-text changes plainly', () => {
    const texts = (change: FileChange) => noteRows(change).map((r) => (r.type === 'note' ? r.text : ''));
    expect(texts({ ...base, path: '/b', kind: 'binary', binary: { fromSize: 10, toSize: 2048, fromSha: 'aa', toSha: 'bb' } })).toEqual([
      'binary file differs (contents not shown)',
      '  live:    10 B  sha256 aa',
      '  desired: 2.0 KiB  sha256 bb',
    ]);
    expect(texts({ ...base, path: '/m', kind: 'metadata', meta: [{ field: 'owner', from: 'root', to: 'www-data' }] })).toEqual([
      'metadata only: contents are identical',
      'owner: root \u2192 www-data',
    ]);
    expect(texts({ ...base, path: '/x', kind: 'excluded', excludeRule: { pattern: '/x', file: 'etc/serverconfig/exclude/h', line: 2 } })[0]).toBe(
      'excluded by /x (etc/serverconfig/exclude/h:2): never written on this host',
    );
    expect(texts({ ...base, path: '/u', kind: 'unreadable', error: 'Permission denied' })[0]).toBe('unreadable on the host: Permission denied');
    expect(texts({ ...base, path: '/n', kind: 'new', note: 'too many changes: whole file replaced' })).toEqual(['new file: created on the host', 'too many changes: whole file replaced']);
  });

  it('never lets file content drive the terminal', () => {
    expect(displayText('a\tb')).toBe('a   b');
    expect(displayText('evil \u001b[2J\u0007')).toBe('evil \u00b7[2J\u00b7');
    const change: FileChange = { ...base, path: '/e', kind: 'modified', unified: '--- a/e\n+++ b/e\n@@ -1 +1 @@\n-x\n+\u001b]0;pwned\u0007\n' };
    for (const layout of ['unified', 'side-by-side'] as const) {
      const text = JSON.stringify(fileDoc(change, layout).rows);
      expect(text).not.toContain('\\u001b');
      expect(text).not.toContain('\\u0007');
    }
  });

  it('clips segments for horizontal scrolling', () => {
    const segments = [
      { text: 'abc', changed: false },
      { text: 'DEF', changed: true },
      { text: 'ghi', changed: false },
    ];
    expect(clipSegments(segments, 2, 4)).toEqual([
      { text: 'c', changed: false },
      { text: 'DEF', changed: true },
    ]);
    expect(clipSegments(segments, 7, 10)).toEqual([{ text: 'hi', changed: false }]);
    expect(clipSegments(segments, 20, 10)).toEqual([]);
  });
});
