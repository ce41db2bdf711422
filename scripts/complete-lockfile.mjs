#!/usr/bin/env node
// Adds lockfile entries for rollup's platform packages that this machine's registry mirror
// does not serve (404), so `npm ci` sees a complete lock; npm skips them by os/cpu anyway.
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
const lock = JSON.parse(readFileSync(file, 'utf8'));
const rollup = lock.packages['node_modules/rollup'];
let added = 0;
for (const [name, version] of Object.entries(rollup.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const plat = name.replace('@rollup/rollup-', '');
  const [os, cpuRaw, abi] = plat.split('-');
  const cpuMap = { 'arm': 'arm', 'arm64': 'arm64', 'x64': 'x64', 'ia32': 'ia32', 'loong64': 'loong64', 'ppc64': 'ppc64', 'riscv64': 'riscv64', 's390x': 's390x' };
  const entry = { version, dev: true, optional: true, os: [os], cpu: [cpuMap[cpuRaw] ?? cpuRaw] };
  if (os === 'linux') entry.libc = [abi?.startsWith('musl') ? 'musl' : 'glibc'];
  lock.packages[key] = entry;
  added++;
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} lockfile entries`);
