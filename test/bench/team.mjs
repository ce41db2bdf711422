/**
 * What sharing the snapshot store costs (issue 15): `konf deploy --all --yes` of N changed
 * files to H hosts of a real sshd fleet, then `konf rollback <first host> --yes`, each
 * timed as the admin sees it (the whole konf run), three ways side by side in one run:
 *
 *   - no shared store (the reference);
 *   - `store_remote` a bare repository on this machine (a path);
 *   - `store_remote` a bare repository over ssh, on a real sshd of its own (like a git server).
 *
 * Runs alternate between the three (load on a shared machine hits all alike); the first
 * round is a warm-up. Median of R runs. Beside the whole runs, the push's own time: from
 * the operation's end (op-end event) to the push's report (the `sync` event), from the
 * `--json` event stream.
 *
 *   npm run build && node test/bench/team.mjs [--files 100] [--hosts 4] [--runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const N = Number(opt('files', '100'));
const H = Number(opt('hosts', '4'));
const R = Number(opt('runs', '5'));

const { startTestFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/testFleet.js'));
const { bindRepoToFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/fleetRepo.js'));
const names = Array.from({ length: H }, (_, i) => `b${i + 1}`);
const [fleet, git] = await Promise.all([startTestFleet({ hosts: names }), startTestFleet({ hosts: ['gitserver'] })]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bench-team-'));
const put = (f, c) => {
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, c);
};
const bare = (dir) => {
  execFileSync('git', ['init', '--bare', '--quiet', dir]);
  return dir;
};
const ways = {
  none: { env: { KONF_STORE_REMOTE: '' }, label: 'no shared store' },
  path: { env: { KONF_STORE_REMOTE: bare(path.join(tmp, 'shared-path.git')) }, label: 'shared store: a path on this machine' },
  ssh: { env: { KONF_STORE_REMOTE: `gitserver:${bare(path.join(tmp, 'shared-ssh.git'))}`, GIT_SSH_COMMAND: `ssh -F ${git.sshConfig}` }, label: 'shared store: over ssh (sshd on 127.0.0.1)' },
};
const repos = {};
for (const name of Object.keys(ways)) {
  const repo = path.join(tmp, name, 'repo');
  put(path.join(repo, 'etc/serverconfig/default'), '');
  for (const h of names) put(path.join(repo, 'etc/serverconfig', h), '');
  await bindRepoToFleet(repo, fleet);
  repos[name] = repo;
}
const times = Object.fromEntries(Object.keys(ways).map((n) => [n, { deploy: [], rollback: [], deployPush: [], rollbackPush: [] }]));
/** ms from op-end to the push's `sync` report (undefined without a shared store). */
const pushMs = (stdout) => {
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const end = events.find((e) => e.type === 'op-end');
  const sync = events.filter((e) => e.phase === 'sync' && e.level !== 'debug').at(-1);
  return end && sync ? Date.parse(sync.time) - Date.parse(end.time) : undefined;
};
const konf = (name, argv) => {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [path.join(PROJECT, 'dist/src/cli/main.js'), '--repo', repos[name], '--state', path.join(tmp, name, 'state'), ...argv], {
    encoding: 'utf8',
    env: { ...process.env, ...ways[name].env, NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 0) throw new Error(`${name} konf ${argv.join(' ')}: ${res.stdout}${res.stderr}`);
  if (/could not (fetch|push)/.test(res.stdout + res.stderr)) throw new Error(`${name}: the shared store was not reached:\n${res.stdout}${res.stderr}`);
  return { ms, push: pushMs(res.stdout) };
};
try {
  for (let round = 0; round <= R; round++) {
    for (const name of Object.keys(ways)) {
      // Every run changes every file (each way writes its own tree on the same hosts).
      for (let i = 0; i < N; i++) put(path.join(repos[name], `etc/files/srv/${name}/f${i}.conf`), `round ${round} file ${i}\n${'x'.repeat(2000)}\n`);
      const deploy = konf(name, ['deploy', '--all', '--yes', '--json']);
      const rollback = konf(name, ['rollback', names[0], '--yes', '--json']);
      if (round > 0) {
        times[name].deploy.push(deploy.ms);
        times[name].rollback.push(rollback.ms);
        if (deploy.push !== undefined) times[name].deployPush.push(deploy.push);
        if (rollback.push !== undefined) times[name].rollbackPush.push(rollback.push);
      }
    }
  }
} finally {
  await Promise.all([fleet.stop(), git.stop()]);
  rmSync(tmp, { recursive: true, force: true });
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const ref = { deploy: median(times.none.deploy), rollback: median(times.none.rollback) };
const cell = (name, what) => {
  const m = median(times[name][what]);
  return name === 'none' ? `${Math.round(m)} ms` : `${Math.round(m)} ms (+${Math.round(m - ref[what])} ms, ${(m / ref[what]).toFixed(2)}×)`;
};
process.stdout.write(
  [
    `deploy of ${N} changed files to ${H} hosts, then rollback of ${names[0]}: whole konf runs, median of ${R} (load average ${os.loadavg()[0].toFixed(1)})`,
    '',
    `| | deploy | rollback |`,
    `| --- | --: | --: |`,
    ...Object.keys(ways).map((n) => `| ${ways[n].label} | ${cell(n, 'deploy')} | ${cell(n, 'rollback')} |`),
    '',
    `the push itself (op-end → its report), median: ${Object.keys(ways)
      .filter((n) => times[n].deployPush.length > 0)
      .map((n) => `${n}: deploy ${Math.round(median(times[n].deployPush))} ms, rollback ${Math.round(median(times[n].rollbackPush))} ms`)
      .join('; ')}`,
    '',
    ...Object.keys(ways).map((n) => `${n}: deploy ${times[n].deploy.map(Math.round).join(', ')}; rollback ${times[n].rollback.map(Math.round).join(', ')}`),
    '',
  ].join('\n'),
);
