import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import type { HostPlan, PlannedFile, PlannedRegularFile } from '../../../src/core/fleet/types.js';
import { makeRepo, type Fixture, type FixtureEntry } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

async function planOf(files: Record<string, FixtureEntry>, host = 'web1'): Promise<HostPlan> {
  fixture = await makeRepo(files);
  return (await loadFleet(fixture.root)).plan(host);
}

async function planError(files: Record<string, FixtureEntry>, host = 'web1'): Promise<ConfigError> {
  const err = await planOf(files, host).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

const file = (plan: HostPlan, p: string): PlannedFile | undefined => plan.files.find((f) => f.path === p);
const regular = (plan: HostPlan, p: string): PlannedRegularFile => {
  const f = file(plan, p);
  if (f?.kind !== 'file') throw new Error(`${p} is not a planned regular file`);
  return f;
};

const BASE: Record<string, FixtureEntry> = {
  'etc/serverconfig/default': 'domain="example.net"\nworkers=2\nrole=web\n',
  'etc/serverconfig/web1': 'workers=8\n',
  'etc/serverconfig/db1': 'role=db\n',
};

describe('the plan of a host', () => {
  it('lists the desired tree as logical absolute paths, with templates rendered and .tmpl dropped', async () => {
    const plan = await planOf({
      ...BASE,
      'etc/files/etc/motd': 'welcome\n',
      'etc/files/etc/nginx/nginx.conf.tmpl': 'worker_processes {{ workers }};\n# {{ konf_host }}.{{ domain }}\n',
    });
    expect(plan.host).toBe('web1');
    expect(plan.files.map((f) => f.path)).toEqual(['/etc/motd', '/etc/nginx/nginx.conf']);
    const nginx = regular(plan, '/etc/nginx/nginx.conf');
    expect(nginx.content.toString()).toBe('worker_processes 8;\n# web1.example.net\n');
    expect(nginx).toMatchObject({ template: true, source: 'etc/files/etc/nginx/nginx.conf.tmpl', switchesUsed: ['workers', 'konf_host', 'domain'] });
    expect(regular(plan, '/etc/motd')).toMatchObject({ template: false, source: 'etc/files/etc/motd', switchesUsed: [] });
  });

  it('renders per host: the same template gives each host its own values', async () => {
    fixture = await makeRepo({ ...BASE, 'etc/files/etc/w.tmpl': '{{ workers }}' });
    const fleet = await loadFleet(fixture.root);
    expect(regular(await fleet.plan('web1'), '/etc/w').content.toString()).toBe('8');
    expect(regular(await fleet.plan('db1'), '/etc/w').content.toString()).toBe('2');
  });

  it('carries binary files byte-exact', async () => {
    const bytes = Buffer.concat([Buffer.from([0, 255, 0xfe, 0x80, 0x0a, 0x0d]), randomBytes(4096)]);
    const plan = await planOf({ ...BASE, 'etc/files/usr/share/app/blob.bin': bytes });
    expect(regular(plan, '/usr/share/app/blob.bin').content.equals(bytes)).toBe(true);
  });

  it('plans symlinks as symlinks with their target verbatim (absolute or relative)', async () => {
    const plan = await planOf({
      ...BASE,
      'etc/files/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
      'etc/files/etc/nginx/sites-available/default': 'server {}\n',
      'etc/files/etc/nginx/sites-enabled/default': { symlink: '../sites-available/default' },
    });
    expect(file(plan, '/etc/localtime')).toEqual({ kind: 'symlink', path: '/etc/localtime', source: 'etc/files/etc/localtime', target: '/usr/share/zoneinfo/Etc/UTC' });
    expect(file(plan, '/etc/nginx/sites-enabled/default')).toMatchObject({ kind: 'symlink', target: '../sites-available/default' });
  });

  it('records which exclude rule removed which path, and plans the rest', async () => {
    const plan = await planOf({
      ...BASE,
      'etc/serverconfig/exclude/web1': '# local\n/etc/motd\n/etc/nginx/**\n',
      'etc/files/etc/motd': 'x',
      'etc/files/etc/issue': 'x',
      'etc/files/etc/nginx/nginx.conf.tmpl': '{{ undefined_switch_never_rendered }}',
      'etc/files/etc/nginx/conf.d/a.conf': 'x',
    });
    expect(plan.files.map((f) => f.path)).toEqual(['/etc/issue']);
    expect(plan.excluded).toEqual([
      { path: '/etc/motd', rule: { pattern: '/etc/motd', file: 'etc/serverconfig/exclude/web1', line: 2 } },
      { path: '/etc/nginx/conf.d/a.conf', rule: { pattern: '/etc/nginx/**', file: 'etc/serverconfig/exclude/web1', line: 3 } },
      { path: '/etc/nginx/nginx.conf', rule: { pattern: '/etc/nginx/**', file: 'etc/serverconfig/exclude/web1', line: 3 } },
    ]);
    expect(plan.excludeRules).toHaveLength(2);
  });

  it('applies etc/permissions (last match wins) and records the rule', async () => {
    const plan = await planOf({
      ...BASE,
      'etc/permissions': '/etc/**  0644  root  root\n/etc/sudoers.d/*  0440  -  -\n/etc/localtime 0777 root adm\n',
      'etc/files/etc/sudoers.d/admins': '%admins ALL=(ALL) ALL\n',
      'etc/files/etc/motd': 'x',
      'etc/files/etc/localtime': { symlink: '/usr/share/zoneinfo/UTC' },
      'etc/files/usr/local/bin/tool': 'x',
    });
    const sudoers = regular(plan, '/etc/sudoers.d/admins');
    expect(sudoers.mode).toBe(0o440);
    expect(sudoers.owner).toBeUndefined();
    expect(sudoers.group).toBeUndefined();
    expect(sudoers.permissionRule).toMatchObject({ glob: '/etc/sudoers.d/*', file: 'etc/permissions', line: 2 });
    expect(regular(plan, '/etc/motd')).toMatchObject({ mode: 0o644, owner: 'root', group: 'root', permissionRule: { line: 1 } });
    const tool = regular(plan, '/usr/local/bin/tool');
    expect(tool.mode).toBeUndefined();
    expect(tool.permissionRule).toBeUndefined();
    // A symlink takes owner and group but never a mode.
    const link = file(plan, '/etc/localtime');
    expect(link).toMatchObject({ kind: 'symlink', owner: 'root', group: 'adm', permissionRule: { line: 3 } });
    expect(link?.mode).toBeUndefined();
  });

  it('lists a template that skipped itself, with the reason', async () => {
    const files = {
      ...BASE,
      'etc/files/etc/mysql/my.cnf.tmpl': '{% if role != "db" %}{{ konf.skip("no database on " + konf_host) }}{% endif %}[mysqld]\n',
    };
    const web = await planOf(files, 'web1');
    expect(web.files).toEqual([]);
    expect(web.skipped).toEqual([{ path: '/etc/mysql/my.cnf', source: 'etc/files/etc/mysql/my.cnf.tmpl', reason: 'no database on web1' }]);
    await fixture?.remove();
    const db = await planOf(files, 'db1');
    expect(db.skipped).toEqual([]);
    expect(regular(db, '/etc/mysql/my.cnf').content.toString()).toBe('[mysqld]\n');
  });

  it('carries the merged switches with origins and the host settings', async () => {
    const plan = await planOf({
      'etc/serverconfig/default': 'a=1\nkonf_watch="/etc/passwd /etc/group/"\nkonf_secret="relay"\nrelay=u:p\n',
      'etc/serverconfig/web1': 'konf_root=/srv/chroot/\nkonf_become=sudo\na=2\n',
    });
    expect(plan.settings).toEqual({ root: '/srv/chroot', become: 'sudo', watch: ['/etc/passwd', '/etc/group'] });
    expect(plan.switches.find((s) => s.name === 'a')).toMatchObject({ value: '2', origin: { kind: 'host', line: 3 }, overrides: { kind: 'default', line: 1 } });
    expect(plan.switches.find((s) => s.name === 'relay')?.secret).toBe(true);
  });

  it('uses defaults when the host file is empty', async () => {
    const plan = await planOf({ 'etc/serverconfig/web1': '' });
    expect(plan.settings).toEqual({ root: '/', become: '', watch: [] });
    expect(plan.switches).toEqual([]);
    expect(plan.files).toEqual([]);
  });

  it('warns about exclude and permission rules that match nothing in the tree', async () => {
    const plan = await planOf({
      ...BASE,
      'etc/serverconfig/exclude/web1': '/etc/motd\n/etc/mtod\n',
      'etc/permissions': '/etc/motd 0644\n/etc/sudoers.d/* 0440\n',
      'etc/files/etc/motd': 'x',
    });
    expect(plan.warnings).toEqual([
      'etc/serverconfig/exclude/web1:2: exclude /etc/mtod matches no file in etc/files',
      'etc/permissions:2: permissions rule /etc/sudoers.d/* matches no file in etc/files',
    ]);
  });
});

describe('reserved switches', () => {
  const cases: [string, Record<string, string>, RegExp, string, number][] = [
    ['an unknown konf_* name (typo guard)', { 'etc/serverconfig/web1': 'a=1\nkonf_rot=/srv\n' }, /unknown reserved switch `konf_rot`/, 'etc/serverconfig/web1', 2],
    ['a typo in the default file', { 'etc/serverconfig/default': 'konf_becom=sudo\n', 'etc/serverconfig/web1': '' }, /unknown reserved switch `konf_becom`/, 'etc/serverconfig/default', 1],
    ['a relative konf_root', { 'etc/serverconfig/web1': '\nkonf_root=srv/x\n' }, /konf_root `srv\/x` is not absolute/, 'etc/serverconfig/web1', 2],
    ['konf_root with ..', { 'etc/serverconfig/web1': 'konf_root=/srv/../etc\n' }, /`\.\.` component/, 'etc/serverconfig/web1', 1],
    ['an invalid konf_become', { 'etc/serverconfig/web1': 'konf_become=doas\n' }, /konf_become must be empty or `sudo`, not `doas`/, 'etc/serverconfig/web1', 1],
    ['a relative konf_watch path', { 'etc/serverconfig/web1': 'konf_watch="/etc/passwd etc/group"\n' }, /konf_watch path `etc\/group` is not absolute/, 'etc/serverconfig/web1', 1],
    ['an invalid name in konf_secret', { 'etc/serverconfig/web1': 'konf_secret="ok not-ok"\n' }, /konf_secret lists `not-ok`/, 'etc/serverconfig/web1', 1],
    ['a definition of konf_host', { 'etc/serverconfig/web1': 'konf_host=other\n' }, /`konf_host` is set by konf/, 'etc/serverconfig/web1', 1],
    ['a switch named konf', { 'etc/serverconfig/web1': 'konf=x\n' }, /`konf` is reserved for the template helpers/, 'etc/serverconfig/web1', 1],
  ];
  for (const [name, files, message, errFile, line] of cases) {
    it(`refuses ${name}, naming file:line`, async () => {
      const err = await planError(files);
      expect(err.message).toMatch(message);
      expect([err.file, err.line]).toEqual([errFile, line]);
    });
  }

  it('lets a host add secrets to konf_secret but not unmask the default ones', async () => {
    const plan = await planOf({
      'etc/serverconfig/default': 'konf_secret="relay"\nrelay=x\nmine=y\n',
      'etc/serverconfig/web1': 'konf_secret="mine"\n',
    });
    const secret = Object.fromEntries(plan.switches.map((s) => [s.name, s.secret]));
    expect(secret).toEqual({ konf_secret: false, relay: true, mine: true });
  });

  it('expands ${konf_host} and default switches in a host file', async () => {
    const plan = await planOf({ 'etc/serverconfig/default': 'domain=example.net\n', 'etc/serverconfig/web1': 'fqdn="${konf_host}.${domain}"\n' });
    expect(plan.switches.find((s) => s.name === 'fqdn')?.value).toBe('web1.example.net');
  });
});

describe('errors while planning name the file', () => {
  it('a malformed host switch file', async () => {
    const err = await planError({ ...BASE, 'etc/serverconfig/web1': 'ok=1\nbad=$(hostname)\n' });
    expect(err.format()).toMatch(/^etc\/serverconfig\/web1:2:5: command substitution/);
  });

  it('a template error', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/x.conf.tmpl': 'a\n{{ nope }}' });
    expect(err.format()).toMatch(/^etc\/files\/etc\/x\.conf\.tmpl:2:4: template error: undefined switch `nope`/);
  });

  it('a template that is not UTF-8', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/x.tmpl': Buffer.from([0xff, 0xfe, 0x00]) });
    expect([err.file, err.message]).toEqual(['etc/files/etc/x.tmpl', 'a template must be UTF-8 text']);
  });

  it('a malformed permissions file', async () => {
    const err = await planError({ ...BASE, 'etc/permissions': '/etc/x 0644\n/etc/y 999\n' });
    expect([err.file, err.line]).toEqual(['etc/permissions', 2]);
  });

  it('two sources for one target path', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/motd': 'x', 'etc/files/etc/motd.tmpl': 'y' });
    expect(err.message).toBe('two sources for /etc/motd: etc/files/etc/motd and etc/files/etc/motd.tmpl');
  });

  it('a symlink named like a template', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/x.tmpl': { symlink: 'y' } });
    expect(err.message).toMatch(/a symlink cannot be a template/);
  });
});

