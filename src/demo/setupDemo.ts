/**
 * The demo fleet: a copy of konf's example fleet repository, one real sshd per host on
 * 127.0.0.1, each host's target root filled with a plausibly drifted copy of its files,
 * plus one unreachable host. Nothing outside its own temp folder is touched.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFleet } from '../core/fleet/fleet.js';
import type { HostPlan } from '../core/fleet/types.js';
import { OpsRuntime } from '../core/ops/runtime.js';
import { deploy } from '../core/ops/deploy.js';
import { snapshot } from '../core/ops/snapshot.js';
import { startTestFleet, type TestFleet } from '../testfleet/testFleet.js';
import { bindRepoToFleet, copyFleetRepo } from '../testfleet/fleetRepo.js';
import { editLine, rootPath, seedHostKey, seedRoot } from '../testfleet/seed.js';

export const UNREACHABLE_HOST = 'legacy1';

export interface DemoFleet {
  dir: string;
  repo: string;
  state: string;
  configDir: string;
  fleet: TestFleet;
  stop(): Promise<void>;
}

export async function setupDemo(options: { source: string; dir?: string; onProgress?: (text: string) => void }): Promise<DemoFleet> {
  const say = options.onProgress ?? (() => undefined);
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'konf-demo-')));
  const repo = path.join(dir, 'repo');
  const state = path.join(dir, 'state');
  const configDir = path.join(dir, 'config');
  say(`copying the example fleet to ${repo}`);
  await copyFleetRepo(options.source, repo);
  await writeFile(path.join(repo, 'etc/serverconfig', UNREACHABLE_HOST), '# legacy1: switched off last week; konf shows how an unreachable host looks.\n');
  const hosts = (await loadFleet(repo)).hosts;

  say(`starting ${hosts.length - 1} sshd on 127.0.0.1 (one per host, each with its own host key and root)`);
  const fleet = await startTestFleet({ hosts, dir: path.join(dir, 'fleet'), unreachable: [UNREACHABLE_HOST], onProgress: say });
  const stop = async () => {
    await fleet.stop({ keep: true });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await bindRepoToFleet(repo, fleet);
    const loaded = await loadFleet(repo);
    const reachable = hosts.filter((h) => h !== UNREACHABLE_HOST);
    const plans = new Map<string, HostPlan>();
    for (const h of reachable) plans.set(h, await loaded.plan(h));

    say('filling each host with its files, some of them drifted');
    for (const [h, plan] of plans) {
      await seedRoot(fleet.host(h).root, plan);
      // Like a real machine, each root holds its host key: etc/validate's `sshd -t` loads it.
      await seedHostKey(fleet.host(h).root, fleet.host(h).hostKeyFile);
    }
    await drift(fleet, plans, 'before');

    // konf's own history: a first snapshot of every host, and a real deploy on one.
    const rt = await OpsRuntime.open({ repo, stateDir: state, concurrency: 8 });
    try {
      say('taking a first snapshot of every host');
      await snapshot(rt, { hosts: reachable, message: 'demo: first look at the fleet' });
      const deployed = reachable.find((h) => h.startsWith('mail')) ?? reachable[0];
      if (deployed) {
        say(`deploying ${deployed} once, so it has a pre-deploy snapshot to roll back to`);
        await deploy(rt, { hosts: [deployed] });
      }
    } finally {
      await rt.close();
    }
    await drift(fleet, plans, 'after');
    say('demo fleet ready');
    return { dir, repo, state, configDir, fleet, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Realistic drift: an old setting here, a hand edit there, a file never deployed, a wrong mode. */
async function drift(fleet: TestFleet, plans: Map<string, HostPlan>, stage: 'before' | 'after'): Promise<void> {
  const has = (h: string, p: string) => plans.get(h)?.files.some((f) => f.path === p && f.kind === 'file') ?? false;
  const root = (h: string) => fleet.host(h).root;
  if (stage === 'before') {
    // web1: the repository moved on (more workers, bigger uploads) since its last deploy.
    if (has('web1', '/etc/nginx/nginx.conf')) await editLine(root('web1'), '/etc/nginx/nginx.conf', /worker_processes/, 'worker_processes 2;');
    if (has('web1', '/etc/ssh/sshd_config')) await editLine(root('web1'), '/etc/ssh/sshd_config', /^MaxAuthTries/, 'MaxAuthTries 6');
    // db1: a new file never deployed, and a sudoers file with the wrong mode.
    const dbNew = plans.get('db1')?.files.find((f) => f.path.startsWith('/etc/mysql/conf.d/'));
    if (dbNew) await rm(rootPath(root('db1'), dbNew.path), { force: true });
    const sudoers = plans.get('db1')?.files.find((f) => f.path.startsWith('/etc/sudoers.d/') && f.kind === 'file');
    if (sudoers) await chmod(rootPath(root('db1'), sudoers.path), 0o644);
    // mail1: an old postfix setting (deployed during setup, so it shows in history).
    if (has('mail1', '/etc/postfix/main.cf')) await editLine(root('mail1'), '/etc/postfix/main.cf', /^message_size_limit/, 'message_size_limit = 10240000');
    // web2: the hand-maintained motd differs, but web2 excludes it: konf leaves it alone.
    const web2 = plans.get('web2');
    const excludedMotd = web2?.excluded.find((e) => e.path === '/etc/motd');
    if (web2 && excludedMotd) await writeFile(rootPath(root('web2'), '/etc/motd'), 'web2 - legacy shop. Ask Maria before touching nginx!\n');
  } else {
    // mail1: someone edited a konf-managed file by hand after the deploy: drift.
    if (has('mail1', '/etc/postfix/main.cf')) await editLine(root('mail1'), '/etc/postfix/main.cf', /^smtpd_banner/, 'smtpd_banner = $myhostname ESMTP (hand-edited)');
  }
}
