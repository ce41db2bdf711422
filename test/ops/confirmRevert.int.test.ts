/**
 * Confirm-or-revert against a real sshd that can really lock konf out: the test host's
 * sshd reads the test user's authorized_keys from INSIDE that host's target root (a
 * `Match User` block), and a post-deploy hook reloads that sshd (SIGHUP). A deploy that
 * replaces the key locks konf out: the new SSH connection that must prove access is
 * refused, the host reverts itself at its deadline, konf reconnects, verifies and says
 * "reverted: access was lost after the change", exit 3 — and a fresh ssh works again with
 * no human action. The same deploy without a lockout is confirmed and stays. A konf that
 * dies while the revert is armed does not stop the host from reverting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRunning, startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import type { OpEvent } from '../../src/core/ops/events.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';
import { startKonf } from '../helpers/konfProcess.js';
import { waitForFile, waitUntil } from '../helpers/wait.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

const events = (stdout: string): OpEvent[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OpEvent);
const RELOAD = '#!/bin/sh\n# the test host\'s sshd keeps its pid file beside the target root\nkill -HUP "$(cat "$KONF_ROOT/../sshd.pid")"\necho "sshd reloaded ($KONF_PHASE)"\n';

describe('confirm-or-revert against an sshd that can lock konf out', { timeout: 240_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  let goodKey: string;
  let otherKey: string;
  const root = () => fleet.host('gate').root;
  const keysFile = () => path.join(root(), 'etc/ssh/authorized_keys');
  const repoKeys = () => path.join(repo, 'etc/files/etc/ssh/authorized_keys');
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args], { timeoutMs: 180_000 });
  /** A fresh `ssh gate true` with the OpenSSH client: new TCP connection, key exchange, authentication. */
  const sshWorks = async () => (await fleet.ssh('gate', 'true', { timeoutMs: 20_000 })).code === 0;

  beforeAll(async () => {
    await ensureBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-lockout-'));
    const dir = path.join(tmp, 'fleet');
    const gateRoot = path.join(dir, 'hosts', 'gate', 'root');
    fleet = await startTestFleet({
      hosts: ['gate'],
      dir,
      // sshd reads this user's keys from inside the host's target root: a deploy can lock it out.
      extraSshdConfig: [`Match User ${os.userInfo().username}`, `  AuthorizedKeysFile ${gateRoot}/etc/ssh/authorized_keys`],
    });
    goodKey = (await readFile(`${fleet.clientKey}.pub`, 'utf8')).trim();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'someone-else', '-f', path.join(tmp, 'other_key')]);
    otherKey = (await readFile(path.join(tmp, 'other_key.pub'), 'utf8')).trim();
    await put(keysFile(), `${goodKey}\n`, 0o600);
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), '');
    await put(path.join(repo, 'etc/serverconfig/gate'), '');
    await put(path.join(repo, 'etc/permissions'), '/etc/ssh/authorized_keys 0600\n');
    await put(repoKeys(), `${goodKey}\n`);
    await put(path.join(repo, 'hooks/post-deploy/50-reload-sshd'), RELOAD, 0o755);
    await put(path.join(repo, 'hooks/post-rollback/50-reload-sshd'), RELOAD, 0o755);
    await bindRepoToFleet(repo, fleet);
    expect(await sshWorks()).toBe(true);
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a deploy that locks konf out ends "reverted", exit 3, and a fresh ssh works again with no human action', async () => {
    await put(repoKeys(), `${otherKey}\n`);
    const started = Date.now();
    const r = await konf(['deploy', 'gate', '--yes', '--json', '--confirm-within', '6']);
    const took = Date.now() - started;
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const ev = events(r.stdout);
    const log = ev.filter((e) => e.type === 'log').map((e) => `${(e as { phase: string }).phase}: ${(e as { text: string }).text}`);
    const armed = ev.find((e) => e.type === 'log' && e.phase === 'confirm' && e.deadline !== undefined && /revert armed/.test(e.text)) as { deadline: string } | undefined;
    expect(armed, log.join('\n')).toBeDefined();
    // The post-deploy hook reloaded sshd with the new key: the lockout was real.
    expect(ev.some((e) => e.type === 'hook-output' && e.phase === 'post-deploy' && /sshd reloaded/.test(e.text))).toBe(true);
    expect(log.join('\n')).toMatch(/confirm: a new SSH connection failed: .*(Permission denied|authentication)/i);
    expect(log.join('\n')).toMatch(/revert: waiting for the host to revert itself at/);
    // What the host did by itself, from its own log, then konf's verification.
    expect(log.join('\n')).toMatch(/revert: host: deadline passed: putting the host back/);
    expect(log.join('\n')).toMatch(/revert: host: post-rollback hook 00-50-reload-sshd exited with status 0/);
    expect(log.join('\n')).toMatch(/revert: the host put back 1 file\(s\), verified against snapshot/);
    const result = ev.find((e) => e.type === 'host-result') as { outcome: string; text: string };
    expect(result.outcome).toBe('reverted');
    expect(result.text).toMatch(/^reverted: access was lost after the change \(no new SSH connection got in: .*\); the host put every file back on its own at its deadline and ran its post-rollback hooks; verified against snapshot [0-9a-f]{10}/);
    // konf waited for the deadline, not for ever.
    expect(took).toBeGreaterThanOrEqual(6000);
    expect(Date.now()).toBeGreaterThan(Date.parse(armed!.deadline));
    // The host is back: the old key, a fresh ssh gets in, nothing of konf's left.
    expect(await readFile(keysFile(), 'utf8')).toBe(`${goodKey}\n`);
    expect(await sshWorks()).toBe(true);
    expect(existsSync(path.join(root(), 'var/lib/konf/journal'))).toBe(false);
    expect(existsSync(path.join(root(), 'var/lib/konf/lock'))).toBe(false);
    expect(existsSync(path.join(root(), 'var/lib/konf', `revert-${ev[0]?.op}`))).toBe(false);
    // The audit log says so, and the next diff shows the change as still pending.
    const audit = await konf(['log', '--host', 'gate', '--json']);
    expect(audit.stdout).toMatch(/"outcome":"reverted"/);
    expect((await konf(['diff', 'gate'])).code).toBe(1);

    // Human output says it in words.
    const human = await konf(['deploy', 'gate', '--yes', '--confirm-within', '6']);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/gate\s+✗ reverted: access was lost after the change/);
    expect(await sshWorks()).toBe(true);
  });

  it('the same deploy without a lockout is confirmed over a new connection and stays after the deadline', async () => {
    await put(repoKeys(), `${goodKey}\n# konf: keys for gate\n`);
    const run = startKonf(['--repo', repo, '--state', state, 'deploy', 'gate', '--yes', '--json', '--confirm-within', '20']);
    const m = await run.seen(/"op":"([^"]+)"/);
    const revertDir = path.join(root(), 'var/lib/konf', `revert-${m[1]}`);
    await run.seen(/revert armed/);
    const pid = Number((await waitForFile(path.join(revertDir, 'pid'))).split(' ')[0]);
    expect(isRunning(pid)).toBe(true);
    const { code } = await run.done;
    expect(code, run.stdout() + run.stderr()).toBe(0);
    const ev = events(run.stdout());
    expect(ev.find((e) => e.type === 'host-result')).toMatchObject({ outcome: 'ok' });
    expect((ev.find((e) => e.type === 'host-result') as { text: string }).text).toMatch(/deployed 1 file\(s\); access confirmed over a new connection/);
    expect(ev.some((e) => e.type === 'log' && e.phase === 'confirm' && /access confirmed over a new SSH connection .*the revert is disarmed/.test(e.text))).toBe(true);
    expect(existsSync(revertDir)).toBe(false);
    // The revert program has seen it was disarmed and is gone: nothing can undo the deploy now.
    await waitUntil('the disarmed revert program to end', () => !isRunning(pid));
    expect(await readFile(keysFile(), 'utf8')).toBe(`${goodKey}\n# konf: keys for gate\n`);
    expect(await sshWorks()).toBe(true);
    expect((await konf(['diff', 'gate'])).code).toBe(0);
  });

  it('--json carries the validate, confirm, revert and wave phases of one deploy (checks, a wave, a lockout reverted)', async () => {
    const rules = path.join(repo, 'etc/validate');
    await put(rules, '/etc/ssh/authorized_keys  test -s %s\n/etc/ssh/**  test -s "${KONF_ROOT%/}/etc/ssh/authorized_keys"\n');
    await put(repoKeys(), `${otherKey}\n`);
    const before = await readFile(keysFile(), 'utf8');
    try {
      const r = await konf(['deploy', 'gate', '--yes', '--json', '--waves', '1', '--confirm-within', '5']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      const ev = events(r.stdout);
      const phases = (p: string) => ev.filter((e) => e.type === 'log' && e.phase === p).map((e) => (e as { text: string }).text);
      expect(phases('validate')).toEqual(expect.arrayContaining([expect.stringMatching(/^file check etc\/validate:1 \(test -s %s\) on \/etc\/ssh\/authorized_keys: passed$/), expect.stringMatching(/^set check etc\/validate:2 .*: passed$/)]));
      expect(phases('confirm')).toEqual(expect.arrayContaining([expect.stringMatching(/^revert armed on the host/), 'proving access over a new SSH connection']));
      expect(phases('revert')).toEqual(expect.arrayContaining([expect.stringMatching(/^waiting for the host to revert itself/), 'reconnected after the revert deadline']));
      const waves = ev.filter((e) => e.type === 'log' && e.phase === 'wave');
      expect(waves.map((e) => (e as { text: string }).text)).toEqual(expect.arrayContaining(['wave 1/1: gate', 'wave 1/1: 0 of 1 host(s) done, 1 failed (gate): stopping the rollout']));
      expect(waves.find((e) => e.type === 'log' && e.wave)).toMatchObject({ wave: { index: 1, total: 1, hosts: ['gate'] } });
      // The confirm events carry the deadline the console counts down from.
      const deadline = ev.find((e) => e.type === 'log' && e.phase === 'confirm' && e.deadline !== undefined) as { deadline: string; time: string };
      expect(Date.parse(deadline.deadline) - Date.parse(deadline.time)).toBeGreaterThan(3000);
      expect(ev.find((e) => e.type === 'host-result')).toMatchObject({ host: 'gate', outcome: 'reverted' });
      expect(await readFile(keysFile(), 'utf8')).toBe(before);
      expect(await sshWorks()).toBe(true);
    } finally {
      await rm(rules, { force: true });
      await put(repoKeys(), `${goodKey}\n`);
    }
  });

  it('konf_confirm_within in the host file turns it on; a konf killed while the revert is armed does not stop the host from reverting', async () => {
    await put(path.join(repo, 'etc/serverconfig/gate'), `konf_confirm_within=5\nkonf_root="${root()}"\n`);
    await put(repoKeys(), `${otherKey}\n`);
    try {
      const before = await readFile(keysFile(), 'utf8');
      const run = startKonf(['--repo', repo, '--state', state, 'deploy', 'gate', '--yes', '--json']);
      const m = await run.seen(/"op":"([^"]+)"/);
      // After the post-deploy hook (the lockout is live), while konf tries to prove access: SIGKILL.
      await run.seen(/proving access over a new SSH connection/);
      expect(await readFile(keysFile(), 'utf8')).toBe(`${otherKey}\n`);
      run.child.kill('SIGKILL');
      await run.done;
      const revertDir = path.join(root(), 'var/lib/konf', `revert-${m[1]}`);
      expect(await waitForFile(path.join(revertDir, 'status'), undefined, 60_000)).toBe('reverted\n');
      expect(await readFile(keysFile(), 'utf8')).toBe(before);
      // The revert's post-rollback hook reloaded sshd (SIGHUP: it re-executes itself and
      // listens again a moment later), and nothing waited for that yet: try fresh ssh
      // connections until one gets in, for a bounded time.
      const until = Date.now() + 20_000;
      let works = await sshWorks();
      while (!works && Date.now() < until) works = await sshWorks();
      expect(works).toBe(true);
      // The next konf run (the dead konf's lock is stale) reports what the host did and goes on.
      await put(repoKeys(), before);
      await put(path.join(repo, 'etc/serverconfig/gate'), '');
      await bindRepoToFleet(repo, fleet);
      const next = await konf(['deploy', 'gate', '--yes']);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stdout).toMatch(/took over a stale lock/);
      expect(next.stdout).toMatch(/recovered the unfinished deploy .*: its files had been put back already/);
      expect(existsSync(revertDir)).toBe(false);
      expect(existsSync(path.join(root(), 'var/lib/konf/journal'))).toBe(false);
    } finally {
      await put(path.join(repo, 'etc/serverconfig/gate'), '');
      await bindRepoToFleet(repo, fleet);
    }
  });
});
