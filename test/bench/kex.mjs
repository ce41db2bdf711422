/**
 * Key exchange cost, side by side: ssh2 handshakes to one OpenSSH sshd on 127.0.0.1 with
 * each key exchange, interleaved rounds, medians. Why konf offers ecdh-sha2-nistp256 first
 * (src/core/ssh/algorithms.ts KEX_ORDER). Part of `npm run bench:scale` (or run it alone:
 * node test/bench/kex.mjs [--rounds 40] [--md FILE]).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureBuilt, log, median, PROJECT, table } from './common.mjs';

export async function kexBench(rounds = 40) {
  const { startTestFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/testFleet.js'));
  const { Client } = createRequire(import.meta.url)('ssh2');
  const fleet = await startTestFleet({ hosts: ['kex'] });
  try {
    const h = fleet.host('kex');
    const key = readFileSync(fleet.clientKey);
    const one = (kex) =>
      new Promise((resolve, reject) => {
        const c = new Client();
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        let handshake = NaN;
        c.on('handshake', () => (handshake = performance.now() - t0));
        c.on('ready', () => {
          const cpu = process.cpuUsage(cpu0);
          c.end();
          resolve({ handshake, ready: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 });
        });
        c.on('error', reject);
        c.connect({ host: '127.0.0.1', port: h.port, username: fleet.user, privateKey: key, hostVerifier: () => true, algorithms: { kex: [kex] } });
        c.setNoDelay(true); // as konf does
      });
    const kexes = ['ecdh-sha2-nistp256', 'curve25519-sha256', 'ecdh-sha2-nistp384', 'diffie-hellman-group14-sha256'];
    const res = Object.fromEntries(kexes.map((k) => [k, []]));
    log(`bench: ${rounds} interleaved rounds of ${kexes.length} key exchanges`);
    for (let r = 0; r < rounds; r++) for (const k of kexes) res[k].push(await one(k));
    const rows = kexes.map((k) => [k, `${median(res[k].map((x) => x.handshake)).toFixed(1)} ms`, `${median(res[k].map((x) => x.ready)).toFixed(1)} ms`, `${median(res[k].map((x) => x.cpu)).toFixed(1)} ms`]);
    return `Key exchange (one sshd, ${rounds} interleaved rounds, medians): connect → handshake done, → authenticated, konf-side CPU per connection.\n\n${table(['key exchange', 'to handshake', 'to authenticated', 'client CPU'], rows)}`;
  } finally {
    await fleet.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
  ensureBuilt({ skip: args.includes('--no-build') });
  const text = await kexBench(Number(opt('rounds', '40')));
  console.log(text);
  if (opt('md', '')) writeFileSync(opt('md', ''), `${text}\n`);
}
