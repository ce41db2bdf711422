import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { hostNameProblem } from '../../../src/core/fleet/inventory.js';
import { findRepo } from '../../../src/core/fleet/repo.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

async function loadError(files: Parameters<typeof makeRepo>[0]): Promise<ConfigError> {
  fixture = await makeRepo(files);
  const err = await loadFleet(fixture.root).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

describe('the inventory', () => {
  it('lists every file in etc/serverconfig except default and exclude/, sorted, ignoring hidden files', async () => {
    fixture = await makeRepo({
      'etc/serverconfig/default': 'a=1\n',
      'etc/serverconfig/web2': '',
      'etc/serverconfig/db1.example.net': '',
      'etc/serverconfig/Web_3-x': '',
      'etc/serverconfig/.web2.swp': 'junk',
      'etc/serverconfig/exclude/web2': '/etc/motd\n',
    });
    const fleet = await loadFleet(fixture.root);
    expect(fleet.hosts).toEqual(['Web_3-x', 'db1.example.net', 'web2']);
    expect(fleet.root).toBe(fixture.root);
    expect(fleet.sshConfigPath).toBeUndefined();
  });

  it('finds etc/ssh_config when present', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/ssh_config': 'Host web1\n  Port 2222\n' });
    expect((await loadFleet(fixture.root)).sshConfigPath).toBe(path.join(fixture.root, 'etc/ssh_config'));
  });

  it('refuses an invalid host name, naming the file', async () => {
    const err = await loadError({ 'etc/serverconfig/web1~': '' });
    expect(err.file).toBe('etc/serverconfig/web1~');
    expect(err.message).toMatch(/`web1~` is not a valid host name/);
  });

  it('refuses a folder other than exclude/', async () => {
    const err = await loadError({ 'etc/serverconfig/hosts/web1': '' });
    expect(err.file).toBe('etc/serverconfig/hosts');
    expect(err.message).toMatch(/not a regular file/);
  });

  it('refuses an exclude file for a host that does not exist', async () => {
    const err = await loadError({ 'etc/serverconfig/web1': '', 'etc/serverconfig/exclude/wbe1': '/etc/motd\n' });
    expect(err.file).toBe('etc/serverconfig/exclude/wbe1');
    expect(err.message).toMatch(/unknown host `wbe1`; known hosts: web1/);
  });

  it('refuses a folder without etc/serverconfig', async () => {
    fixture = await makeRepo();
    await expect(loadFleet(path.join(fixture.root, 'etc'))).rejects.toThrow(/not a konf fleet repository/);
  });

  it('names the known hosts for an unknown one', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/serverconfig/db1': '' });
    const fleet = await loadFleet(fixture.root);
    expect(() => fleet.assertHost('web9')).toThrow('unknown host `web9`; known hosts: db1, web1');
    await expect(fleet.plan('web9')).rejects.toThrow(/known hosts: db1, web1/);
  });

  it.each([
    ['web1', undefined],
    ['a/b', 'contains `/`'],
    ['.hidden', 'starts with `.`'],
    ['default', 'is reserved'],
    ['', 'is empty'],
    ['-x', 'may only hold'],
    ['web 1', 'may only hold'],
  ])('host name %j: %s', (name, problem) => {
    const got = hostNameProblem(name);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });
});

describe('finding the repository', () => {
  it('prefers --repo, then KONF_REPO, then the nearest parent holding etc/serverconfig', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '' });
    const other = await makeRepo({ 'etc/serverconfig/db1': '' });
    try {
      const deep = path.join(fixture.root, 'etc/files/etc/nginx');
      await mkdir(deep, { recursive: true });
      expect(await findRepo({ cwd: deep })).toBe(fixture.root);
      expect(await findRepo({ cwd: deep, env: other.root })).toBe(other.root);
      expect(await findRepo({ cwd: deep, env: other.root, explicit: fixture.root })).toBe(fixture.root);
      // A relative --repo is taken from the working directory.
      expect(await findRepo({ cwd: path.dirname(other.root), explicit: path.basename(other.root) })).toBe(other.root);
    } finally {
      await other.remove();
    }
  });

  it('refuses a --repo or KONF_REPO that is not a fleet repository', async () => {
    fixture = await makeRepo();
    const notRepo = path.join(fixture.root, 'etc');
    await expect(findRepo({ cwd: '/', explicit: notRepo })).rejects.toThrow(/--repo .* is not a konf fleet repository/);
    await expect(findRepo({ cwd: '/', env: notRepo })).rejects.toThrow(/KONF_REPO .* is not a konf fleet repository/);
  });

  it('fails with a ConfigError when no parent holds etc/serverconfig', async () => {
    const lonely = await mkdtemp(path.join(os.tmpdir(), 'konf-norepo-'));
    try {
      const err = await findRepo({ cwd: lonely }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/no fleet repository found: no etc\/serverconfig\/ in .*konf-norepo-.* or any parent folder \(use --repo DIR or set KONF_REPO\)/);
    } finally {
      await rm(lonely, { recursive: true, force: true });
    }
  });
});
