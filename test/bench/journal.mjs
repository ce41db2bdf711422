/**
 * What the host-side journal costs a deploy: `konf deploy --all --yes` of N changed files
 * to H hosts of a real sshd fleet, median wall time of R runs (after one warm-up run),
 * this checkout against a baseline checkout built the same way, side by side:
 *
 *   npm run build && node test/bench/journal.mjs --baseline /path/to/other/checkout [--files 100] [--hosts 4] [--runs 5]
 *
 * The baseline is another konf checkout with its own `dist/` (e.g. a worktree of main
 * before the journal). Runs alternate between the two, so load on a shared machine hits
 * both alike.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const baseline = opt('baseline');
const N = Number(opt('files', '100'));
const H = Number(opt('hosts', '4'));
const R = Number(opt('runs', '5'));
if (!baseline) {
  process.stderr.write('usage: node test/bench/journal.mjs --baseline DIR [--files N] [--hosts H] [--runs R]\n');
  process.exit(2);
}

const { startTestFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/testFleet.js'));
const { bindRepoToFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/fleetRepo.js'));
const names = Array.from({ length: H }, (_, i) => `b${i + 1}`);
const fleet = await startTestFleet({ hosts: names });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bench-journal-'));
const put = (f, c) => {
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, c);
};
const checkouts = { this: PROJECT, baseline: path.resolve(baseline) };
const repos = {};
for (const [name] of Object.entries(checkouts)) {
  const repo = path.join(tmp, name, 'repo');
  put(path.join(repo, 'etc/serverconfig/default'), '');
  for (const h of names) put(path.join(repo, 'etc/serverconfig', h), '');
  await bindRepoToFleet(repo, fleet);
  repos[name] = repo;
}
const times = { this: [], baseline: [] };
let round = 0;
const deploy = (name) => {
  const repo = repos[name];
  // Every run changes every file (each checkout writes its own tree on the same hosts).
  for (let i = 0; i < N; i++) put(path.join(repo, `etc/files/srv/${name}/f${i}.conf`), `round ${round} file ${i}\n${'x'.repeat(2000)}\n`);
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [path.join(checkouts[name], 'dist/src/cli/main.js'), '--repo', repo, '--state', path.join(tmp, name, 'state'), 'deploy', '--all', '--yes'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${name}: ${res.stdout}${res.stderr}`);
  return ms;
};
try {
  for (round = 0; round <= R; round++) {
    for (const name of ['baseline', 'this']) {
      const ms = deploy(name);
      if (round > 0) times[name].push(ms);
    }
  }
} finally {
  await fleet.stop();
  rmSync(tmp, { recursive: true, force: true });
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const m = { this: median(times.this), baseline: median(times.baseline) };
process.stdout.write(
  [
    `deploy of ${N} changed files to ${H} hosts, median of ${R} runs (load average ${os.loadavg()[0].toFixed(1)})`,
    `| checkout | median | runs (ms) |`,
    `| --- | --: | --- |`,
    `| baseline (${checkouts.baseline}) | ${Math.round(m.baseline)} ms | ${times.baseline.map(Math.round).join(', ')} |`,
    `| this (${checkouts.this}) | ${Math.round(m.this)} ms | ${times.this.map(Math.round).join(', ')} |`,
    `ratio this / baseline: ${(m.this / m.baseline).toFixed(2)}×`,
    '',
  ].join('\n'),
);
