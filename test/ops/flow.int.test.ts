/**
 * End to end through the built CLI, against a real OpenSSH test fleet and a real git store:
 * drift → diff → deploy → diff → history → rollback, excludes, failing hooks, killed
 * connections, concurrent deploys, broken templates, HTML report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as spawnKonf } from '../helpers/konfBin.js';
import { konf as runKonf } from '../helpers/konfInProcess.js';
import { filesOf, readTree } from '../helpers/tree.js';

async function put(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}

describe('konf operations against a real fleet', () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  /**
   * The built binary, for what needs a process of its own: a lock held by another konf
   * (the holder's pid is checked), a konf that dies and leaves a stale lock behind.
   */
  const konfProcess = (args: string[], opts: { timeoutMs?: number } = {}) => spawnKonf(['--repo', repo, '--state', state, ...args], opts);
  const root = (host: string) => fleet.host(host).root;

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1', 'web2', 'db1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-flow-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    const etc = path.join(repo, 'etc');
    await put(path.join(etc, 'serverconfig/default'), 'greeting="hello"\nworkers=2\n');
    await put(path.join(etc, 'serverconfig/web1'), 'workers=4\n');
    await put(path.join(etc, 'serverconfig/web2'), '');
    await put(path.join(etc, 'serverconfig/db1'), '');
    await put(path.join(etc, 'serverconfig/exclude/web2'), '# local tuning stays local\n/etc/app/local.conf\n');
    await put(path.join(etc, 'files/etc/app/app.conf.tmpl'), 'greeting={{ greeting }}\nworkers={{ workers }}\n');
    await put(path.join(etc, 'files/etc/app/local.conf'), 'local default\n');
    await put(path.join(etc, 'files/etc/app/secret.conf'), 'token=abc\n');
    await put(path.join(etc, 'files/etc/motd'), 'welcome to the fleet\n');
    await mkdir(path.join(etc, 'files/etc/app/conf.d'), { recursive: true });
    await symlink('../app.conf', path.join(etc, 'files/etc/app/conf.d/main.conf'));
    await put(path.join(etc, 'permissions'), '/etc/app/secret.conf 0600\n/etc/motd 0644\n');
    await put(
      path.join(repo, 'hooks/post-deploy/10-check'),
      '#!/bin/sh\nif [ -f "$KONF_ROOT/etc/app/fail-post" ]; then echo "post-deploy check failed on $KONF_HOST" >&2; exit 1; fi\necho "checked $KONF_HOST: $KONF_CHANGED" | head -1\n',
      0o755,
    );
    await put(
      path.join(repo, 'hooks/pre-deploy/10-wait'),
      '#!/bin/sh\nwhile [ -f "$KONF_ROOT/etc/app/hold" ]; do sleep 0.05; done\necho "pre-deploy on $KONF_HOST"\n',
      0o755,
    );
    await bindRepoToFleet(repo, fleet);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('diff shows drift (exit 1), deploy fixes it, diff is clean (exit 0), rollback restores every byte and mode', async () => {
    // web1 holds an older, drifted copy.
    await put(path.join(root('web1'), 'etc/app/app.conf'), 'greeting=hi\nworkers=1\n', 0o640);
    await put(path.join(root('web1'), 'etc/motd'), 'old motd\n', 0o600);
    const before = filesOf(await readTree(root('web1')));

    const diff = await konf(['diff', 'web1', '--json']);
    expect(diff.code, diff.stderr).toBe(1);
    const doc = JSON.parse(diff.stdout) as { hosts: { host: string; files: { path: string; kind: string }[] }[] };
    const kinds = Object.fromEntries(doc.hosts[0]!.files.map((f) => [f.path, f.kind]));
    expect(kinds['/etc/app/app.conf']).toBe('modified');
    expect(kinds['/etc/app/secret.conf']).toBe('new');
    expect(kinds['/etc/app/conf.d/main.conf']).toBe('new');

    const human = await konf(['diff', 'web1']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('-greeting=hi');
    expect(human.stdout).toContain('+greeting=hello');
    expect(human.stdout).toContain('+workers=4');

    const dep = await konf(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect(dep.stdout).toMatch(/checked web1/);
    expect(await readFile(path.join(root('web1'), 'etc/app/app.conf'), 'utf8')).toBe('greeting=hello\nworkers=4\n');
    expect((await stat(path.join(root('web1'), 'etc/app/secret.conf'))).mode & 0o7777).toBe(0o600);
    expect((await stat(path.join(root('web1'), 'etc/motd'))).mode & 0o7777).toBe(0o644);

    const clean = await konf(['diff', 'web1']);
    expect(clean.code, clean.stdout).toBe(0);

    const hist = await konf(['history', 'web1', '--json']);
    expect(hist.code).toBe(0);
    const snaps = JSON.parse(hist.stdout) as { id: string; reason: string; operator: string }[];
    expect(snaps[0]?.reason).toBe('pre-deploy');

    const rb = await konf(['rollback', 'web1', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(filesOf(await readTree(root('web1')))).toEqual(before);

    // the rollback itself was snapshotted first, so it can be undone
    const hist2 = JSON.parse((await konf(['history', 'web1', '--json'])).stdout) as { reason: string }[];
    expect(hist2[0]?.reason).toBe('pre-rollback');

    const log = await konf(['log', '--host', 'web1', '--json']);
    expect(log.code).toBe(0);
    const records = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(records.map((r) => r.kind)).toEqual(expect.arrayContaining(['deploy', 'rollback']));
  });

  it('never touches an excluded file, even when it differs', async () => {
    const local = path.join(root('web2'), 'etc/app/local.conf');
    await put(local, 'tuned by hand\n', 0o600);
    const st = await stat(local);
    const dep = await konf(['deploy', 'web2', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect(await readFile(local, 'utf8')).toBe('tuned by hand\n');
    const after = await stat(local);
    expect(after.mtimeMs).toBe(st.mtimeMs);
    expect(after.mode & 0o7777).toBe(0o600);
    const diff = await konf(['diff', 'web2', '--json']);
    const doc = JSON.parse(diff.stdout) as { hosts: { files: { path: string; kind: string }[] }[] };
    expect(doc.hosts[0]!.files.find((f) => f.path === '/etc/app/local.conf')?.kind).toBe('excluded');
    expect(diff.code).toBe(0);
  });

  it('a failing post-deploy hook leaves the host exactly as before the deploy', async () => {
    await put(path.join(root('db1'), 'etc/app/app.conf'), 'greeting=old\n', 0o644);
    await put(path.join(root('db1'), 'etc/app/fail-post'), 'x');
    const before = filesOf(await readTree(root('db1')));
    const dep = await konf(['deploy', 'db1', '--yes']);
    expect(dep.code).toBe(3);
    expect(dep.stdout + dep.stderr).toMatch(/post-deploy check failed on db1/);
    expect(dep.stdout + dep.stderr).toMatch(/restored/);
    expect(filesOf(await readTree(root('db1')))).toEqual(before);
    await rm(path.join(root('db1'), 'etc/app/fail-post'));
  });

  it('two concurrent deploys to one host: the second gets the lock message and changes nothing', async () => {
    await put(path.join(root('db1'), 'etc/app/app.conf'), 'greeting=older\n');
    await put(path.join(root('db1'), 'etc/app/hold'), 'x');
    const first = konfProcess(['deploy', 'db1', '--yes']);
    const lockFile = path.join(root('db1'), 'var/lib/konf/lock');
    await waitFor(() => existsSync(lockFile));
    const second = await konf(['deploy', 'db1', '--yes']);
    expect(second.code).toBe(3);
    expect(second.stdout + second.stderr).toMatch(/locked by \S+ .*since/);
    await rm(path.join(root('db1'), 'etc/app/hold'));
    const r1 = await first;
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a connection killed mid-deploy leaves no partial file, and the host is reported', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 'a');
    await put(path.join(repo, 'etc/files/srv/big.bin'), big);
    const target = path.join(root('web2'), 'srv/big.bin');
    await put(target, 'old small content\n');
    try {
      // inotify sees konf's temp file appear next to the target; then the host's sshd is killed.
      const { watch } = await import('node:fs');
      let sawTemp!: () => void;
      const tempSeen = new Promise<void>((resolve) => (sawTemp = resolve));
      const watcher = watch(path.dirname(target), (_event, name) => {
        if (name?.startsWith('.konf-tmp')) sawTemp();
      });
      const run = konfProcess(['deploy', 'web2', '--yes'], { timeoutMs: 120_000 });
      const first = await Promise.race([tempSeen.then(() => 'temp' as const), run.then(() => 'finished' as const)]);
      watcher.close();
      expect(first, 'the deploy finished before its temp file was seen').toBe('temp');
      await fleet.stopHost('web2');
      const res = await run;
      // konf cannot reach web2 to check or restore it: exit 4, and its journal (if it got
      // that far) puts it back on the next run.
      expect(res.code).toBe(4);
      expect(res.stdout + res.stderr).toMatch(/web2 .*could not restore it now .*the next konf deploy or rollback of web2/);
      const content = await readFile(target);
      expect(content.equals(Buffer.from('old small content\n')) || content.equals(big)).toBe(true);
      // Back up: the next deploy takes the dead run's lock over and completes.
      await fleet.startHost('web2');
      await bindRepoToFleet(repo, fleet);
      const next = await konf(['deploy', 'web2', '--yes']);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stdout).toMatch(/took over a stale lock/);
      expect((await readFile(target)).equals(big)).toBe(true);
    } finally {
      await fleet.startHost('web2');
      await bindRepoToFleet(repo, fleet);
      await rm(path.join(repo, 'etc/files/srv'), { recursive: true, force: true });
    }
  });

  it('a malformed template fails before any host is contacted', async () => {
    const tmpl = path.join(repo, 'etc/files/etc/app/app.conf.tmpl');
    const good = await readFile(tmpl, 'utf8');
    await writeFile(tmpl, 'greeting={{ greeting }\n');
    const snapsBefore = (await konf(['history', 'web1', '--json'])).stdout;
    try {
      await put(path.join(root('web1'), 'etc/app/app.conf'), 'drifted again\n');
      const dep = await konf(['deploy', '--all', '--yes']);
      expect(dep.code).toBe(2);
      expect(dep.stderr).toMatch(/app\.conf\.tmpl:1/);
      expect(await readFile(path.join(root('web1'), 'etc/app/app.conf'), 'utf8')).toBe('drifted again\n');
      expect((await konf(['history', 'web1', '--json'])).stdout).toBe(snapsBefore);
    } finally {
      await writeFile(tmpl, good);
    }
  });

  it('writes an HTML report with every host', async () => {
    const report = path.join(tmp, 'report.html');
    const res = await konf(['diff', '--all', '--html', report]);
    expect([0, 1]).toContain(res.code);
    const html = await readFile(report, 'utf8');
    for (const h of ['web1', 'web2', 'db1']) expect(html).toContain(`>${h}<`);
    expect(html).not.toMatch(/<link\b|<script\s+src/);
  });
});
