import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, memoryPrefs, openPrefs, prefsPath, sanitizePrefs } from '../../src/console/prefs.js';
import { confPrefs } from '../../src/console/prefsConf.js';
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

describe('preferences', () => {
  it('persist in the folder KONF_CONFIG_DIR names', () => {
    const dir = tempDir();
    const store = confPrefs({ env: { KONF_CONFIG_DIR: dir } });
    expect(store.path).toBe(path.join(dir, 'config.json'));
    expect(store.load()).toEqual(DEFAULT_PREFS);
    store.save({ diffLayout: 'side-by-side', logHeight: 9, lastHost: 'web2' });
    const again = confPrefs({ configDir: dir });
    expect(again.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', logHeight: 9, lastHost: 'web2' });
    again.save({ lastHost: undefined });
    expect(confPrefs({ configDir: dir }).load().lastHost).toBeUndefined();
    expect(JSON.parse(readFileSync(store.path!, 'utf8'))).toEqual({ diffLayout: 'side-by-side', logHeight: 9 });
  });

  it('fall back to defaults for invalid values and a corrupt file', () => {
    expect(sanitizePrefs({ diffLayout: 'sideways', logHeight: -1, concurrency: 1000, lastHost: 3 })).toEqual(DEFAULT_PREFS);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'config.json'), '{not json');
    expect(confPrefs({ configDir: dir }).load()).toEqual(DEFAULT_PREFS);
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
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ diffLayout: 'side-by-side', lastHost: 'db1' }));
    const { store, warning } = openPrefs({ configDir: dir });
    expect(warning).toBeUndefined();
    expect(store.path).toBe(path.join(dir, 'config.json'));
    expect(store.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', lastHost: 'db1' });
    store.save({ logHeight: 4 });
    store.save({ lastHost: undefined });
    expect(store.load()).toEqual({ ...DEFAULT_PREFS, diffLayout: 'side-by-side', logHeight: 4 });
    await store.flush?.();
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ diffLayout: 'side-by-side', logHeight: 4 });
  });

  it('live where conf keeps them (KONF_CONFIG_DIR, else the user config folder)', () => {
    const dir = tempDir();
    expect(prefsPath({ env: { KONF_CONFIG_DIR: dir } })).toBe(confPrefs({ env: { KONF_CONFIG_DIR: dir } }).path);
    const xdg = tempDir();
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = xdg;
    try {
      expect(prefsPath({ env: { XDG_CONFIG_HOME: xdg } })).toBe(confPrefs({ env: {} }).path);
    } finally {
      if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
      else process.env.XDG_CONFIG_HOME = saved;
    }
  });

  it('memory store records saves (for tests)', () => {
    const store = memoryPrefs({ concurrency: 2 });
    store.save({ diffLayout: 'side-by-side' });
    expect(store.load()).toMatchObject({ concurrency: 2, diffLayout: 'side-by-side' });
    expect(store.saved).toEqual([{ diffLayout: 'side-by-side' }]);
  });
});

describe('NO_COLOR', () => {
  it('turns colors off when set to anything non-empty', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
  });
});
