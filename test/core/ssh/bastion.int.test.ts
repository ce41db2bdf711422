import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf } from '../../helpers/konfBin.js';

const COUNT = 300;

/** Connections an sshd accepted, from its VERBOSE log. */
async function acceptedConnections(log: string): Promise<number> {
  return (await readFile(log, 'utf8')).split('\n').filter((l) => /^Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port \d+/.test(l)).length;
}

describe(`${COUNT} hosts behind one ProxyJump bastion`, () => {
  let bastion: TestFleet;
  let fleet: TestFleet;
  let work: string;
  let repo: string;
  beforeAll(async () => {
    await ensureBuilt();
    work = await mkdtemp(path.join(os.tmpdir(), 'konf-bastion-'));
    bastion = await startTestFleet({ hosts: ['bastion'], logLevel: 'VERBOSE', dir: path.join(work, 'bastion') });
    fleet = await startTestFleet({ hosts: COUNT, hostsPerSshd: 16, dir: path.join(work, 'fleet') });
    repo = path.join(work, 'repo');
    await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
    await mkdir(path.join(repo, 'etc/files/etc'), { recursive: true });
    await writeFile(path.join(repo, 'etc/serverconfig/default'), 'greeting="hello"\n');
    await writeFile(path.join(repo, 'etc/files/etc/motd.tmpl'), '{{ greeting }} from {{ konf_host }}\n');
    await bindRepoToFleet(repo, fleet);
    // The bastion first, then every host through it (first value wins in ssh_config).
    const hostsConfig = await readFile(path.join(repo, 'etc/ssh_config'), 'utf8');
    await writeFile(path.join(repo, 'etc/ssh_config'), `${await readFile(bastion.sshConfig, 'utf8')}\nHost host*\n  ProxyJump bastion\n\n${hostsConfig}`);
    // Half the hosts already hold the planned file: the diff has both kinds.
    for (const h of fleet.hosts.filter((_, i) => i % 2 === 0)) {
      await mkdir(path.join(h.root, 'etc'), { recursive: true });
      await writeFile(path.join(h.root, 'etc/motd'), `hello from ${h.name}\n`);
    }
  });
  afterAll(async () => {
    await fleet?.stop();
    await bastion?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('konf diff --all reaches every host over ONE connection to the bastion (a channel per host)', async () => {
    const before = await acceptedConnections(bastion.host('bastion').sshdLog);
    const r = await konf(['--repo', repo, '--state', path.join(work, 'state'), 'diff', '--all', '--json', '--parallel', '32'], { env: { HOME: work }, timeoutMs: 300_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { hosts: { host: string; pending: number; files: { path: string; kind: string }[] }[]; failures: unknown[] };
    expect(out.failures).toEqual([]);
    expect(out.hosts).toHaveLength(COUNT);
    out.hosts.forEach((d) => {
      const i = fleet.hosts.findIndex((h) => h.name === d.host);
      expect(d.files, d.host).toEqual([expect.objectContaining({ path: '/etc/motd', kind: i % 2 === 0 ? 'unchanged' : 'new' })]);
    });
    // The bastion's sshd accepted exactly one connection for the whole run.
    expect((await acceptedConnections(bastion.host('bastion').sshdLog)) - before).toBe(1);
  });
});
