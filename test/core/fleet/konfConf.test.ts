import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/core/errors.js';
import { parseKonfConf, readKonfConf } from '../../../src/core/fleet/konfConf.js';

function error(text: string): string {
  try {
    parseKonfConf(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.format();
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('etc/konf.conf', () => {
  it('reads name = value lines, comments, blank lines and quoted values', () => {
    const conf = parseKonfConf(['# shared settings', '', 'store_remote = git@git.example.net:ops/konf-store.git', "store_timeout='2.5'"].join('\n'));
    expect(conf).toEqual({ storeRemote: { url: 'git@git.example.net:ops/konf-store.git', origin: 'etc/konf.conf:3' }, storeTimeoutS: 2.5 });
    expect(parseKonfConf('store_remote="/srv/git/konf store.git"\n').storeRemote?.url).toBe('/srv/git/konf store.git');
    expect(parseKonfConf('# nothing set\n')).toEqual({ storeTimeoutS: 10 });
  });

  it('refuses anything else with file and line', () => {
    expect(error('store_remote = a\nstore_remote = b\n')).toBe('etc/konf.conf:2: `store_remote` is set twice (first on line 1)');
    expect(error('\nstore_remot = x\n')).toBe('etc/konf.conf:2: unknown setting `store_remot` (known: store_remote, store_timeout)');
    expect(error('store_remote\n')).toBe('etc/konf.conf:1: expected `name = value` (or a # comment), got: store_remote');
    expect(error('store_remote = /srv/a b\n')).toBe('etc/konf.conf:1: a value holding spaces must be quoted');
    expect(error('store_remote = "/srv/a\n')).toBe('etc/konf.conf:1: unterminated double quote');
    expect(error('store_remote = "/srv/a" # x\n')).toBe('etc/konf.conf:1: unexpected text after the quoted value: # x');
    expect(error('store_remote = $(touch /tmp/x)\n')).toMatch(/^etc\/konf\.conf:1: a value holding spaces must be quoted/);
    expect(error('store_remote = --upload-pack=touch\n')).toBe('etc/konf.conf:1: store_remote starts with "-" (git would read it as an option) (remove the line to work without a shared store)');
    expect(error("store_remote = 'ext::sh -c touch% /tmp/x'\n")).toMatch(/^etc\/konf\.conf:1: store_remote uses the ext:: transport, which runs commands: refused/);
    expect(error('store_remote = ""\n')).toMatch(/^etc\/konf\.conf:1: store_remote is empty/);
    expect(error('store_timeout = 0\n')).toBe('etc/konf.conf:1: store_timeout takes seconds between 0 and 600, not "0"');
    expect(error('store_timeout = 10s\n')).toBe('etc/konf.conf:1: store_timeout takes seconds between 0 and 600, not "10s"');
  });

  it('KONF_STORE_REMOTE overrides the file; empty means no remote; the file must stay inside the repository', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'konf-conf-'));
    try {
      await mkdir(path.join(repo, 'etc'), { recursive: true });
      expect(await readKonfConf(repo, {})).toEqual({ storeTimeoutS: 10 });
      await writeFile(path.join(repo, 'etc/konf.conf'), 'store_remote = /srv/team.git\nstore_timeout = 3\n');
      expect(await readKonfConf(repo, {})).toEqual({ storeRemote: { url: '/srv/team.git', origin: 'etc/konf.conf:1' }, storeTimeoutS: 3 });
      expect(await readKonfConf(repo, { KONF_STORE_REMOTE: '/srv/mine.git' })).toEqual({ storeRemote: { url: '/srv/mine.git', origin: 'KONF_STORE_REMOTE' }, storeTimeoutS: 3 });
      expect(await readKonfConf(repo, { KONF_STORE_REMOTE: '' })).toEqual({ storeTimeoutS: 3 });
      await expect(readKonfConf(repo, { KONF_STORE_REMOTE: '-x' })).rejects.toThrow('KONF_STORE_REMOTE starts with "-"');
      const outside = await mkdtemp(path.join(os.tmpdir(), 'konf-conf-outside-'));
      try {
        await writeFile(path.join(outside, 'konf.conf'), 'store_remote = /elsewhere.git\n');
        await rm(path.join(repo, 'etc/konf.conf'));
        await symlink(path.join(outside, 'konf.conf'), path.join(repo, 'etc/konf.conf'));
        await expect(readKonfConf(repo, {})).rejects.toThrow(/resolves outside the fleet repository/);
      } finally {
        await rm(outside, { recursive: true, force: true });
      }
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
