/**
 * Interruptions end consistent (issue 10, items 3 and 6), through the built CLI against a
 * real OpenSSH fleet: a closed output (`| head -1`, a reader gone mid-hook), SIGINT,
 * SIGTERM and SIGHUP mid-deploy, SIGKILL of konf between two renames and during the post
 * hooks (the next deploy recovers from the host's journal), stale and foreign locks, and
 * a connection cut between two renames of a 100-file deploy (the host read back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { descendants } from '../../src/testfleet/processTree.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { readAudit, type AuditRecord } from '../../src/core/ops/audit.js';
import { ensureBuilt, KONF_MAIN, konf as runKonf } from '../helpers/konfBin.js';
import { filesOf, readTree } from '../helpers/tree.js';
import { slowRenames, type SlowRenames } from '../helpers/slowRenames.js';
import { processGone } from '../helpers/tmux.js';

async function put(file: string, content: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

/** Every konf temp or backup left anywhere under root. */
function leftovers(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.name.startsWith('.konf-tmp-')) out.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** Pids of konf's write scripts running on the test hosts (their shells, `sh -c 'eval "$(head -c N)"'`). */
/** konf's scripts running on the fleet's hosts now: below the fleet's sshd (other test files run scripts of their own at the same time). */
function hostScripts(fleet: TestFleet): number[] {
  return fleet.sshdPids().flatMap((sshd) =>
    descendants(sshd).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('eval "$(head -c');
      } catch {
        return false;
      }
    }),
  );
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout text matching (checked as output arrives). */
  seen: (re: RegExp) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('interrupted operations end consistent', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  let slow: SlowRenames;
  const root = (host: string) => fleet.host(host).root;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args], { timeoutMs: 120_000 });
  const lockFile = (host: string) => path.join(root(host), 'var/lib/konf/lock');
  const journalFile = (host: string) => path.join(root(host), 'var/lib/konf/journal');

  function start(args: string[]): Running {
    const child = spawn(process.execPath, [KONF_MAIN, '--repo', repo, '--state', state, ...args], {
      env: { ...process.env, KONF_REPO: undefined, KONF_STATE: undefined, NO_COLOR: '1', KONF_CONFIG_DIR: '/nonexistent-konf-config' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const waiters: { re: RegExp; resolve: () => void }[] = [];
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of [...waiters]) if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    child.stdout!.on('error', () => undefined);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    return {
      child,
      stdout: () => out,
      stderr: () => err,
      seen: (re) =>
        new Promise<void>((resolve, reject) => {
          if (re.test(out)) return resolve();
          waiters.push({ re, resolve });
          void done.then(() => reject(new Error(`konf ended before ${re} appeared:\n${out}\n${err}`)));
        }),
      done,
    };
  }

  /** The host's files konf manages (test markers and konf's own folder left out). */
  /** The 100 files of the many-file deploy: 25 folders of 4 (a folder's files are renamed by one mv). */
  const manyPath = (i: number) => `srv/many/g${String(i % 25).padStart(2, '0')}/m${String(i).padStart(3, '0')}`;
  const managed = async (host: string) => filesOf(await readTree(root(host), ['/var/lib/konf', '/hold-post', '/post-rollback.log', '/hold-rollback', '/rb-started']));

  /** Resolves when `name` appears in the host's root folder (inotify). */
  function appears(host: string, name: string): { promise: Promise<void>; close: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const watcher = watch(root(host), (_event, file) => {
      if (file === name) resolve();
    });
    if (existsSync(path.join(root(host), name))) resolve();
    return { promise, close: () => watcher.close() };
  }

  async function lastAudit(host: string): Promise<AuditRecord> {
    const records = await readAudit(state, { host });
    const last = records[records.length - 1];
    if (!last) throw new Error(`no audit record for ${host}`);
    return last;
  }

  /** Puts the host's files back to an old state (and no marker files). */
  async function oldState(host: string, files = 5): Promise<void> {
    await rm(path.join(root(host), 'etc/app'), { recursive: true, force: true });
    for (let i = 0; i < files; i++) await put(path.join(root(host), `etc/app/f${i}.conf`), `old ${i} on ${host}\n`, 0o640);
  }

  beforeAll(async () => {
    await ensureBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-interrupts-'));
    slow = await slowRenames(path.join(tmp, 'slow'));
    fleet = await startTestFleet({ hosts: ['web1', 'web2', 'db1'], env: slow.env });
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    const etc = path.join(repo, 'etc');
    await put(path.join(etc, 'serverconfig/default'), 'greeting="hello"\n');
    for (const h of ['web1', 'web2', 'db1']) await put(path.join(etc, 'serverconfig', h), '');
    for (let i = 0; i < 5; i++) await put(path.join(etc, `files/etc/app/f${i}.conf.tmpl`), `new ${i} on {{ konf_host }}: {{ greeting }}\n`);
    // db1 gets 100 files.
    await put(path.join(etc, 'serverconfig/exclude/web1'), '/srv/many\n');
    await put(path.join(etc, 'serverconfig/exclude/web2'), '/srv/many\n');
    for (let i = 0; i < 100; i++) await put(path.join(etc, `files/${manyPath(i)}`), `new many ${i}\n`);
    // A slow post-deploy hook: while $KONF_ROOT/hold-post exists it says so every 0.1 s.
    await put(
      path.join(repo, 'hooks/post-deploy/10-slow'),
      '#!/bin/sh\nif [ -f "$KONF_ROOT/hold-post" ]; then echo "post-deploy waiting on $KONF_HOST"; while [ -f "$KONF_ROOT/hold-post" ]; do echo "still waiting"; sleep 0.1; done; fi\necho "post-deploy done on $KONF_HOST"\n',
      0o755,
    );
    // The post-rollback hook logs what it was given; while $KONF_ROOT/hold-rollback exists it says it started and waits.
    await put(
      path.join(repo, 'hooks/post-rollback/10-mark'),
      '#!/bin/sh\necho "$KONF_OP $KONF_CHANGED" >> "$KONF_ROOT/post-rollback.log"\nif [ -f "$KONF_ROOT/hold-rollback" ]; then : > "$KONF_ROOT/rb-started"; while [ -f "$KONF_ROOT/hold-rollback" ]; do sleep 0.1; done; fi\n',
      0o755,
    );
    await bindRepoToFleet(repo, fleet);
  });

  afterAll(async () => {
    await slow?.disarm().catch(() => undefined);
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('`konf deploy web2 --yes | head -1`: not 0, no lock left, nothing half written, the audit log says how web2 ended', async () => {
    await oldState('web2');
    const before = (await managed('web2'));
    await put(path.join(root('web2'), 'hold-post'), 'x');
    try {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${KONF_MAIN}" --repo "${repo}" --state "${state}" deploy web2 --yes | head -1; echo "konf-exit=\${PIPESTATUS[0]}" >&2`], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KONF_CONFIG_DIR: '/nonexistent-konf-config' },
        timeout: 120_000,
      });
      const code = Number(/konf-exit=(\d+)/.exec(r.stderr)?.[1]);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      expect(code, r.stderr).toBe(141);
      expect(existsSync(lockFile('web2'))).toBe(false);
      expect(existsSync(journalFile('web2'))).toBe(false);
      const after = (await managed('web2'));
      // head -1 closes after the first line: web2 stops before its first write.
      expect(after).toEqual(before);
      const audit = await lastAudit('web2');
      expect(audit).toMatchObject({ kind: 'deploy', status: 'interrupted', ok: false });
      expect(audit.results.web2?.outcome).toBe('skipped');
      expect(audit.results.web2?.text).toMatch(/closed output: stopped before any change/);
    } finally {
      await rm(path.join(root('web2'), 'hold-post'), { force: true });
    }
  });

  it('the output closed while the post-deploy hook runs: the files are put back and verified, exit 141', async () => {
    await oldState('web2');
    const before = (await managed('web2'));
    await put(path.join(root('web2'), 'hold-post'), 'x');
    try {
      const run = start(['deploy', 'web2', '--yes']);
      await run.seen(/post-deploy waiting on web2/);
      run.child.stdout!.destroy();
      const { code } = await run.done;
      expect(code, run.stderr()).toBe(141);
      expect((await managed('web2'))).toEqual(before);
      expect(existsSync(lockFile('web2'))).toBe(false);
      expect(existsSync(journalFile('web2'))).toBe(false);
      expect(leftovers(root('web2'))).toEqual([]);
      const audit = await lastAudit('web2');
      expect(audit.status).toBe('interrupted');
      expect(audit.results.web2).toMatchObject({ outcome: 'restored' });
      expect(audit.results.web2?.text).toMatch(/interrupted \(closed output\).*|restored \(verified\)/);
      expect(audit.results.web2?.text).toMatch(/verified/);
    } finally {
      await rm(path.join(root('web2'), 'hold-post'), { force: true });
    }
  });

  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} while the post-deploy hook runs: the host is put back and verified, the lock released, exit ${exit}`, async () => {
      await oldState('web1');
      const before = (await managed('web1'));
      await put(path.join(root('web1'), 'hold-post'), 'x');
      try {
        const run = start(['deploy', 'web1', '--yes']);
        await run.seen(/post-deploy waiting on web1/);
        run.child.kill(signal);
        const { code } = await run.done;
        expect(code, run.stdout() + run.stderr()).toBe(exit);
        expect((await managed('web1'))).toEqual(before);
        expect(existsSync(lockFile('web1'))).toBe(false);
        expect(leftovers(root('web1'))).toEqual([]);
        expect(run.stdout()).toMatch(/web1 +✗ failed and restored \(verified\): interrupted/);
        const audit = await lastAudit('web1');
        expect(audit.status).toBe('interrupted');
        expect(audit.results.web1?.outcome).toBe('restored');
      } finally {
        await rm(path.join(root('web1'), 'hold-post'), { force: true });
      }
    });
  }

  it('a second Ctrl-C stops waiting at once: the journal stays, and the next deploy finishes the job', async () => {
    await oldState('web1');
    const before = await managed('web1');
    await put(path.join(root('web1'), 'hold-post'), 'x');
    await put(path.join(root('web1'), 'hold-rollback'), 'x');
    await rm(path.join(root('web1'), 'rb-started'), { force: true });
    const rollbackHook = appears('web1', 'rb-started');
    try {
      const run = start(['deploy', 'web1', '--yes']);
      await run.seen(/post-deploy waiting on web1/);
      run.child.kill('SIGINT');
      // konf puts the files back, then waits for the post-rollback hook: Ctrl-C again.
      await rollbackHook.promise;
      run.child.kill('SIGINT');
      const { code } = await run.done;
      expect(code, run.stdout() + run.stderr()).toBe(130);
      expect(run.stderr()).toMatch(/SIGINT again: not waiting any longer/);
    } finally {
      rollbackHook.close();
      await rm(path.join(root('web1'), 'hold-post'), { force: true });
      await rm(path.join(root('web1'), 'hold-rollback'), { force: true });
    }
    // The files were put back before konf left; its journal and (now stale) lock stay.
    expect(await managed('web1')).toEqual(before);
    expect(existsSync(journalFile('web1'))).toBe(true);
    expect(existsSync(lockFile('web1'))).toBe(true);
    const next = await konf(['deploy', 'web1', '--yes']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/took over a stale lock/);
    expect(next.stdout).toMatch(/recovered the unfinished deploy \S+ of \S+: its files had been put back already, verified against snapshot/);
    expect(readFileSync(path.join(root('web1'), 'etc/app/f0.conf'), 'utf8')).toBe('new 0 on web1: hello\n');
    expect(existsSync(journalFile('web1'))).toBe(false);
    expect(leftovers(root('web1'))).toEqual([]);
  });

  it('a stale lock of a dead konf on this jump host is taken over (and said so); a live one elsewhere is refused with how to break it', async () => {
    await oldState('web1');
    // A konf process of this jump host that is gone.
    const dead = spawnSync('true');
    const ghost = { operator: 'ghost', jumpHost: os.hostname(), pid: dead.pid, operation: 'deploy', opId: 'op-ghost', since: new Date(Date.now() - 600_000).toISOString() };
    await put(lockFile('web1'), `${JSON.stringify(ghost)}\n`);
    const taken = await konf(['deploy', 'web1', '--yes']);
    expect(taken.code, taken.stdout + taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(new RegExp(`took over a stale lock: ghost@${os.hostname()} \\(pid ${dead.pid}, deploy\\) since .* no longer runs on this jump host`));
    expect((await lastAudit('web1')).results.web1?.notes?.join('\n')).toMatch(/took over a stale lock: ghost@/);
    expect(existsSync(lockFile('web1'))).toBe(false);

    // Someone else's lock, on another jump host: refused, nothing written.
    await oldState('web1');
    const before = (await managed('web1'));
    const bob = { operator: 'bob', jumpHost: 'jump9', pid: 4242, operation: 'rollback', opId: 'op-bob', since: new Date(Date.now() - 300_000).toISOString() };
    await put(lockFile('web1'), `${JSON.stringify(bob)}\n`);
    const refused = await konf(['deploy', 'web1', '--yes']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/locked by bob@jump9 \(pid 4242, rollback\) since \S+ \(5 min ago\); if that konf is gone, break the lock with: konf deploy web1 --break-lock/);
    expect((await managed('web1'))).toEqual(before);

    const broken = await konf(['deploy', 'web1', '--yes', '--break-lock']);
    expect(broken.code, broken.stdout + broken.stderr).toBe(0);
    expect(broken.stdout).toMatch(/broke the lock of bob@jump9 \(pid 4242, rollback\)/);
    expect((await lastAudit('web1')).results.web1?.notes?.join('\n')).toMatch(/broke the lock of bob@jump9 \(pid 4242, rollback\)/);
    expect(existsSync(lockFile('web1'))).toBe(false);
  });

  it('SIGKILL of konf after the first rename: the host is old or new, never a mix; the next deploy recovers it and says so', async () => {
    await oldState('web2');
    const oldFiles = (await managed('web2'));
    // Renames go one mv per folder: the journal (call 1), etc/app (2), var/lib/konf (3).
    // Call 3 is held: konf is killed between two renames, with etc/app already new.
    await slow.arm({ hold: 3, delayMs: 0 });
    const run = start(['deploy', 'web2', '--yes']);
    await Promise.race([slow.held(60_000), run.done.then(() => Promise.reject(new Error(`the deploy ended first:\n${run.stdout()}${run.stderr()}`)))]);
    // Held between two renames: etc/app is new already, so the host is a mix right now.
    expect(await managed('web2')).not.toEqual(oldFiles);
    // The deploy's write script on web2 (once konf is gone it is no longer below the sshd).
    const scripts = hostScripts(fleet);
    expect(scripts.length).toBeGreaterThan(0);
    run.child.kill('SIGKILL');
    await run.done;
    await slow.release();
    // The write on the host notices at its next step and puts back what it renamed.
    for (const pid of scripts) expect(await processGone(pid, 30_000)).toBe(true);
    await slow.disarm();
    const afterKill = (await managed('web2'));
    expect(afterKill).toEqual(oldFiles);
    expect(existsSync(lockFile('web2'))).toBe(true);
    expect(existsSync(journalFile('web2'))).toBe(true);

    const next = await konf(['deploy', 'web2', '--yes']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/took over a stale lock/);
    expect(next.stdout).toMatch(/recovered the unfinished deploy \S+ of /);
    const notes = (await lastAudit('web2')).results.web2?.notes?.join('\n') ?? '';
    expect(notes).toMatch(/recovered the unfinished deploy/);
    expect(readFileSync(path.join(root('web2'), 'etc/app/f0.conf'), 'utf8')).toBe('new 0 on web2: hello\n');
    expect(existsSync(lockFile('web2'))).toBe(false);
    expect(existsSync(journalFile('web2'))).toBe(false);
    expect(leftovers(root('web2'))).toEqual([]);
  });

  it('SIGKILL of konf during the post-deploy hook: the next deploy puts the files back (verified), runs the rollback hooks, then deploys', async () => {
    await oldState('web2');
    const oldFiles = filesOf(await readTree(path.join(root('web2'), 'etc')));
    await put(path.join(root('web2'), 'hold-post'), 'x');
    const run = start(['deploy', 'web2', '--yes']);
    await run.seen(/post-deploy waiting on web2/);
    const op = /operation (\S+)/.exec(run.stdout())?.[1];
    run.child.kill('SIGKILL');
    await run.done;
    await rm(path.join(root('web2'), 'hold-post'), { force: true });
    // konf is gone: the files are the new ones, the journal and the (stale) lock stay.
    expect(readFileSync(path.join(root('web2'), 'etc/app/f0.conf'), 'utf8')).toBe('new 0 on web2: hello\n');
    expect(existsSync(journalFile('web2'))).toBe(true);
    await rm(path.join(root('web2'), 'post-rollback.log'), { force: true });

    // A dry run says what the next deploy will do first.
    const dry = await konf(['deploy', 'web2', '--dry-run']);
    expect(dry.stdout).toMatch(/an unfinished operation left its journal on the host/);

    const next = await konf(['deploy', 'web2', '--yes']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`recovered the unfinished deploy ${op} of \\S+: 5 file\\(s\\) put back, verified against snapshot`));
    // The rollback hooks ran for the recovery, with the recovered operation's id.
    expect(readFileSync(path.join(root('web2'), 'post-rollback.log'), 'utf8')).toMatch(new RegExp(`^${op} /etc/app/f0.conf`));
    expect(readFileSync(path.join(root('web2'), 'etc/app/f0.conf'), 'utf8')).toBe('new 0 on web2: hello\n');
    // the recovery itself happened before the new deploy: its pre-deploy snapshot is the old state
    const history = JSON.parse((await konf(['history', 'web2', '--json'])).stdout) as { id: string; reason: string }[];
    const preDeploy = history[0]!;
    expect(preDeploy.reason).toBe('pre-deploy');
    const rb = await konf(['rollback', 'web2', preDeploy.id, '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(filesOf(await readTree(path.join(root('web2'), 'etc')))).toEqual(oldFiles);
    expect(leftovers(root('web2'))).toEqual([]);
  });

  it('SIGKILL during the post-deploy hook, then `konf snapshot`: the host is put back first and recorded as it was; a live lock elsewhere is refused', async () => {
    await oldState('web2');
    const oldFiles = filesOf(await readTree(path.join(root('web2'), 'etc')));
    await put(path.join(root('web2'), 'hold-post'), 'x');
    const run = start(['deploy', 'web2', '--yes']);
    await run.seen(/post-deploy waiting on web2/);
    run.child.kill('SIGKILL');
    await run.done;
    await rm(path.join(root('web2'), 'hold-post'), { force: true });
    expect(existsSync(journalFile('web2'))).toBe(true);

    const snap = await konf(['snapshot', 'web2']);
    expect(snap.code, snap.stdout + snap.stderr).toBe(0);
    expect(snap.stdout).toMatch(/took over a stale lock/);
    expect(snap.stdout).toMatch(/recovered the unfinished deploy \S+ of \S+: 5 file\(s\) put back, verified against snapshot/);
    expect(filesOf(await readTree(path.join(root('web2'), 'etc')))).toEqual(oldFiles);
    expect(existsSync(journalFile('web2'))).toBe(false);
    expect(existsSync(lockFile('web2'))).toBe(false);
    expect(leftovers(root('web2'))).toEqual([]);
    // The snapshot holds the host as it was before the killed deploy: rolling back to it changes nothing.
    const history = JSON.parse((await konf(['history', 'web2', '--json'])).stdout) as { id: string; reason: string }[];
    expect(history[0]?.reason).toBe('manual');
    const rb = await konf(['rollback', 'web2', history[0]!.id, '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/nothing to change|in sync|0 file/);

    // Another jump host's konf holds the lock: no snapshot of a host in the middle of its change.
    const bob = { operator: 'bob', jumpHost: 'jump9', pid: 4242, operation: 'deploy', opId: 'op-bob', since: new Date(Date.now() - 60_000).toISOString() };
    await put(lockFile('web2'), `${JSON.stringify(bob)}\n`);
    try {
      const refused = await konf(['snapshot', 'web2']);
      expect(refused.code, refused.stdout + refused.stderr).toBe(3);
      expect(refused.stdout + refused.stderr).toMatch(/locked by bob@jump9 \(pid 4242, deploy\) since \S+ \(1 min ago\): its deploy is not finished, and a snapshot now could record it half done; nothing was recorded/);
      const after = JSON.parse((await konf(['history', 'web2', '--json'])).stdout) as { id: string }[];
      // Nothing recorded (the rollback above had nothing to change, so it took no snapshot either).
      expect(after.map((h) => h.id)).toEqual(history.map((h) => h.id));
      expect(readFileSync(lockFile('web2'), 'utf8')).toContain('op-bob');
    } finally {
      await rm(lockFile('web2'), { force: true });
    }
  });

  it('a connection cut between two renames of a 100-file deploy: "restored" only when the host reads back equal to the snapshot', async () => {
    await rm(path.join(root('db1'), 'srv/many'), { recursive: true, force: true });
    for (let i = 0; i < 100; i++) await put(path.join(root('db1'), manyPath(i)), `old many ${i}\n`);
    await oldState('db1');
    const before = (await managed('db1'));
    // Call 1 renames the journal into place, then one mv per folder (the 100 files are in 25
    // folders after a few of /etc): the 14th call, well inside the 25, is held; each takes 10 ms.
    await slow.arm({ hold: 14, delayMs: 10 });
    const run = start(['deploy', 'db1', '--yes']);
    try {
      await slow.held();
      expect(fleet.cutConnections('db1')).toBeGreaterThan(0);
      await slow.release();
      const { code } = await run.done;
      expect(code, run.stdout() + run.stderr()).toBe(3);
    } finally {
      await slow.disarm();
    }
    expect(run.stdout()).toMatch(/db1 +✗ failed and restored \(verified\)/);
    // Read the host back: every one of the 105 files is the old version.
    expect((await managed('db1'))).toEqual(before);
    expect(existsSync(lockFile('db1'))).toBe(false);
    expect(existsSync(journalFile('db1'))).toBe(false);
    expect(leftovers(root('db1'))).toEqual([]);
    const audit = await lastAudit('db1');
    expect(audit.results.db1?.outcome).toBe('restored');
  });
});
