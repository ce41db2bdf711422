import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, memoryPrefs, openPrefs, prefsFolder, prefsPath, readPrefsFile } from '../../src/console/prefs.js';
import { confPrefs } from '../../src/console/prefsConf.js';
import { prefsFrom, type PREFS_SCHEMA } from '../../src/console/prefsSchema.js';
import { colorEnabled } from '../../src/console/theme.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'konf-prefs-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const stored = (dir: string): unknown => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));

describe('preferences', () => {
  it('persist in the folder KONF_CONFIG_DIR names, through conf with its schema defaults', () => {
    const dir = tempDir();
    expect(prefsFolder({ env: { KONF_CONFIG_DIR: dir } })).toBe(dir);
    const store = confPrefs({ cwd: prefsFolder({ env: { KONF_CONFIG_DIR: dir } }) });
    expect(store.path).toBe(path.join(dir, 'config.json'));
    expect(store.load()).toEqual(DEFAULT_PREFS);
    store.save({ diffLayout: 'side-by-side', logHeight: 9, lastHost: 'web2' });
    const again = confPrefs({ cwd: dir });
    expect(again.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', logHeight: 9, lastHost: 'web2' });
    again.save({ lastHost: undefined });
    expect(confPrefs({ cwd: dir }).load().lastHost).toBeUndefined();
    // conf writes its schema's defaults along with what was set.
    expect(stored(dir)).toEqual({ diffLayout: 'side-by-side', logHeight: 9, concurrency: 8 });
  });

  it("conf refuses a value outside the schema (the file keeps the old one)", () => {
    const dir = tempDir();
    const store = confPrefs({ cwd: dir });
    expect(() => store.save({ logHeight: 500 })).toThrow(/schema violation/);
    expect(() => store.save({ diffLayout: 'sideways' as never })).toThrow(/schema violation/);
    expect(confPrefs({ cwd: dir }).load()).toEqual(DEFAULT_PREFS);
  });

  it('fall back to defaults for a file that breaks the schema or is not JSON, as conf does', () => {
    expect(prefsFrom({ diffLayout: 'sideways', logHeight: -1, concurrency: 1000, lastHost: 3 })).toEqual(DEFAULT_PREFS);
    // One bad value and conf (clearInvalidConfig) drops the whole file's settings.
    expect(prefsFrom({ diffLayout: 'side-by-side', logHeight: 2.5 })).toEqual(DEFAULT_PREFS);
    expect(prefsFrom({ diffLayout: 'side-by-side', unknownKey: [1] })).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side' });
    for (const text of ['{not json', '[1,2]', 'null', '"text"']) {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'config.json'), text);
      expect(readPrefsFile(path.join(dir, 'config.json'))).toEqual(DEFAULT_PREFS);
      expect(confPrefs({ cwd: dir }).load()).toEqual(DEFAULT_PREFS);
    }
    expect(readPrefsFile(path.join(tempDir(), 'missing.json'))).toEqual(DEFAULT_PREFS);
  });

  it('are read at start exactly as conf reads them, value by value', () => {
    const values: Record<keyof typeof PREFS_SCHEMA, unknown[]> = {
      diffLayout: ['unified', 'side-by-side', 'sideways', '', 1, null, true],
      logHeight: [0, 6, 200, 201, -1, 2.5, '6', null],
      concurrency: [1, 64, 0, 65, 8.5, '8', null],
      lastHost: ['web1', 'a.b-c_1', '', 3, null, ['web1']],
      columns: [['role'], [], ['address', 'deployed', 'role'], [''], ['x'.repeat(65)], [1], 'role', null, Array.from({ length: 17 }, (_, i) => `s${i}`)],
    };
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    const conf = confPrefs({ cwd: dir }); // reads the file again on every load()
    for (const [key, list] of Object.entries(values)) {
      for (const value of list) {
        writeFileSync(file, JSON.stringify({ [key]: value, lastHost: key === 'lastHost' ? value : 'kept' }));
        expect(readPrefsFile(file), `${key}=${JSON.stringify(value)}`).toEqual(conf.load());
      }
    }
  });

  it('work in memory when the config folder is unusable, saying why', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    const opened = openPrefs({ configDir: path.join(file, 'sub') });
    expect(opened.warning).toMatch(/preferences not saved/);
    opened.store.save({ logHeight: 3 });
    expect(opened.store.load().logHeight).toBe(3);
  });

  it('are read at start without conf, and written through conf (flush waits for it)', async () => {
    const dir = tempDir();
    const text = JSON.stringify({ diffLayout: 'side-by-side', lastHost: 'db1' });
    writeFileSync(path.join(dir, 'config.json'), text);
    const { store, warning } = openPrefs({ configDir: dir });
    expect(warning).toBeUndefined();
    expect(store.path).toBe(path.join(dir, 'config.json'));
    expect(store.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', lastHost: 'db1' });
    // conf has not opened the file: it would have written its defaults into it.
    expect(readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe(text);
    store.save({ logHeight: 4 });
    store.save({ lastHost: undefined });
    store.save({ concurrency: 0 }); // outside the schema: ignored
    expect(store.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', logHeight: 4 });
    await store.flush?.();
    expect(stored(dir)).toEqual({ diffLayout: 'side-by-side', logHeight: 4, concurrency: 8 });
  });

  it('live where conf keeps them (KONF_CONFIG_DIR, else the user config folder)', () => {
    const dir = tempDir();
    expect(prefsPath({ env: { KONF_CONFIG_DIR: dir } })).toBe(confPrefs({ cwd: dir }).path);
    const xdg = tempDir();
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = xdg;
    try {
      // confPrefs without a folder: conf's own default for project konf.
      expect(prefsPath({ env: {} })).toBe(confPrefs({}).path);
      expect(prefsPath({ env: {} })).toBe(path.join(xdg, 'konf', 'config.json'));
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });

  it('memory store records saves (for tests) and ignores values outside the schema', () => {
    const store = memoryPrefs({ concurrency: 2 });
    store.save({ diffLayout: 'side-by-side' });
    store.save({ logHeight: -3 });
    expect(store.load()).toEqual({ ...DEFAULT_PREFS, concurrency: 2, diffLayout: 'side-by-side' });
    expect(store.saved).toEqual([{ diffLayout: 'side-by-side' }, { logHeight: -3 }]);
  });

  it('conf stays out of the first frame and out of any import cycle', () => {
    const source = (name: string) => readFileSync(fileURLToPath(new URL(`../../src/console/${name}`, import.meta.url)), 'utf8');
    /** Modules a file imports at run time (type-only imports are erased). */
    const imports = (text: string) => [...text.matchAll(/^import (?!type )[^;]*? from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports(source('prefs.ts'))).not.toContain('conf');
    expect(imports(source('prefs.ts'))).not.toContain('./prefsConf.js');
    expect(source('prefs.ts')).toContain("import('./prefsConf.js')");
    expect(imports(source('prefsSchema.ts'))).toEqual([]);
    expect(imports(source('prefsConf.ts'))).toEqual(['conf', './prefsSchema.js']);
  });
});

describe('NO_COLOR', () => {
  it('turns colors off when set to anything non-empty', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
  });
});
