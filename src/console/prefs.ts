/**
 * The console's user preferences (diff layout, log pane height, check concurrency, last
 * selected host), kept with `conf` in the user's config folder. `KONF_CONFIG_DIR` (or the
 * `configDir` option) points it elsewhere, so tests never touch the real home.
 *
 * conf (with its schema validator) costs more to load than the first frame may wait for:
 * the console reads the small JSON file itself at start, and conf is loaded later, in the
 * background or on the first save; `flush()` writes what is still pending.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  /** Starts loading what saving needs, in the background (after the first frame). */
  warm?(): void;
  /** Resolves once every save so far is on disk. */
  flush?(): Promise<void>;
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

/** The folder conf uses for project `konf` (no suffix): as env-paths computes it. */
function userConfigFolder(env: NodeJS.ProcessEnv): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', 'konf');
  if (process.platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'konf', 'Config');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'konf');
}

/** The folder given to conf as `cwd`, or undefined for conf's own default. */
export function prefsFolder(options: ConfPrefsOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  return options.configDir ?? (env.KONF_CONFIG_DIR && env.KONF_CONFIG_DIR.length > 0 ? env.KONF_CONFIG_DIR : undefined);
}

/** The preferences file (conf's `config.json` in its folder). */
export function prefsPath(options: ConfPrefsOptions = {}): string {
  return path.resolve(prefsFolder(options) ?? userConfigFolder(options.env ?? process.env), 'config.json');
}

/** The preferences as stored, read without conf; defaults when there is no (valid) file. */
export function readPrefsFile(file: string): Prefs {
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return sanitizePrefs(raw !== null && typeof raw === 'object' ? (raw as Partial<Record<keyof Prefs, unknown>>) : {});
  } catch {
    return sanitizePrefs({});
  }
}

/** Reads at once, writes through conf once it has loaded (saves meanwhile wait in order). */
class LazyConfPrefs implements PrefsStore {
  private current: Prefs;
  private pending: Partial<Prefs>[] = [];
  private conf: PrefsStore | undefined;
  private opening: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly options: ConfPrefsOptions,
  ) {
    this.current = readPrefsFile(path);
  }

  load(): Prefs {
    return { ...this.current };
  }

  save(patch: Partial<Prefs>): void {
    const next: Partial<Record<keyof Prefs, unknown>> = { ...this.current, ...patch };
    this.current = sanitizePrefs(next);
    this.pending.push(patch);
    if (this.conf) this.write();
    else this.warm();
  }

  warm(): void {
    this.opening ??= import('./prefsConf.js').then(
      ({ confPrefs }) => {
        this.conf = confPrefs(this.options);
        this.write();
      },
      (error: unknown) => {
        this.pending.length = 0;
        console.warn(`preferences not saved: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  private write(): void {
    const conf = this.conf;
    if (!conf) return;
    for (const patch of this.pending.splice(0)) {
      try {
        conf.save(patch);
      } catch (error) {
        console.warn(`preferences not saved: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    this.warm();
    await this.opening;
  }
}

/** conf when the config folder is usable; memory (with the reason) when it is not. */
export function openPrefs(options: ConfPrefsOptions = {}): { store: PrefsStore; warning?: string } {
  const file = prefsPath(options);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    return { store: new LazyConfPrefs(file, options) };
  } catch (error) {
    return { store: memoryPrefs(), warning: `preferences not saved: ${error instanceof Error ? error.message : String(error)}` };
  }
}
