/**
 * What `konf adopt` writes into the fleet repository: the exclude and permissions lines,
 * edits checked against what the preview read and written atomically (all or nothing),
 * and plans of the repository as it would be after the edits — the real planner's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lstat, readFile, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { permissionLine, withExcludeLine, withPermissionLine } from '../../../src/core/fleet/editLines.js';
import { parsePermissions, permissionMatcher } from '../../../src/core/fleet/permissions.js';
import { applyRepoEdits, readRepoContent, revertRepoEdits, type RepoEdit } from '../../../src/core/fleet/repoEdit.js';
import { plansAfterEdits, treePathProblem } from '../../../src/core/fleet/planAfterEdits.js';
import type { HostPlan } from '../../../src/core/fleet/types.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const file = (content: string) => ({ kind: 'file' as const, content: Buffer.from(content) });

describe('edit lines', () => {
  it('an exclude line comes after a comment naming why, who and when; a missing final newline is added first', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    expect(withExcludeLine('/etc/a', '/etc/motd', 'kept on this host only (konf adopt)', 'alice', 'jump1', when)).toBe(
      '/etc/a\n# kept on this host only (konf adopt): /etc/motd, by alice@jump1 on 2026-01-02 03:04 UTC\n/etc/motd\n',
    );
    expect(withExcludeLine('', '/etc/motd', 'why', 'bob', 'j', when)).toBe('# why: /etc/motd, by bob@j on 2026-01-02 03:04 UTC\n/etc/motd\n');
  });

  it('a permissions line replaces the rule for exactly that path, else is appended after the glob it overrides (last match wins)', () => {
    const text = '# meta\n/etc/ssh/** 0600 root root\n/etc/motd 0644 root -\n';
    const rules = parsePermissions(text);
    const match = permissionMatcher(rules);
    expect(permissionLine('/etc/x', { mode: 0o640, owner: 'root' })).toBe('/etc/x 0640 root -');
    expect(withPermissionLine(text, '/etc/motd', { mode: 0o600, owner: 'root' }, match('/etc/motd'))).toBe('# meta\n/etc/ssh/** 0600 root root\n/etc/motd 0600 root -\n');
    const appended = withPermissionLine(text, '/etc/ssh/sshd_config', { mode: 0o644, owner: 'root', group: 'root' }, match('/etc/ssh/sshd_config'));
    expect(appended).toBe(`${text}/etc/ssh/sshd_config 0644 root root\n`);
    expect(permissionMatcher(parsePermissions(appended))('/etc/ssh/sshd_config')?.mode).toBe(0o644);
  });
});

describe('repository edits', () => {
  it('are written all together, each atomically, keeping the mode of an edited file; a symlink is written as a link', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/permissions': { content: '/x 0644\n', mode: 0o664 } });
    const edits: RepoEdit[] = [
      { file: 'etc/permissions', before: await readRepoContent(fixture.root, 'etc/permissions'), after: file('/x 0600\n'), why: 'test' },
      { file: 'etc/files/etc/motd', before: { kind: 'absent' }, after: file('hello\n'), why: 'test' },
      { file: 'etc/files/etc/localtime', before: { kind: 'absent' }, after: { kind: 'symlink', target: '/usr/share/zoneinfo/UTC' }, why: 'test' },
    ];
    await applyRepoEdits(fixture.root, edits);
    expect(await readFile(path.join(fixture.root, 'etc/permissions'), 'utf8')).toBe('/x 0600\n');
    expect((await lstat(path.join(fixture.root, 'etc/permissions'))).mode & 0o7777).toBe(0o664);
    expect(await readFile(path.join(fixture.root, 'etc/files/etc/motd'), 'utf8')).toBe('hello\n');
    expect(await readlink(path.join(fixture.root, 'etc/files/etc/localtime'))).toBe('/usr/share/zoneinfo/UTC');
    await revertRepoEdits(fixture.root, edits);
    expect(await readFile(path.join(fixture.root, 'etc/permissions'), 'utf8')).toBe('/x 0644\n');
    expect(await readRepoContent(fixture.root, 'etc/files/etc/motd')).toEqual({ kind: 'absent' });
  });

  it('write nothing when any file changed since the preview read it', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/permissions': '/x 0644\n' });
    const edits: RepoEdit[] = [
      { file: 'etc/files/etc/motd', before: { kind: 'absent' }, after: file('hello\n'), why: 'test' },
      { file: 'etc/permissions', before: file('/x 0600\n'), after: file('/x 0640\n'), why: 'test' },
    ];
    await expect(applyRepoEdits(fixture.root, edits)).rejects.toThrow(/changed since the preview was made: nothing was written/);
    expect(await readRepoContent(fixture.root, 'etc/files/etc/motd')).toEqual({ kind: 'absent' });
  });

  it('put the files written so far back when a later one cannot be written', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/permissions': '/x 0644\n', 'etc/files/etc': 'a file where a folder must be' });
    const edits: RepoEdit[] = [
      { file: 'etc/permissions', before: file('/x 0644\n'), after: file('/x 0600\n'), why: 'test' },
      { file: 'etc/files/etc/motd', before: { kind: 'absent' }, after: file('hello\n'), why: 'test' },
    ];
    const err = await applyRepoEdits(fixture.root, edits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).format()).toMatch(/etc\/files\/etc is not a folder/);
    expect(await readFile(path.join(fixture.root, 'etc/permissions'), 'utf8')).toBe('/x 0644\n');
  });

  it('refuse a file whose folder leads out of the repository through a symlink', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '' });
    await symlink('/tmp', path.join(fixture.root, 'etc/files'));
    await expect(readRepoContent(fixture.root, 'etc/files/etc/motd')).rejects.toThrow(/resolves outside the fleet repository/);
  });
});

describe('plans after edits', () => {
  it('are the planner own: a new file planned for every host not excluding it, with the edited permissions; content edits seen by every host', async () => {
    fixture = await makeRepo({
      'etc/serverconfig/default': 'role=web\n',
      'etc/serverconfig/web1': '',
      'etc/serverconfig/db1': 'role=db\n',
      'etc/serverconfig/exclude/db1': '/etc/cron.d\n',
      'etc/files/etc/motd': 'hello\n',
      'etc/files/etc/app.conf.tmpl': 'role={{ role }}\n',
    });
    const fleet = await loadFleet(fixture.root);
    const edits: RepoEdit[] = [
      { file: 'etc/files/etc/motd', before: file('hello\n'), after: file('hello again\n'), why: '' },
      { file: 'etc/files/etc/cron.d/backup', before: { kind: 'absent' }, after: file('0 3 * * * backup\n'), why: '' },
      { file: 'etc/permissions', before: { kind: 'absent' }, after: file('/etc/cron.d/backup 0600 root root\n'), why: '' },
    ];
    const [web1, db1] = (await plansAfterEdits(fleet, ['web1', 'db1'], edits)) as HostPlan[];
    const backup = web1?.files.find((f) => f.path === '/etc/cron.d/backup');
    expect(backup).toMatchObject({ kind: 'file', mode: 0o600, owner: 'root', group: 'root', source: 'etc/files/etc/cron.d/backup' });
    expect(db1?.excluded.map((x) => x.path)).toContain('/etc/cron.d/backup');
    for (const p of [web1, db1]) {
      const motd = p?.files.find((f) => f.path === '/etc/motd');
      expect(motd?.kind === 'file' && motd.content.toString()).toBe('hello again\n');
    }
    // Nothing was written: the repository plans as before.
    expect((await fleet.plan('web1')).files.map((f) => f.path)).toEqual(['/etc/app.conf', '/etc/motd']);
  });

  it('an exclude edit changes that host only; a host whose plan fails gets its error in its place', async () => {
    fixture = await makeRepo({ 'etc/serverconfig/web1': '', 'etc/serverconfig/web2': 'x=$(id)\n', 'etc/files/etc/motd': 'hello\n' });
    const fleet = await loadFleet(fixture.root);
    const [web1, web2] = await plansAfterEdits(fleet, ['web1', 'web2'], [{ file: 'etc/serverconfig/exclude/web1', before: { kind: 'absent' }, after: file('# x\n/etc/motd\n'), why: '' }]);
    expect((web1 as HostPlan).excluded.map((x) => x.path)).toEqual(['/etc/motd']);
    expect(web2).toBeInstanceOf(ConfigError);
  });

  it('etc/files cannot take konf reserved paths, names ending in .tmpl, or links climbing out of the root', () => {
    expect(treePathProblem('/var/lib/konf/lock', file(''))).toMatch(/reserved for konf/);
    expect(treePathProblem('/etc/.konf-tmp-1', file(''))).toMatch(/reserved for konf/);
    expect(treePathProblem('/var', file(''))).toMatch(/on the way to konf's state folder/);
    expect(treePathProblem('/etc/x.tmpl', file(''))).toMatch(/rendered as a template/);
    expect(treePathProblem('/etc/l', { kind: 'symlink', target: '../../../x' })).toMatch(/outside the target root/);
    expect(treePathProblem('/etc/motd', file('hi'))).toBeUndefined();
  });
});
