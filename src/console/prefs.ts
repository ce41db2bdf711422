/**
 * The console's user preferences (diff layout, log pane height, check concurrency, last
 * selected host), kept by conf in the user's config folder (`KONF_CONFIG_DIR`, or the
 * `configDir` option, points elsewhere, so tests never touch the real home). The keys,
 * limits and defaults are conf's schema, in prefsSchema.ts.
 *
 * Importing conf and compiling its schema takes longer than the first frame may wait
 * (0.3-0.5 s on a loaded 2-core machine): the console reads the small JSON file itself at
 * start, as conf would read it, and opens conf later, after the first frame (`warm`) or on
 * the first save; `flush()` waits until every save is on disk.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { DEFAULT_PREFS, fitsSchema, prefsFrom, type Prefs } from './prefsSchema.js';

export { DEFAULT_PREFS, type Prefs } from './prefsSchema.js';

export interface PrefsStore {
  load(): Prefs;
  save(patch: Partial<Prefs>): void;
  /** Where the preferences live (undefined for memory). */
  readonly path?: string;
  /** Starts loading what saving needs, in the background (after the first frame). */
  warm?(): void;
  /** Resolves once every save so far is on disk. */
  flush?(): Promise<void>;
}

/** The part of a patch the schema accepts (undefined, which deletes a key, included). */
function accepted(patch: Partial<Prefs>): Partial<Prefs> {
  return Object.fromEntries(Object.entries(patch).filter(([key, value]) => value === undefined || fitsSchema(key, value)));
}

/** prefs with an accepted patch applied; a deleted key falls back to its default. */
function patched(prefs: Prefs, patch: Partial<Prefs>): Prefs {
  const next: Prefs = { ...prefs, ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === undefined) delete next[key as keyof Prefs];
  return { ...DEFAULT_PREFS, ...next };
}

export function memoryPrefs(initial: Partial<Prefs> = {}): PrefsStore & { saved: Partial<Prefs>[] } {
  let current = patched(DEFAULT_PREFS, accepted(initial));
  const saved: Partial<Prefs>[] = [];
  return {
    saved,
    load: () => ({ ...current }),
    save(patch) {
      saved.push(patch);
      current = patched(current, accepted(patch));
    },
  };
}

export interface PrefsOptions {
  /** Folder for the preferences file; default `KONF_CONFIG_DIR`, else the user's config folder. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** The folder of config.json: configDir, KONF_CONFIG_DIR, or conf's default for project konf. */
export function prefsFolder(options: PrefsOptions = {}): string {
  const env = options.env ?? process.env;
  return path.resolve(options.configDir || env.KONF_CONFIG_DIR || envPaths('konf', { suffix: '' }).config);
}

/** The preferences file (conf's `config.json` in its folder). */
export function prefsPath(options: PrefsOptions = {}): string {
  return path.join(prefsFolder(options), 'config.json');
}

/** The preferences as conf would read them from file, without conf. */
export function readPrefsFile(file: string): Prefs {
  try {
    return prefsFrom(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

const notSaved = (error: unknown) => `preferences not saved: ${error instanceof Error ? error.message : String(error)}`;

/** conf when the config folder is usable; memory (with the reason) when it is not. */
export function openPrefs(options: PrefsOptions = {}): { store: PrefsStore; warning?: string } {
  const folder = prefsFolder(options);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    return { store: memoryPrefs(), warning: notSaved(error) };
  }
  const file = path.join(folder, 'config.json');
  let current = readPrefsFile(file);
  let conf: ReturnType<typeof open> | undefined;
  const open = () => import('./prefsConf.js').then(({ confPrefs }) => confPrefs({ cwd: folder }));
  let writes: Promise<void> = Promise.resolve();
  return {
    store: {
      path: file,
      load: () => ({ ...current }),
      save(patch) {
        const valid = accepted(patch);
        current = patched(current, valid);
        conf ??= open();
        const opened = conf;
        writes = writes.then(async () => (await opened).save(valid)).catch((error: unknown) => console.warn(notSaved(error)));
      },
      warm() {
        conf ??= open();
        conf.catch(() => undefined); // reported by the save that needs it
      },
      flush: () => writes,
    },
  };
}