describe('nothing is ever planned outside the target root', () => {
  it('refuses a relative symlink that climbs above the root', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/passwd-link': { symlink: '../../../etc/shadow' } });
    expect(err.file).toBe('etc/files/etc/passwd-link');
    expect(err.message).toBe('symlink /etc/passwd-link -> ../../../etc/shadow would resolve outside the target root (refused)');
  });

  it('refuses a symlinked folder pointing out of the tree, and never reads the files behind it', async () => {
    fixture = await makeRepo({ ...BASE, 'shared/nginx/evil.conf': 'x' });
    await fixture.write('etc/files/etc/nginx', { symlink: '../../../shared/nginx' });
    const err = await loadFleet(fixture.root).then((f) => f.plan('web1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/symlink \/etc\/nginx -> \.\.\/\.\.\/\.\.\/shared\/nginx would resolve outside the target root/);
  });

  it('deploys a symlinked folder inside the root as a link, without following it', async () => {
    const plan = await planOf({ ...BASE, 'etc/files/etc/real/a.conf': 'x', 'etc/files/etc/alias': { symlink: 'real' } });
    expect(plan.files.map((f) => `${f.kind}:${f.path}`)).toEqual(['symlink:/etc/alias', 'file:/etc/real/a.conf']);
  });

  it('refuses a file name with a newline', async () => {
    const err = await planError({ ...BASE, 'etc/files/etc/bad\nname': 'x' });
    expect(err.message).toMatch(/contains a control character/);
    expect(err.file).toBe('etc/files/etc/bad\nname');
  });

  it('allows names that merely contain dots', async () => {
    const plan = await planOf({ ...BASE, 'etc/files/etc/..hidden..': 'x', 'etc/files/etc/a..b': 'y' });
    expect(plan.files.map((f) => f.path)).toEqual(['/etc/..hidden..', '/etc/a..b']);
  });
});
