/** The preferences store over `conf` (loaded lazily by prefs.ts: conf is heavy to import). */
import Conf from 'conf';
import { sanitizePrefs, prefsFolder, type ConfPrefsOptions, type Prefs, type PrefsStore } from './prefs.js';

export function confPrefs(options: ConfPrefsOptions = {}): PrefsStore {
  const cwd = prefsFolder(options);
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
