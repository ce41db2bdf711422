/** The diff engine (diff2html) is loaded after the first frame: until then a text diff shows a placeholder. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as DiffRows from '../../src/console/diffRows.js';
import type { FileChange } from '../../src/core/diff/types.js';

// The unit project shares one module registry between files (vitest.config.ts,
// `isolate: false`), and other files load the engine: import a fresh copy of the console.
let diffEngineLoaded: typeof DiffRows.diffEngineLoaded;
let fileDoc: typeof DiffRows.fileDoc;
let loadDiffEngine: typeof DiffRows.loadDiffEngine;
beforeAll(async () => {
  vi.resetModules();
  ({ diffEngineLoaded, fileDoc, loadDiffEngine } = await import('../../src/console/diffRows.js'));
});

const change: FileChange = {
  path: '/etc/app.conf',
  kind: 'modified',
  meta: [],
  added: 1,
  removed: 1,
  unified: ['--- a/etc/app.conf', '+++ b/etc/app.conf', '@@ -1,2 +1,2 @@', ' keep', '-port = 80', '+port = 8080', ''].join('\n'),
};

describe('diff engine', () => {
  it('is not loaded with the console; a text diff shows a placeholder until it is, then its rows', async () => {
    expect(diffEngineLoaded()).toBe(false);
    const before = fileDoc(change, 'unified');
    expect(before.rows.map((r) => (r.type === 'note' ? r.text : r.type))).toEqual(['loading the diff\u2026']);
    await loadDiffEngine();
    expect(diffEngineLoaded()).toBe(true);
    const after = fileDoc(change, 'unified');
    expect(after).not.toBe(before);
    expect(after.rows.some((r) => r.type === 'unified' && r.kind === 'insert')).toBe(true);
    expect(fileDoc(change, 'unified')).toBe(after);
  });
});
