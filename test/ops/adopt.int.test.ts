/**
 * Answering drift end to end (issue 14), through the built CLI against a real OpenSSH
 * fleet and a real git fleet repository: adopt a hand edit for every host (the other
 * hosts' diffs show exactly that change, the edited host is in sync), keep it on one host
 * (an exclude line naming who and when), a template's drift (shown beside the rendered
 * text, refused for the repository, excluded), capture an unmanaged file (for all hosts,
 * or for this host only), `--commit`, revert with `konf deploy HOST --only PATH`, and bad
 * input: exit 2 with nothing written anywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';
import { filesOf, readTree } from '../helpers/tree.js';

async function put(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

interface DiffDoc {
  hosts: { host: string; pending: number; drifted?: number; files: { path: string; kind: string; state?: string; unified?: string; excludeRule?: { pattern: string } }[] }[];
}

const OPERATOR = 'alice';

describe('konf adopt against a real fleet', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const env = { USER: OPERATOR, SUDO_USER: '', GIT_AUTHOR_NAME: 'Alice Admin', GIT_AUTHOR_EMAIL: 'alice@example.net', GIT_COMMITTER_NAME: 'Alice Admin', GIT_COMMITTER_EMAIL: 'alice@example.net' };
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args], { env });
  const root = (host: string) => fleet.host(host).root;
  const onHost = (host: string, p: string) => path.join(root(host), p);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const diffJson = async (...hosts: string[]): Promise<DiffDoc> => JSON.parse((await konf(['diff', ...hosts, '--json'])).stdout) as DiffDoc;
  const fileOf = (doc: DiffDoc, host: string, p: string) => doc.hosts.find((h) => h.host === host)?.files.find((f) => f.path === p);
  /** Everything konf could have written: the repository's files and git state, every host's tree, the state folder. */
  const everything = async () => ({
    status: git('status', '--porcelain', '--untracked-files=all'),
    head: git('rev-parse', 'HEAD'),
    repoFiles: filesOf(await readTree(path.join(repo, 'etc'))),
    hosts: Object.fromEntries(await Promise.all(fleet.hosts.map(async (h) => [h.name, await readTree(h.root, [])] as const))),
    state: filesOf(await readTree(state, [])),
  });

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1', 'web2', 'db1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-adopt-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    const etc = path.join(repo, 'etc');
    await put(path.join(etc, 'serverconfig/default'), 'role="web"\nworkers=2\n');
    await put(path.join(etc, 'serverconfig/web1'), 'workers=4\n');
    await put(path.join(etc, 'serverconfig/web2'), '');
    await put(path.join(etc, 'serverconfig/db1'), 'role="db"\n');
    await put(path.join(etc, 'files/etc/motd'), 'welcome to the fleet\n');
    await put(path.join(etc, 'files/etc/issue'), 'Debian GNU/Linux\n');
    await put(path.join(etc, 'files/etc/ntp.conf'), 'server pool.ntp.org\n');
    await put(path.join(etc, 'files/etc/app.conf.tmpl'), 'role={{ role }}\nworkers={{ workers }}\n');
    await put(path.join(etc, 'files/etc/ssh/sshd_config.d/konf.conf'), 'PermitRootLogin no\n');
    await put(path.join(etc, 'permissions'), '# metadata\n/etc/ssh/** 0600 root root\n');
    await bindRepoToFleet(repo, fleet);
    await put(path.join(repo, '.gitignore'), 'var/\n');
    execFileSync('git', ['init', '-q', repo]);
    git('add', '-A');
    git('commit', '-q', '-m', 'fleet');
    const dep = await konf(['deploy', '--all', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('adopt for every host: the repository file takes the hand edit, the other hosts diffs show exactly that change, the edited host is in sync', async () => {
    await put(onHost('web1', 'etc/motd'), 'welcome to the fleet\nmaintenance on sundays\n');
    expect(fileOf(await diffJson('web1'), 'web1', '/etc/motd')?.state).toBe('drifted');

    const res = await konf(['adopt', 'web1', '/etc/motd', '--to', 'repo', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    // The preview came first and showed the repository edit and both other hosts' diffs.
    const out = res.stdout;
    const previewAt = out.indexOf('Repository changes');
    expect(previewAt).toBeGreaterThan(-1);
    expect(out.indexOf('wrote etc/files/etc/motd')).toBeGreaterThan(previewAt);
    expect(out).toContain('edit etc/files/etc/motd');
    expect(out).toContain('+maintenance on sundays');
    expect(out).toMatch(/Other hosts this changes on their next deploy \(2\)/);
    expect(out).toMatch(/2 hosts: identical change to \/etc\/motd \(db1, web2\)/);
    expect(out).toContain('web1 after the edit: in sync');
    expect(out).toContain('web1 now: in sync');

    expect(await readFile(path.join(repo, 'etc/files/etc/motd'), 'utf8')).toBe('welcome to the fleet\nmaintenance on sundays\n');
    // Left in the working tree for review: exactly that file, nothing committed.
    expect(git('status', '--porcelain')).toBe(' M etc/files/etc/motd\n');

    const doc = await diffJson('web1', 'web2', 'db1');
    expect(doc.hosts.find((h) => h.host === 'web1')?.pending).toBe(0);
    for (const other of ['web2', 'db1']) {
      const f = fileOf(doc, other, '/etc/motd');
      expect(f?.kind).toBe('modified');
      expect(f?.state).toBe('pending');
      expect(f?.unified).toBe('--- a/etc/motd\n+++ b/etc/motd\n@@ -1,1 +1,2 @@\n welcome to the fleet\n+maintenance on sundays\n');
      expect(doc.hosts.find((h) => h.host === other)?.pending).toBe(1);
    }
    // The host's version is konf's own now: a later repository change is pending, not "both".
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    expect(fileOf(await diffJson('web1'), 'web1', '/etc/motd')?.state).toBe('pending');
    // The record that says so is on the host (written by the adoption, under the lock, journal closed):
    // another jump host, with a state folder of its own, judges it the same way.
    const hostRecord = JSON.parse(await readFile(onHost('web1', 'var/lib/konf/deployed.json'), 'utf8')) as { operator: string; files: Record<string, { sha256?: string; mode?: string; created: boolean }> };
    expect(hostRecord.files['/etc/motd']).toEqual({ sha256: createHash('sha256').update('welcome to the fleet\nmaintenance on sundays\n').digest('hex'), mode: '0644', created: true });
    expect(hostRecord.operator).toBe(OPERATOR);
    expect((await readdir(onHost('web1', 'var/lib/konf'))).sort()).toEqual(['deployed.json']);
    const elsewhere = await runKonf(['--repo', repo, '--state', path.join(tmp, 'state-other-jump'), 'diff', 'web1', '--json'], { env });
    expect(fileOf(JSON.parse(elsewhere.stdout) as DiffDoc, 'web1', '/etc/motd')?.state).toBe('pending');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome to the fleet\nmaintenance on sundays\n');
    git('commit', '-q', '-am', 'motd as on web1');
    const audit = (await konf(['log', '--host', 'web1', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; operator: string; results: Record<string, { text?: string }> });
    const record = audit.filter((r) => r.kind === 'adopt').pop();
    expect(record?.operator).toBe(OPERATOR);
    expect(record?.results.web1?.text).toContain('/etc/motd');
    await konf(['deploy', '--all', '--yes']);
  });

  it('keep on this host only: an exclude line naming who and when, the host in sync, the others unaffected', async () => {
    const hostsOnly = (d: DiffDoc) => d.hosts;
    const othersBefore = hostsOnly(await diffJson('web1', 'web2'));
    await put(onHost('db1', 'etc/ntp.conf'), 'server ntp.internal\n');
    const res = await konf(['adopt', 'db1', '/etc/ntp.conf', '--to', 'exclude', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('new file etc/serverconfig/exclude/db1');
    const text = await readFile(path.join(repo, 'etc/serverconfig/exclude/db1'), 'utf8');
    const today = new Date().toISOString().slice(0, 10);
    expect(text).toMatch(new RegExp(`^# kept on this host only \\(konf adopt\\): /etc/ntp\\.conf, by ${OPERATOR}@\\S+ on ${today} \\d\\d:\\d\\d UTC\\n/etc/ntp\\.conf\\n$`));
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe('?? etc/serverconfig/exclude/db1\n');
    expect(await readFile(path.join(repo, 'etc/files/etc/ntp.conf'), 'utf8')).toBe('server pool.ntp.org\n');
    expect(await readFile(onHost('db1', 'etc/ntp.conf'), 'utf8')).toBe('server ntp.internal\n');

    const db1 = await konf(['diff', 'db1', '--json']);
    expect(db1.code).toBe(0);
    expect(fileOf(JSON.parse(db1.stdout) as DiffDoc, 'db1', '/etc/ntp.conf')?.kind).toBe('excluded');
    expect(hostsOnly(await diffJson('web1', 'web2'))).toEqual(othersBefore);
    git('add', '-A');
    git('commit', '-q', '-m', 'db1 keeps its ntp.conf');
  });

  it('template drift: shown beside the rendered text with its switches, refused for the repository (exit 2, nothing written), kept with --to exclude', async () => {
    await put(onHost('web2', 'etc/app.conf'), 'role=web\nworkers=16\n');
    const before = await everything();
    const refused = await konf(['adopt', 'web2', '/etc/app.conf', '--to', 'repo', '--yes']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/\/etc\/app\.conf is rendered from etc\/files\/etc\/app\.conf\.tmpl: a template cannot be adopted from a live file/);
    expect(refused.stdout).toMatch(/template etc\/files\/etc\/app\.conf\.tmpl for web2, reading: role="web" \(etc\/serverconfig\/default:1\), workers="2" \(etc\/serverconfig\/default:2\)/);
    expect(refused.stdout).toContain('live on the host (left) beside the rendered template (right)');
    expect(refused.stdout).toMatch(/workers=16 .*│ .*workers=2/);
    expect(await everything()).toEqual(before);

    const kept = await konf(['adopt', 'web2', '/etc/app.conf', '--to', 'exclude', '--yes']);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(await readFile(path.join(repo, 'etc/serverconfig/exclude/web2'), 'utf8')).toMatch(/\n\/etc\/app\.conf\n$/);
    expect((await konf(['diff', 'web2'])).code).toBe(0);
    expect((await konf(['diff', 'web1'])).code).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'web2 keeps its app.conf');
  });

  it('capture an unmanaged file for every host: etc/files and its permission line, the other hosts shown as new; --commit names host, path and operator', async () => {
    await put(onHost('web1', 'etc/cron.d/backup'), '0 3 * * * root /usr/local/bin/backup\n', 0o600);
    const res = await konf(['adopt', 'web1', '/etc/cron.d/backup', '--to', 'repo', '--yes', '--commit']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain('new file etc/files/etc/cron.d/backup');
    expect(res.stdout).toContain('+/etc/cron.d/backup 0600 root root');
    expect(res.stdout).toMatch(/Other hosts this changes on their next deploy \(2\)/);
    expect(res.stdout).toMatch(/new +\/etc\/cron\.d\/backup/);
    expect(await readFile(path.join(repo, 'etc/files/etc/cron.d/backup'), 'utf8')).toBe('0 3 * * * root /usr/local/bin/backup\n');
    expect(await readFile(path.join(repo, 'etc/permissions'), 'utf8')).toBe('# metadata\n/etc/ssh/** 0600 root root\n/etc/cron.d/backup 0600 root root\n');
    // One commit holding exactly those two files; the working tree is clean.
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['etc/files/etc/cron.d/backup', 'etc/permissions']);
    const message = git('log', '-1', '--format=%B');
    expect(message).toMatch(/^konf adopt web1: \/etc\/cron\.d\/backup\n/);
    expect(message).toContain('Konf-Host: web1');
    expect(message).toContain('Konf-Path: /etc/cron.d/backup');
    expect(message).toContain(`Konf-Operator: ${OPERATOR}`);
    const doc = await diffJson('web1', 'web2', 'db1');
    expect(doc.hosts.find((h) => h.host === 'web1')?.pending).toBe(0);
    expect(fileOf(doc, 'web2', '/etc/cron.d/backup')?.kind).toBe('new');
    expect(fileOf(doc, 'db1', '/etc/cron.d/backup')?.kind).toBe('new');
    await konf(['deploy', '--all', '--yes']);
    expect((await lstat(onHost('db1', 'etc/cron.d/backup'))).mode & 0o7777).toBe(0o600);
  });

  it('capture for this host only: the file goes into etc/files and every other host excludes it', async () => {
    await put(onHost('db1', 'etc/mysql/conf.d/tuning.cnf'), '[mysqld]\ninnodb_buffer_pool_size=8G\n');
    const res = await konf(['adopt', 'db1', '/etc/mysql/conf.d/tuning.cnf', '--to', 'repo', '--this-host-only', '--yes']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).not.toMatch(/Other hosts this changes/);
    expect(res.stdout).toContain('Left out by an exclude line (never written there): web1, web2');
    for (const other of ['web1', 'web2']) {
      expect(await readFile(path.join(repo, `etc/serverconfig/exclude/${other}`), 'utf8')).toMatch(/# only on db1 \(konf adopt\): \/etc\/mysql\/conf\.d\/tuning\.cnf, by alice@\S+ on .* UTC\n\/etc\/mysql\/conf\.d\/tuning\.cnf\n$/);
    }
    const doc = await diffJson('web1', 'web2', 'db1');
    for (const h of doc.hosts) expect(h.pending, h.host).toBe(0);
    expect(fileOf(doc, 'web1', '/etc/mysql/conf.d/tuning.cnf')?.kind).toBe('excluded');
    git('add', '-A');
    git('commit', '-q', '-m', 'tuning on db1');
  });

  it('revert instead: konf deploy HOST --only PATH writes that file only (snapshot first, journal, the other drift left alone)', async () => {
    await put(onHost('web2', 'etc/motd'), 'hand edit 1\n');
    await put(onHost('web2', 'etc/issue'), 'hand edit 2\n');
    const dry = await konf(['deploy', 'web2', '--only', '/etc/motd', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would write \/etc\/motd/);
    expect(dry.stdout).not.toMatch(/\/etc\/issue/);
    const res = await konf(['deploy', 'web2', '--only', '/etc/motd', '--yes', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const events = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; file?: string; phase?: string; text?: string; changed?: string[] });
    expect(events.filter((e) => e.type === 'file').map((e) => e.file)).toEqual(['/etc/motd']);
    expect(events.find((e) => e.type === 'host-result')?.changed).toEqual(['/etc/motd']);
    expect(events.some((e) => e.phase === 'snapshot')).toBe(true);
    expect(await readFile(onHost('web2', 'etc/motd'), 'utf8')).toBe('welcome to the fleet\nmaintenance on sundays\n');
    expect(await readFile(onHost('web2', 'etc/issue'), 'utf8')).toBe('hand edit 2\n');
    const doc = await diffJson('web2');
    expect(fileOf(doc, 'web2', '/etc/issue')?.state).toBe('drifted');
    expect(doc.hosts[0]?.pending).toBe(1);
    const hist = JSON.parse((await konf(['history', 'web2', '--json'])).stdout) as { reason: string; changed: string[] }[];
    expect(hist[0]?.reason).toBe('pre-deploy');
    // No lock, no journal left: only the host's deployed record (issue 15), which still says /etc/issue is drifted (above).
    expect(await readdir(onHost('web2', 'var/lib/konf'))).toEqual(['deployed.json']);
    await konf(['deploy', 'web2', '--yes']);
  });

  it('bad input exits 2 and writes nothing anywhere: outside the root, unknown host, excluded file, konf reserved space, --only on an unplanned or excluded file', async () => {
    await put(onHost('web1', 'etc/motd'), 'drifted again\n');
    await mkdir(path.join(tmp, 'elsewhere'), { recursive: true });
    await put(path.join(tmp, 'elsewhere/passwd'), 'root:x:0:0\n');
    await symlink(path.join(tmp, 'elsewhere'), onHost('web1', 'etc/evil'));
    const before = await everything();
    const cases: [string[], RegExp][] = [
      [['adopt', 'web1', '../etc/passwd', '--to', 'repo', '--yes'], /is not absolute/],
      [['adopt', 'web1', '/etc/../../../passwd', '--to', 'repo', '--yes'], /`\.\.` component/],
      [['adopt', 'web1', '/etc/evil/passwd', '--to', 'repo', '--yes'], /resolves outside konf_root/],
      [['adopt', 'nosuch', '/etc/motd', '--to', 'repo', '--yes'], /unknown host .*nosuch.*known hosts: db1, web1, web2/],
      [['adopt', 'db1', '/etc/ntp.conf', '--to', 'repo', '--yes'], /\/etc\/ntp\.conf is excluded on db1 \(rule \/etc\/ntp\.conf at etc\/serverconfig\/exclude\/db1:2\)/],
      [['adopt', 'db1', '/etc/ntp.conf', '--to', 'exclude', '--yes'], /is excluded on db1 .*kept on this host already/],
      [['adopt', 'web1', '/var/lib/konf/lock', '--to', 'repo', '--yes'], /reserved for konf/],
      [['adopt', 'web1', '/etc/.konf-tmp-x', '--to', 'exclude', '--yes'], /reserved for konf/],
      [['adopt', 'web1', '/etc/nothing-here', '--to', 'repo', '--yes'], /does not exist on web1/],
      [['adopt', 'web1', '/etc/nothing-here', '--to', 'exclude', '--yes'], /not managed on web1/],
      [['adopt', 'web1', '/etc', '--to', 'repo', '--yes'], /is a folder on web1/],
      [['adopt', 'web1', '/etc/motd', '--to', 'everywhere', '--yes'], /--to takes repo or exclude/],
      [['adopt', 'web1', '/etc/motd', '--to', 'repo'], /needs confirmation/],
      [['deploy', 'web1', '--only', '/etc/nothing-here', '--yes'], /--only \/etc\/nothing-here: not planned on web1/],
      [['deploy', 'db1', '--only', '/etc/ntp.conf', '--yes'], /--only \/etc\/ntp\.conf: excluded on db1/],
      [['deploy', 'web1', '--only', 'etc/motd', '--yes'], /is not absolute/],
    ];
    for (const [args, message] of cases) {
      const res = await konf(args);
      expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(await everything(), args.join(' ')).toEqual(before);
    }
    await rm(onHost('web1', 'etc/evil'));
    await konf(['deploy', 'web1', '--yes']);
  });
});
