/**
 * The console loads the diff engine itself, as an effect after its first frame (the
 * reducers never load it): a text diff shows its rows without anyone else loading it.
 * No helper here preloads the engine (test/helpers/consoleTesting.tsx does).
 */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as AppModule from '../../src/console/app.js';
import type * as DiffRows from '../../src/console/diffRows.js';
import type * as Prefs from '../../src/console/prefs.js';
import type * as FakeSessionModule from '../helpers/fakeSession.js';
import { eventually } from '../helpers/wait.js';

// The unit project shares one module registry between files (vitest.config.ts,
// `isolate: false`), and other files load the engine: import a fresh copy of the console.
let App: typeof AppModule.App;
let diffEngineLoaded: typeof DiffRows.diffEngineLoaded;
let memoryPrefs: typeof Prefs.memoryPrefs;
let FakeSession: typeof FakeSessionModule.FakeSession;
beforeAll(async () => {
  vi.resetModules();
  ({ App } = await import('../../src/console/app.js'));
  ({ diffEngineLoaded } = await import('../../src/console/diffRows.js'));
  ({ memoryPrefs } = await import('../../src/console/prefs.js'));
  ({ FakeSession } = await import('../helpers/fakeSession.js'));
});

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
