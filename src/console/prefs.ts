/**
 * The console's user preferences (diff layout, log pane height, check concurrency, last
 * selected host), kept with `conf` in the user's config folder. `KONF_CONFIG_DIR` (or the
 * `configDir` option) points it elsewhere, so tests never touch the real home.
 */
import Conf from 'conf';
import type { DiffLayout } from './state/types.js';

export interface Prefs {
  diffLayout: DiffLayout;
  /** Log pane content rows (0 = header only). */
  logHeight: number;
  /** Background status checks running at once. */
  concurrency: number;
  lastHost?: string;
}

export const DEFAULT_PREFS: Prefs = { diffLayout: 'unified', logHeight: 6, concurrency: 8 };

export interface PrefsStore {
  load(): Prefs;
  save(patch: Partial<Prefs>): void;
  /** Where the preferences live (undefined for memory). */
  readonly path?: string;
}

function intIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

/** Any stored value that is not a valid preference falls back to its default. */
export function sanitizePrefs(raw: Partial<Record<keyof Prefs, unknown>>): Prefs {
  const prefs: Prefs = {
    diffLayout: raw.diffLayout === 'side-by-side' || raw.diffLayout === 'unified' ? raw.diffLayout : DEFAULT_PREFS.diffLayout,
    logHeight: intIn(raw.logHeight, 0, 200, DEFAULT_PREFS.logHeight),
    concurrency: intIn(raw.concurrency, 1, 64, DEFAULT_PREFS.concurrency),
  };
  if (typeof raw.lastHost === 'string' && raw.lastHost.length > 0) prefs.lastHost = raw.lastHost;
  return prefs;
}

export function memoryPrefs(initial: Partial<Prefs> = {}): PrefsStore & { saved: Partial<Prefs>[] } {
  let current = sanitizePrefs({ ...DEFAULT_PREFS, ...initial });
  const saved: Partial<Prefs>[] = [];
  return {
    saved,
    load: () => ({ ...current }),
    save(patch) {
      saved.push(patch);
      current = sanitizePrefs({ ...current, ...patch });
    },
  };
}

export interface ConfPrefsOptions {
  /** Folder for the preferences file; default `KONF_CONFIG_DIR`, else the user's config folder. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
}

export function confPrefs(options: ConfPrefsOptions = {}): PrefsStore {
  const env = options.env ?? process.env;
  const cwd = options.configDir ?? (env.KONF_CONFIG_DIR && env.KONF_CONFIG_DIR.length > 0 ? env.KONF_CONFIG_DIR : undefined);
  const conf = new Conf<Record<string, unknown>>({
    projectName: 'konf',
    projectSuffix: '',
    clearInvalidConfig: true,
    ...(cwd ? { cwd } : {}),
  });
  return {
    path: conf.path,
    load: () => sanitizePrefs(conf.store as Partial<Record<keyof Prefs, unknown>>),
    save(patch) {
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) conf.delete(key);
        else conf.set(key, value);
      }
    },
  };
}

/** conf when it works; memory (with the reason) when the config folder is unusable. */
export function openPrefs(options: ConfPrefsOptions = {}): { store: PrefsStore; warning?: string } {
  try {
    const store = confPrefs(options);
    store.load();
    return { store };
  } catch (error) {
    return { store: memoryPrefs(), warning: `preferences not saved: ${error instanceof Error ? error.message : String(error)}` };
  }
}
