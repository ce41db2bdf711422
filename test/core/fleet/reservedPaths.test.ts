/**
 * konf's own files on the host are off limits (issue 11, item 4): its state folder
 * `/var/lib/konf/` (lock, journal) and every name starting with `.konf-` (temp files, and
 * whatever konf may name so later) are refused in the plan with a ConfigError naming the
 * repository file (exit 2): never deployed over, never deleted as a stale temp.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { RESERVED_HOST_DIR, RESERVED_NAME_PREFIX, reservedPathProblem } from '../../../src/core/fleet/paths.js';
import { LOCK_DIR, LOCK_PATH, TEMP_PREFIX } from '../../../src/core/remote/scripts/index.js';
import { makeRepo, type Fixture, type FixtureEntry } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

async function planError(files: Record<string, FixtureEntry>): Promise<ConfigError | undefined> {
  fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/files/etc/motd': 'hi\n', ...files });
  try {
    await (await loadFleet(fixture.root)).plan('web1');
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

describe("konf's host paths are reserved", () => {
  it.each([
    ['the lock', 'etc/files/var/lib/konf/lock', 'locked by mallory@evil\n'],
    ['a file in the state folder', 'etc/files/var/lib/konf/journal/x.json', '{}'],
    ['a template rendering into the state folder', 'etc/files/var/lib/konf/lock.tmpl', '{{ konf_host }}'],
    ['the state folder itself', 'etc/files/var/lib/konf', 'not a folder\n'],
    ['a temp name', 'etc/files/etc/.konf-tmp-1abc-0-app.conf', 'x\n'],
    ['any .konf- name', 'etc/files/etc/nginx/.konf-backup', 'x\n'],
    ['a .konf- folder', 'etc/files/etc/.konf-state/file', 'x\n'],
  ])('refuses %s, naming the repository file', async (_label, rel, content) => {
    const e = await planError({ [rel]: content });
    expect(e, `${rel} was planned`).toBeInstanceOf(ConfigError);
    expect(e?.file).toBe(rel);
    expect(e?.message).toMatch(/is reserved for konf on the host/);
  });

  it('refuses a symlink standing in for a folder on the way to the state folder', async () => {
    const e = await planError({ 'etc/files/var/lib': { symlink: '/tmp' } });
    expect(e?.file).toBe('etc/files/var/lib');
    expect(e?.message).toMatch(/\/var\/lib .*konf's state folder \/var\/lib\/konf/);
  });

  it('refuses konf_watch paths in the reserved space (a rollback would write them back)', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': 'konf_watch="/etc/hosts /var/lib/konf/lock"\n', 'etc/files/etc/motd': 'hi\n' });
    const err = await (await loadFleet(fixture.root)).plan('web1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ file: 'etc/serverconfig/web1', line: 1 });
    expect((err as Error).message).toMatch(/konf_watch path `\/var\/lib\/konf\/lock` is reserved for konf on the host/);
  });

  it('leaves look-alikes alone', async () => {
    expect(await planError({ 'etc/files/var/lib/konfig/x': 'x\n', 'etc/files/etc/konf-tmp-x': 'x\n', 'etc/files/etc/x.konf-tmp': 'x\n', 'etc/files/var/lib/konf.d': 'x\n' })).toBeUndefined();
  });

  it('covers what the remote layer writes on the host', () => {
    for (const p of [LOCK_DIR, LOCK_PATH, `${LOCK_DIR}/journal`]) expect(reservedPathProblem(p), p).toBeDefined();
    const lockDir: string = LOCK_DIR;
    expect(lockDir === RESERVED_HOST_DIR || lockDir.startsWith(`${RESERVED_HOST_DIR}/`)).toBe(true);
    expect(TEMP_PREFIX.startsWith(RESERVED_NAME_PREFIX)).toBe(true);
    expect(reservedPathProblem(`/etc/${TEMP_PREFIX}run-0-x`)).toBeDefined();
  });
});
