/**
 * Snapshot store benchmark: HOSTS hosts × FILES files, snapshotted the way a deploy does
 * (all hosts at once), for a first snapshot (all contents new), a drifted one (2 files
 * changed per host) and an unchanged one; then the same one host at a time.
 *
 *     npx vite-node scripts/bench-store.ts [HOSTS=100] [FILES=40]
 *
 * Not part of the build or the test suite. Writes to a temporary folder it removes.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LiveEntry } from '../src/core/remote/types.js';
import { SnapshotStore } from '../src/core/store/snapshotStore.js';

const HOSTS = Number(process.argv[2] ?? 100);
const FILES = Number(process.argv[3] ?? 40);

function entries(host: string, round: number): LiveEntry[] {
  return Array.from({ length: FILES }, (_, i) => {
    // Realistic config files: 0.5–8 KiB, mostly shared across hosts, a few host-specific.
    const drift = i < 2 ? round : 0;
    const specific = i % 10 === 0 ? host : 'shared';
    const content = Buffer.from(`# file ${i} for ${specific} rev ${drift}\n${'setting = value\n'.repeat(32 + ((i * 37) % 480))}`);
    return {
      path: `/etc/app${i % 5}/conf${i}.conf`,
      state: 'file',
      content,
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      mode: 0o644,
      uid: 0,
      gid: 0,
      owner: 'root',
      group: 'root',
    };
  });
}

async function round(store: SnapshotStore, label: string, n: number, parallel: boolean): Promise<void> {
  const hosts = Array.from({ length: HOSTS }, (_, i) => `host${i}`);
  const data = hosts.map((h) => entries(h, n));
  const t0 = performance.now();
  if (parallel) {
    await Promise.all(hosts.map((h, i) => store.save(h, data[i] ?? [], { reason: 'pre-deploy', operator: 'bench', op: `bench-${n}` })));
  } else {
    for (const [i, h] of hosts.entries()) await store.save(h, data[i] ?? [], { reason: 'pre-deploy', operator: 'bench', op: `bench-${n}` });
  }
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms total  ${(ms / HOSTS).toFixed(2).padStart(7)} ms/snapshot`);
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'konf-bench-'));
try {
  const store = await SnapshotStore.open(dir);
  console.log(`${HOSTS} hosts × ${FILES} files, store in ${dir}`);
  await round(store, 'parallel, first snapshot (new)', 1, true);
  await round(store, 'parallel, 2 files drifted', 2, true);
  await round(store, 'parallel, unchanged', 2, true);
  await round(store, 'sequential, 2 files drifted', 3, false);
  await round(store, 'sequential, unchanged', 3, false);
  const t0 = performance.now();
  await store.history('host0');
  const t1 = performance.now();
  const last = await store.latest('host0');
  await store.load('host0', last?.id ?? '');
  const t2 = performance.now();
  await store.lastSnapshotTimes();
  const t3 = performance.now();
  console.log(`history ${(t1 - t0).toFixed(1)} ms, load ${(t2 - t1).toFixed(1)} ms, lastSnapshotTimes ${(t3 - t2).toFixed(1)} ms`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
