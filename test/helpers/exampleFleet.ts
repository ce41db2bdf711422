/**
 * The example fleet (konf's own etc/ and hooks/, what the demo uses) on real sshd hosts:
 * a copy of the repository bound to a test fleet, each host's root filled with its plan
 * (as if deployed) and holding its host key like a real machine. For tests of the CLI
 * against it; stop() stops every sshd and removes the folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFleet } from '../../src/core/fleet/fleet.js';
import { bindRepoToFleet, copyFleetRepo } from '../../src/testfleet/fleetRepo.js';
import { seedHostKey, seedRoot } from '../../src/testfleet/seed.js';
import { startTestFleet, type TestFleet, type TestFleetOptions } from '../../src/testfleet/testFleet.js';
import { konf as runKonf, PROJECT, type KonfResult } from './konfBin.js';

export interface ExampleFleet {
  fleet: TestFleet;
  dir: string;
  repo: string;
  state: string;
  root(host: string): string;
  konf(args: string[], options?: { timeoutMs?: number; onStdout?: (chunk: string) => void; env?: Record<string, string | undefined> }): Promise<KonfResult>;
  stop(): Promise<void>;
}

export async function startExampleFleet(hosts: string[], options: Omit<TestFleetOptions, 'hosts'> = {}): Promise<ExampleFleet> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'konf-example-'));
  const repo = path.join(dir, 'repo');
  const state = path.join(dir, 'state');
  await copyFleetRepo(PROJECT, repo);
  // Only the hosts asked for: the others' switch files go.
  const all = (await loadFleet(repo)).hosts;
  for (const h of all.filter((x) => !hosts.includes(x))) {
    await rm(path.join(repo, 'etc/serverconfig', h), { force: true });
    await rm(path.join(repo, 'etc/serverconfig/exclude', h), { force: true });
  }
  let fleet: TestFleet | undefined;
  try {
    fleet = await startTestFleet({ ...options, hosts, dir: path.join(dir, 'fleet') });
    await bindRepoToFleet(repo, fleet);
    const loaded = await loadFleet(repo);
    for (const h of hosts) {
      await seedRoot(fleet.host(h).root, await loaded.plan(h));
      await seedHostKey(fleet.host(h).root, fleet.host(h).hostKeyFile);
    }
  } catch (err) {
    await fleet?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const f = fleet;
  return {
    fleet: f,
    dir,
    repo,
    state,
    root: (host) => f.host(host).root,
    konf: (args, o = {}) => runKonf(['--repo', repo, '--state', state, ...args], o),
    stop: async () => {
      await f.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
