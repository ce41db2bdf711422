/**
 * A 20,000-line diff shown side by side builds the rows on screen, not the whole file:
 * toggling `v`, paging and jumping to the end each make only the window's rows (counted,
 * not timed).
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/console/app.js';
import { fileDoc, loadDiffEngine } from '../../src/console/diffRows.js';
import { memoryPrefs } from '../../src/console/prefs.js';
import type { FileChange } from '../../src/core/diff/types.js';
import { KEYS, waitForFrame, waitForText } from '../helpers/consoleTesting.js';
import { FakeSession } from '../helpers/fakeSession.js';

afterEach(() => cleanup());

describe('the side-by-side diff of a 20,000-line file', () => {
  it('toggling v builds only the visible rows; paging and G build one window each', async () => {
    await loadDiffEngine();
    const session = new FakeSession({ bigDiff: true });
    // The FileChanges the console is given (rows are cached per FileChange object; a re-check brings a new one).
    const changes: FileChange[] = [];
    const check = session.check.bind(session);
    session.check = async (host, signal) => {
      const result = await check(host, signal);
      const file = result.diff?.files[0];
      if (host === 'big1' && file) changes.push(file);
      return result;
    };
    const docs = () => changes.map((c) => fileDoc(c, 'side-by-side'));
    /** Rows built in all of them together, and in the one most built (the one on screen). */
    const built = () => docs().reduce((n, d) => n + d.built(), 0);
    const current = () => docs().reduce((a, b) => (b.built() > a.built() ? b : a));
    const instance = render(<App session={session} prefs={memoryPrefs({ lastHost: 'big1' })} size={{ columns: 80, rows: 24 }} color={false} now={() => session.now} eventBatchMs={5} onExit={() => undefined} />);
    const press = async (key: string) => {
      instance.stdin.write(key);
      await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      await waitForText(instance.lastFrame, 'big1     1 pending');
      await press('d');
      await waitForText(instance.lastFrame, '+ row 1;value 0');
      await press('v');
      let frame = await waitForText(instance.lastFrame, 'side-by-side', '1+ row 1;value 0');
      // The note (a new file), the hunk header, 20,000 lines.
      expect(docs().every((d) => d.length === 20_002)).toBe(true);
      // The body shows 15 rows at 80×24: those are built, not 20,002 (a window per FileChange at most,
      // should a re-check bring a new one meanwhile).
      const shown = (f: string) => f.split('\n').filter((l) => /\d+\+ row \d+;/.test(l)).length;
      expect(shown(frame)).toBeGreaterThan(10);
      expect(current().built()).toBeGreaterThanOrEqual(shown(frame));
      expect(built()).toBeLessThanOrEqual(20 * changes.length);
      // Three pages down: three more windows.
      for (let i = 0; i < 3; i++) await press(KEYS.pageDown);
      frame = await waitForFrame(instance.lastFrame, (f) => /\b4[0-9]\+ row 4[0-9];/.test(f), 15_000, 'the fourth page');
      expect(built()).toBeLessThanOrEqual(4 * 20 * changes.length);
      // The end of the file: one window there, nothing between.
      await press('G');
      frame = await waitForText(instance.lastFrame, '20000+ row 20000;');
      expect(built()).toBeLessThanOrEqual(5 * 20 * changes.length);
      expect(changes.length).toBeLessThanOrEqual(3);
      // Every row once asked for: the whole file, each row kept.
      const doc = current();
      const last = doc.row(20_001);
      expect(doc.rows[20_001]).toBe(last);
      expect(doc.built()).toBe(20_002);
    } finally {
      instance.unmount();
    }
  });
});
