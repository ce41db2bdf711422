/**
 * The preferences over conf: a thin typed wrapper (conf's `schema` checks every value and
 * supplies the defaults). Loaded lazily by prefs.ts: conf and ajv are slow to import.
 */
import Conf from 'conf';
import { DEFAULT_PREFS, PREFS_SCHEMA, type Prefs } from './prefsSchema.js';

export interface PrefsConfOptions {
  /** Folder for config.json; undefined for conf's own default (the user's config folder). */
  cwd?: string;
}

export interface ConfPrefs {
  readonly path: string;
  load(): Prefs;
  /** Sets each key; an undefined value deletes it. Throws on a value the schema refuses. */
  save(patch: Partial<Prefs>): void;
}

export function confPrefs(options: PrefsConfOptions = {}): ConfPrefs {
  const conf = new Conf<Prefs>({
    projectName: 'konf',
    projectSuffix: '',
    schema: PREFS_SCHEMA,
    clearInvalidConfig: true,
    accessPropertiesByDotNotation: false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  return {
    path: conf.path,
    // A file made invalid since conf opened it reads as empty (clearInvalidConfig).
    load: () => ({ ...DEFAULT_PREFS, ...conf.store }),
    save(patch) {
      for (const [key, value] of Object.entries(patch) as [keyof Prefs, Prefs[keyof Prefs]][]) {
        if (value === undefined) conf.delete(key);
        else conf.set(key, value);
      }
    },
  };
}
