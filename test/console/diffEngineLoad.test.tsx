/**
 * The console loads the diff engine itself, as an effect after its first frame (the
 * reducers never load it): a text diff shows its rows without anyone else loading it.
 * No helper here preloads the engine (test/helpers/consoleTesting.tsx does).
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/console/app.js';
import { diffEngineLoaded } from '../../src/console/diffRows.js';
import { memoryPrefs } from '../../src/console/prefs.js';
import { FakeSession } from '../helpers/fakeSession.js';
import { eventually } from '../helpers/wait.js';

afterEach(() => cleanup());

describe('diff engine in the console', () => {
  it('is loaded by the console after the first frame, and the diff is drawn again with its rows', async () => {
    expect(diffEngineLoaded()).toBe(false);
    const session = new FakeSession();
    const c = render(<App session={session} prefs={memoryPrefs()} size={{ columns: 80, rows: 24 }} color={false} now={() => session.now} eventBatchMs={5} onExit={() => {}} />);
    await eventually(() => expect(c.lastFrame()).toContain('worker_processes 8;'));
    expect(c.lastFrame()).not.toContain('loading the diff\u2026');
    expect(diffEngineLoaded()).toBe(true);
  });
});
