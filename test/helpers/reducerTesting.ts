/** Helpers for the pure reducer tests: a fake fleet's hosts, key presses, effects and the outbox. */
import type { HostSummary } from '../../src/core/ops/session.js';
import { loadDiffEngine } from '../../src/console/diffRows.js';
import { keyPress } from '../../src/console/keymap.js';
import { initialState } from '../../src/console/state/init.js';
import { reducer } from '../../src/console/state/reducer.js';
import type { AppState, Effect } from '../../src/console/state/types.js';
import { FakeSession } from './fakeSession.js';

// The app loads the diff engine as an effect after its first frame; these tests use it directly.
await loadDiffEngine();

export const fake = new FakeSession({ bigDiff: true });
export const HOSTS: HostSummary[] = fake.hosts();

export function init(overrides: Partial<Parameters<typeof initialState>[0]> = {}): AppState {
  return initialState({ repo: '/srv/fleet', hosts: HOSTS, size: { columns: 80, rows: 24 }, ...overrides });
}

/** Presses keys by name (`<enter>`, `<esc>`, `<pgdn>`… or a character) through the reducer. */
export function keys(state: AppState, ...presses: string[]): AppState {
  let s = state;
  for (const p of presses) {
    const special: Record<string, Parameters<typeof keyPress>[1]> = {
      '<enter>': { return: true },
      '<esc>': { escape: true },
      '<tab>': { tab: true },
      '<s-tab>': { tab: true, shift: true },
      '<bs>': { backspace: true },
      '<pgdn>': { pageDown: true },
      '<pgup>': { pageUp: true },
      '<down>': { downArrow: true },
      '<up>': { upArrow: true },
      '<ctrl-c>': { ctrl: true },
    };
    const press = special[p] ? keyPress(p === '<ctrl-c>' ? 'c' : '', special[p]) : keyPress(p, {});
    s = reducer(s, { type: 'key', press: press! });
  }
  return s;
}

export const typed = (state: AppState, text: string) => keys(state, ...[...text]);

export function effects(state: AppState): Effect[] {
  return state.outbox.map((e) => e.effect);
}

export function drained(state: AppState): AppState {
  return reducer(state, { type: 'outbox/taken', upTo: state.outboxSeq });
}

/** All hosts checked with the fake's diffs. */
export async function checked(state: AppState): Promise<AppState> {
  let s = state;
  for (const host of HOSTS) s = reducer(s, { type: 'check/result', check: await fake.check(host.name) });
  return drained(s);
}
