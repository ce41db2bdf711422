/**
 * Repository symlinks stay in the repository (issue 11, item 3): a hook, a hook folder,
 * `etc/files`, a switch, exclude or permissions file, or etc/ssh_config that is a symlink
 * to somewhere else on the jump host is refused with a ConfigError (exit 2) naming the
 * path, before anything is planned or uploaded. Symlinks that stay inside the repository
 * keep working; symlinks inside etc/files stay links (deployed as links, never followed).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
let elsewhere: string;

beforeAll(async () => {
  // Somewhere on the jump host outside any repository: a script, a folder of files, a switch file.
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'konf-elsewhere-'));
  await writeFile(path.join(elsewhere, 'evil.sh'), '#!/bin/sh\necho owned\n', { mode: 0o755 });
  await mkdir(path.join(elsewhere, 'phase'), { recursive: true });
  await writeFile(path.join(elsewhere, 'phase/10-evil'), '#!/bin/sh\necho owned\n', { mode: 0o755 });
  await mkdir(path.join(elsewhere, 'tree/etc'), { recursive: true });
  await writeFile(path.join(elsewhere, 'tree/etc/shadow-copy'), 'root:x:0:0\n');
  await writeFile(path.join(elsewhere, 'switches'), 'role="web"\n');
  await mkdir(path.join(elsewhere, 'inventory'), { recursive: true });
  await writeFile(path.join(elsewhere, 'inventory/web1'), 'role="web"\n');
  await writeFile(path.join(elsewhere, 'rules'), '/etc/* 0644\n');
});
afterAll(async () => {
  await rm(elsewhere, { recursive: true, force: true });
});
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const script = { content: '#!/bin/sh\ntrue\n', mode: 0o755 };

async function planError(files: Parameters<typeof makeRepo>[0]): Promise<ConfigError> {
  fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/files/etc/motd': 'hi\n', ...files });
  try {
    const fleet = await loadFleet(fixture.root);
    await fleet.plan('web1');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError: the symlink out of the repository was followed');
}

describe('symlinks leading out of the fleet repository are refused', () => {
  const cases: Array<[string, string, () => Record<string, { symlink: string }>]> = [
    ['a hook', 'hooks/post-deploy/10-evil', () => ({ 'hooks/post-deploy/10-evil': { symlink: path.join(elsewhere, 'evil.sh') } })],
    ['a hook phase folder', 'hooks/pre-deploy', () => ({ 'hooks/pre-deploy': { symlink: path.join(elsewhere, 'phase') } })],
    ['the hooks folder', 'hooks', () => ({ hooks: { symlink: elsewhere } })],
    ['etc/files', 'etc/files', () => ({ 'etc/files': { symlink: path.join(elsewhere, 'tree') } })],
    ['the inventory folder', 'etc/serverconfig', () => ({ 'etc/serverconfig': { symlink: path.join(elsewhere, 'inventory') } })],
    ['etc/permissions', 'etc/permissions', () => ({ 'etc/permissions': { symlink: path.join(elsewhere, 'rules') } })],
    ['etc/ssh_config', 'etc/ssh_config', () => ({ 'etc/ssh_config': { symlink: path.join(elsewhere, 'switches') } })],
  ];
  it.each(cases)('%s', async (_label, rel, files) => {
    const files_ = files();
    // etc/files (or the inventory) as a link replaces the fixture's own
    const base: Record<string, string> = rel === 'etc/files' ? {} : { 'etc/files/etc/motd': 'hi\n' };
    fixture = await makeRepo(rel === 'etc/serverconfig' ? base : { 'etc/serverconfig/web1': '', ...base });
    if (rel === 'etc/serverconfig') await rm(path.join(fixture.root, rel), { recursive: true });
    for (const [name, entry] of Object.entries(files_)) await fixture.write(name, entry);
    let error: unknown;
    try {
      await (await loadFleet(fixture.root)).plan('web1');
    } catch (err) {
      error = err;
    }
    expect(error, 'the symlink out of the repository was followed').toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.file).toBe(rel);
    expect(e.message).toMatch(/^resolves outside the fleet repository \(to .*konf-elsewhere-.*\) through a symlink: refused/);
  });

  it('a repository reached through a symlink, and symlinks that stay inside it, are fine', async () => {
    fixture = await makeRepo({
      'etc/serverconfig/web1': '',
      'etc/files/etc/motd': 'hi\n',
      'etc/files/etc/motd.link': { symlink: 'motd' },
      'etc/files/etc/zone': { symlink: '/usr/share/zoneinfo/UTC' },
      'shared/check': script,
      'hooks/post-deploy/10-check': { symlink: '../../shared/check' },
      'hooks/post-rollback': { symlink: '../hooks/post-deploy' },
    });
    const via = path.join(elsewhere, 'repo-link');
    await rm(via, { force: true });
    const { symlink } = await import('node:fs/promises');
    await symlink(fixture.root, via);
    const plan = await (await loadFleet(via)).plan('web1');
    expect(plan.hooks['post-deploy'].map((h) => h.source)).toEqual(['hooks/post-deploy/10-check']);
    expect(plan.hooks['post-rollback'].map((h) => h.source)).toEqual(['hooks/post-rollback/10-check']);
    expect(plan.files.map((f) => [f.path, f.kind])).toEqual([
      ['/etc/motd', 'file'],
      ['/etc/motd.link', 'symlink'],
      ['/etc/zone', 'symlink'],
    ]);
  });

  it('names the path the way the CLI prints it (file: message, exit 2)', async () => {
    const e = await planError({ 'hooks/post-deploy/10-evil': { symlink: path.join(elsewhere, 'evil.sh') } });
    expect(e.format()).toMatch(/^hooks\/post-deploy\/10-evil: resolves outside the fleet repository/);
  });
});
