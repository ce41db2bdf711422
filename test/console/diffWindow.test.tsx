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
    // The FileChange the console shows (its rows are cached per FileChange object).
    let change: FileChange | undefined;
    const check = session.check.bind(session);
    session.check = async (host, signal) => {
      const result = await check(host, signal);
      if (host === 'big1') change = result.diff?.files[0];
      return result;
    };
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
      const doc = fileDoc(change!, 'side-by-side');
      // The note (a new file), the hunk header, 20,000 lines.
      expect(doc.length).toBe(20_002);
      // The body shows 15 rows at 80×24: those are built, not 20,002.
      const shown = (f: string) => f.split('\n').filter((l) => /\d+\+ row \d+;/.test(l)).length;
      expect(shown(frame)).toBeGreaterThan(10);
      expect(doc.built()).toBeGreaterThanOrEqual(shown(frame));
      expect(doc.built()).toBeLessThanOrEqual(20);
      // Three pages down: three more windows.
      for (let i = 0; i < 3; i++) await press(KEYS.pageDown);
      frame = await waitForFrame(instance.lastFrame, (f) => /\b4[0-9]\+ row 4[0-9];/.test(f), 15_000, 'the fourth page');
      expect(doc.built()).toBeLessThanOrEqual(4 * 20);
      // The end of the file: one window there, nothing between.
      await press('G');
      frame = await waitForText(instance.lastFrame, '20000+ row 20000;');
      expect(doc.built()).toBeLessThanOrEqual(5 * 20);
      // And the rows built are the file's: the same as building every row.
      const last = doc.row(20_001);
      expect(doc.rows[20_001]).toBe(last);
      expect(doc.built()).toBe(20_002);
    } finally {
      instance.unmount();
    }
  });
});
