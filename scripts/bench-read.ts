/**
 * Read benchmark: HOSTS test hosts (real sshd) × FILES config files each, every host's
 * live state read through konf (RemoteHost.readState: one command per host), beside plain
 * `ssh host 'tar cf - …'` run in parallel with the same concurrency.
 *
 *     npx vite-node scripts/bench-read.ts [HOSTS=20] [FILES=40] [CONCURRENCY=10]
 *
 * Not part of the build or the test suite. Stops every sshd it started.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RemoteHost } from '../src/core/remote/remoteHost.js';
import type { ExecChannel } from '../src/core/remote/types.js';
import { SshPool } from '../src/core/ssh/pool.js';
import { opensshChannel } from '../src/testfleet/opensshExec.js';
import { startTestFleet, type TestFleet } from '../src/testfleet/testFleet.js';

const HOSTS = Number(process.argv[2] ?? 20);
const FILES = Number(process.argv[3] ?? 40);
const CONCURRENCY = Number(process.argv[4] ?? 10);

function relPaths(): string[] {
  return Array.from({ length: FILES }, (_, i) => `etc/app${i % 5}/conf${i}.conf`);
}

function populate(fleet: TestFleet): void {
  for (const h of fleet.hosts) {
    relPaths().forEach((rel, i) => {
      const file = path.join(h.root, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `# ${h.name} file ${i}\n${'setting = value\n'.repeat(32 + ((i * 37) % 480))}`);
    });
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function plainTar(fleet: TestFleet, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const root = fleet.host(host).root;
    const child = spawn('ssh', ['-F', fleet.sshConfig, host, `tar -C ${root} -cf - ${relPaths().join(' ')}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`ssh ${host} exited ${code}`))));
  });
}

async function timed(label: string, fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  const ms = performance.now() - t;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms`);
  return ms;
}

async function main(): Promise<void> {
  console.log(`starting ${HOSTS} sshd hosts, ${FILES} files each, concurrency ${CONCURRENCY}…`);
  const fleet = await startTestFleet({ hosts: HOSTS });
  const pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null, concurrency: CONCURRENCY });
  try {
    populate(fleet);
    const logical = relPaths().map((r) => `/${r}`);
    const names = fleet.hosts.map((h) => h.name);
    const readAll = (channel: (host: string) => ExecChannel) =>
      inParallel(names, CONCURRENCY, async (host) => {
        const live = await new RemoteHost(channel(host), { host, root: fleet.host(host).root, become: '' }).readState(logical);
        if (live.some((e) => e.state !== 'file')) throw new Error(`${host}: unexpected state`);
      });

    await readAll((h) => opensshChannel(fleet.sshConfig, h)); // warm caches
    const plain = await timed('plain ssh tar, parallel', () => inParallel(names, CONCURRENCY, async (h) => void (await plainTar(fleet, h))));
    const viaOpenssh = await timed('konf readState over the OpenSSH client', () => readAll((h) => opensshChannel(fleet.sshConfig, h)));
    const cold = await timed('konf readState over ssh2 (connecting)', () => readAll((h) => pool.channel(h)));
    const warm = await timed('konf readState over ssh2 (pooled connections)', () => readAll((h) => pool.channel(h)));
    console.log('');
    console.log(`ratio konf/OpenSSH client ÷ plain ssh tar:   ${(viaOpenssh / plain).toFixed(2)}`);
    console.log(`ratio konf/ssh2 connecting ÷ plain ssh tar:  ${(cold / plain).toFixed(2)}`);
    console.log(`ratio konf/ssh2 pooled ÷ plain ssh tar:      ${(warm / plain).toFixed(2)}`);
  } finally {
    await pool.closeAll();
    await fleet.stop();
  }
}

await main();
