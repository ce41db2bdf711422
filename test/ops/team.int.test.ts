/**
 * Issue 15: several admins on several jump hosts. Two state folders (jump hosts A and B)
 * work on one real sshd fleet and share one bare git remote, reached over ssh on a real
 * sshd of its own (`gitserver`, a second test fleet) as `store_remote` in etc/konf.conf:
 * A deploys, B sees the host in sync and A's snapshot, B rolls A's deploy back; A and B
 * snapshot different hosts at once and both land; the git server stopped → operations
 * still work with a warning, and catch up when it is back. Through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';
import { OpsRuntime } from '../../src/core/ops/runtime.js';
import { openFleetSession } from '../../src/core/ops/fleetSession.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

interface Snap {
  id: string;
  reason: string;
  op: string;
}

interface AuditLine {
  op: string;
  kind: string;
  start: string;
  results: Record<string, { outcome: string }>;
}

describe('two jump hosts sharing one snapshot store', { timeout: 240_000 }, () => {
  let fleet: TestFleet;
  let git: TestFleet;
  let tmp: string;
  let repo: string;
  let shared: string;
  let env: Record<string, string>;
  const jump = (name: 'A' | 'B') => (args: string[]) => runKonf(['--repo', repo, '--state', path.join(tmp, `jump${name}`), ...args], { env });
  const A = jump('A');
  const B = jump('B');
  const onHost = (host: string, p: string) => path.join(fleet.host(host).root, p);
  const remoteRef = (ref: string) => execFileSync('git', ['--git-dir', shared, 'rev-parse', '--verify', '--quiet', ref], { encoding: 'utf8' }).trim();
  const history = async (konf: ReturnType<typeof jump>, host: string) => JSON.parse((await konf(['history', host, '--json'])).stdout) as Snap[];

  beforeAll(async () => {
    await ensureBuilt();
    [fleet, git] = await Promise.all([startTestFleet({ hosts: ['web1', 'db1'] }), startTestFleet({ hosts: ['gitserver'] })]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-team-'));
    shared = path.join(tmp, 'shared.git');
    execFileSync('git', ['init', '--bare', '--quiet', shared]);
    // git reaches the remote with ssh as the admins' jump hosts would; here through the git server fleet's config.
    env = { GIT_SSH_COMMAND: `ssh -F ${git.sshConfig}` };
    repo = path.join(tmp, 'repo');
    await put(path.join(repo, 'etc/serverconfig/default'), 'greeting="hello"\n');
    await put(path.join(repo, 'etc/serverconfig/web1'), '');
    await put(path.join(repo, 'etc/serverconfig/db1'), '');
    await put(path.join(repo, 'etc/files/etc/app/app.conf.tmpl'), 'greeting={{ greeting }} from {{ konf_host }}\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await put(path.join(repo, 'etc/konf.conf'), `# the team's snapshot store\nstore_remote = gitserver:${shared}\nstore_timeout = 5\n`);
    await bindRepoToFleet(repo, fleet);
    for (const host of ['web1', 'db1']) await put(onHost(host, 'etc/app/app.conf'), `greeting=old on ${host}\n`, 0o640);
  });

  afterAll(async () => {
    await Promise.all([fleet?.stop(), git?.stop()]);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("A deploys; B sees web1 in sync and A's snapshot, and rolls A's deploy back; A sees B's rollback", async () => {
    const dep = await A(['deploy', 'web1', '--yes', '--json']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    const events = dep.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; snapshot?: string; phase?: string; level?: string; text?: string });
    const preDeploy = events.find((e) => e.type === 'host-result')?.snapshot as string;
    expect(preDeploy).toMatch(/^[0-9a-f]{40}$/);
    expect(events.filter((e) => e.phase === 'sync' && e.level === 'warn')).toEqual([]);
    expect(events.some((e) => e.phase === 'sync' && /^shared with gitserver:.*: 1 host history/.test(e.text ?? ''))).toBe(true);
    // The snapshot is on the shared remote as web1's ref.
    expect(remoteRef('refs/konf/hosts/web1')).toBe(preDeploy);

    // B never deployed: web1 is in sync for B, not drifted.
    const diff = await B(['diff', 'web1']);
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect((await B(['diff', 'web1', '--drift'])).code).toBe(0);
    // B's history (fetched first) holds A's snapshot, with its id.
    expect((await history(B, 'web1')).map((s) => s.id)).toEqual([preDeploy]);

    // B rolls A's deploy back (its newest pre-deploy snapshot, which B only has from the remote).
    const rb = await B(['rollback', 'web1', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(await readFile(onHost('web1', 'etc/app/app.conf'), 'utf8')).toBe('greeting=old on web1\n');
    // A sees B's pre-rollback snapshot on top of its own: one linear history.
    const seenByA = await history(A, 'web1');
    expect(seenByA.map((s) => s.reason)).toEqual(['pre-rollback', 'pre-deploy']);
    expect(seenByA[1]?.id).toBe(preDeploy);
    expect(execFileSync('git', ['--git-dir', shared, 'rev-parse', 'refs/konf/hosts/web1^'], { encoding: 'utf8' }).trim()).toBe(preDeploy);
    // And A judges the host from its record: B's rollback wrote it, so nothing is drifted.
    expect((await A(['diff', 'web1', '--drift'])).code).toBe(0);

    // Both jump hosts' audit logs, merged by time, on either one.
    for (const konf of [A, B]) {
      const log = await konf(['log', '--json']);
      expect(log.code, log.stderr).toBe(0);
      const lines = log.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
      expect(lines.map((l) => l.kind)).toEqual(['deploy', 'rollback']);
      expect(lines[0]!.start <= lines[1]!.start).toBe(true);
    }
  });

  it('a broken etc/konf.conf stops a deploy before any host is contacted (exit 2, file:line)', async () => {
    const conf = path.join(repo, 'etc/konf.conf');
    const good = await readFile(conf, 'utf8');
    await put(path.join(repo, 'etc/serverconfig/default'), 'greeting="not deployed"\n');
    try {
      await writeFile(conf, `${good}store_remote = elsewhere.git\n`);
      const dep = await A(['deploy', 'web1', '--yes']);
      expect(dep.code).toBe(2);
      expect(dep.stderr).toContain('etc/konf.conf:4: `store_remote` is set twice (first on line 2)');
      expect(await readFile(onHost('web1', 'etc/app/app.conf'), 'utf8')).toBe('greeting=old on web1\n');
    } finally {
      await writeFile(conf, good);
      await put(path.join(repo, 'etc/serverconfig/default'), 'greeting="hello"\n');
    }
  });

  it('A and B snapshot different hosts at the same time: both land', async () => {
    const [a, b] = await Promise.all([A(['snapshot', 'web1', '--json']), B(['snapshot', 'db1', '--json'])]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const idOf = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; snapshot?: string }).find((e) => e.type === 'host-result')?.snapshot;
    expect(remoteRef('refs/konf/hosts/web1')).toBe(idOf(a.stdout));
    expect(remoteRef('refs/konf/hosts/db1')).toBe(idOf(b.stdout));
    expect((await history(A, 'db1'))[0]?.id).toBe(idOf(b.stdout));
    expect((await history(B, 'web1'))[0]?.id).toBe(idOf(a.stdout));
  });

  it("B rebuilds a host from a snapshot A took (only the shared store has it) and shares its pre-rebuild snapshot", async () => {
    const a = await A(['snapshot', 'db1', '--json']);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const idOf = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; snapshot?: string }).find((e) => e.type === 'host-result')?.snapshot as string;
    const id = idOf(a.stdout);
    const b = await B(['rebuild', 'db1', id.slice(0, 12), '--yes', '--json']);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.stdout).toContain(`rebuilding from snapshot ${id.slice(0, 10)}`);
    // The rebuild's own pre-rebuild snapshot is on the shared remote, on top of A's.
    const pre = idOf(b.stdout);
    expect(pre).toBeDefined();
    expect(remoteRef('refs/konf/hosts/db1')).toBe(pre);
    expect((await history(A, 'db1')).map((s) => s.id).slice(0, 2)).toEqual([pre, id]);
  });

  it('the git server is down: operations work with a warning; the next run catches up', async () => {
    await git.stopHost('gitserver');
    let offlineSnapshot: string;
    try {
      await put(path.join(repo, 'etc/serverconfig/default'), 'greeting="hello again"\n');
      const dep = await A(['deploy', 'web1', '--yes']);
      expect(dep.code, dep.stdout + dep.stderr).toBe(0);
      expect(dep.stdout).toMatch(/could not fetch from the shared snapshot store gitserver:.* \(etc\/konf\.conf:2\): .*: working with this jump host's snapshots only/);
      expect(dep.stdout).toMatch(/could not push \d+ ref\(s\) to the shared snapshot store .*; they stay queued and the next konf run pushes them/);
      // The deploy's own outcome is said first and stands (exit 0); the push's failure is a warning after it.
      expect(dep.stdout).toMatch(/^done: .*\n(.*\n)*.*could not push /m);
      expect(dep.stdout).not.toMatch(/^failed: /m);
      expect(await readFile(onHost('web1', 'etc/app/app.conf'), 'utf8')).toBe('greeting=hello again from web1\n');
      offlineSnapshot = (await history(A, 'web1'))[0]!.id;
      // B still works (its own view), says why, and does not see A's offline deploy yet.
      const hist = await B(['history', 'web1']);
      expect(hist.code).toBe(0);
      expect(hist.stderr).toMatch(/konf: warning: could not fetch from the shared snapshot store/);
      expect(hist.stdout).not.toContain(offlineSnapshot.slice(0, 10));
      // Drift is judged from the host, git server or not.
      expect((await B(['diff', 'web1'])).code).toBe(0);
    } finally {
      await git.startHost('gitserver');
    }
    // The next run of A (any operation) pushes what was queued.
    const snap = await A(['snapshot', 'db1']);
    expect(snap.code, snap.stdout + snap.stderr).toBe(0);
    expect(snap.stdout).not.toMatch(/could not/);
    const onRemote = execFileSync('git', ['--git-dir', shared, 'log', '--format=%H', 'refs/konf/hosts/web1'], { encoding: 'utf8' }).split('\n');
    expect(onRemote).toContain(offlineSnapshot);
    expect((await history(B, 'web1')).map((s) => s.id)).toContain(offlineSnapshot);
    // A's offline deploy reaches B's log too.
    const log = (await B(['log', '--json', '--host', 'web1'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditLine);
    expect(log.map((l) => l.kind)).toEqual(['deploy', 'rollback', 'snapshot', 'deploy']);
  });

  it("the console's History fetches the host's ref first; a remote that does not answer is given up after store_timeout, with a warning and this jump host's history", async () => {
    // B's console: the same fleet session the console opens, in this process (git reaches the git server as the CLI runs do).
    const saved = process.env.GIT_SSH_COMMAND;
    const withSsh = async <T>(command: string, run: () => Promise<T>): Promise<T> => {
      process.env.GIT_SSH_COMMAND = command;
      try {
        return await run();
      } finally {
        if (saved === undefined) delete process.env.GIT_SSH_COMMAND;
        else process.env.GIT_SSH_COMMAND = saved;
      }
    };
    const consoleOfB = async () => {
      const rt = await OpsRuntime.open({ repo, stateDir: path.join(tmp, 'jumpB') });
      return { rt, session: await openFleetSession(rt) };
    };
    const idOf = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; snapshot?: string }).find((e) => e.type === 'host-result')?.snapshot as string;

    const first = await A(['snapshot', 'web1', '--json', '--message', 'seen by B']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const b1 = await consoleOfB();
    try {
      const warnings: string[] = [];
      const list = await withSsh(env.GIT_SSH_COMMAND as string, () => b1.session.history('web1', { onWarning: (w) => warnings.push(w) }));
      expect(warnings).toEqual([]);
      expect(list[0]?.id).toBe(idOf(first.stdout));
    } finally {
      await b1.rt.close();
    }

    // The git server accepts the connection and never answers (an ssh that hangs).
    const second = await A(['snapshot', 'web1', '--json']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const hang = path.join(tmp, 'hang-ssh');
    await put(hang, '#!/bin/sh\nexec sleep 60\n', 0o755);
    const b2 = await consoleOfB();
    try {
      const warnings: string[] = [];
      const t0 = Date.now();
      const list = await withSsh(hang, () => b2.session.history('web1', { onWarning: (w) => warnings.push(w) }));
      // store_timeout is 5 s in etc/konf.conf; the bound is generous for a loaded machine, far below the hang.
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(warnings).toEqual([expect.stringMatching(/^could not fetch from the shared snapshot store gitserver:.* \(etc\/konf\.conf:2\): no answer within 5 s: working with this jump host's snapshots only$/)]);
      // What B had: A's first snapshot on top, not the one B could not fetch.
      expect(list[0]?.id).toBe(idOf(first.stdout));
      expect(list.map((s) => s.id)).not.toContain(idOf(second.stdout));
    } finally {
      await b2.rt.close();
    }
  });
});
