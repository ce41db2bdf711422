import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectShard } from '../../src/core/fleet/shard.js';
import { ensureBuilt, konf } from '../helpers/konfBin.js';

let work: string;
let repo: string;
const hosts = Array.from({ length: 24 }, (_, i) => `node${String(i + 1).padStart(2, '0')}`);

/** A port nothing listens on: every connection is refused at once. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

beforeAll(async () => {
  await ensureBuilt();
  work = await mkdtemp(path.join(os.tmpdir(), 'konf-cli-shard-'));
  repo = path.join(work, 'repo');
  await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
  await mkdir(path.join(repo, 'etc/files/etc'), { recursive: true });
  await writeFile(path.join(repo, 'etc/serverconfig/default'), '');
  for (const h of hosts) await writeFile(path.join(repo, 'etc/serverconfig', h), '');
  await writeFile(path.join(repo, 'etc/files/etc/motd'), 'hello\n');
  await writeFile(path.join(repo, 'etc/ssh_config'), `Host *\n  HostName 127.0.0.1\n  Port ${await closedPort()}\n  StrictHostKeyChecking yes\n  BatchMode yes\n`);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface DiffJson {
  hosts: { host: string }[];
  failures: { host: string; kind: string }[];
}

describe('konf --shard K/N', () => {
  it('diff --all --shard K/3: each run contacts exactly its shard; the three cover the fleet once', async () => {
    const seen: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const r = await konf(['--repo', repo, '--state', path.join(work, 'state'), 'diff', '--all', '--shard', `${k}/3`, '--json'], { env: { HOME: work } });
      const out = JSON.parse(r.stdout) as DiffJson;
      const contacted = out.failures.map((f) => f.host);
      expect(contacted.sort()).toEqual(selectShard(hosts, { index: k, count: 3 }).sort());
      for (const f of out.failures) expect(f.kind).toBe('unreachable');
      expect(r.code).toBe(contacted.length > 0 ? 3 : 0);
      expect(r.stderr).toContain(`shard ${k}/3: ${contacted.length} of ${hosts.length} host(s)`);
      seen.push(...contacted);
    }
    expect(seen.sort()).toEqual([...hosts].sort());
  });

  it('deploy and snapshot take --shard too; a bad shard is a usage error before any host is contacted', async () => {
    for (const cmd of [
      ['deploy', '--all', '--yes'],
      ['snapshot', '--all'],
      ['diff', '--all'],
    ]) {
      const r = await konf(['--repo', repo, '--state', path.join(work, 'state'), ...cmd, '--shard', '4/3'], { env: { HOME: work } });
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--shard 4\/3: K must be between 1 and 3/);
      expect(r.stdout).toBe('');
    }
    const d = await konf(['--repo', repo, '--state', path.join(work, 'state'), 'deploy', '--all', '--yes', '--shard', '2/2', '--json'], { env: { HOME: work } });
    const events = d.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; host?: string });
    const results = events.filter((e) => e.type === 'host-result').map((e) => e.host as string);
    expect(results.sort()).toEqual(selectShard(hosts, { index: 2, count: 2 }).sort());
  });
});
