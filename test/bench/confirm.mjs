/**
 * What confirm-or-revert costs, measured on a real sshd fleet, side by side in one run:
 *
 * 1. the time it adds to a deploy: `konf deploy --all --yes` of N changed files to H hosts,
 *    without and with `--confirm-within 60` (arming the revert inside the write, then a
 *    new SSH connection per host that disarms, closes the journal and unlocks), runs
 *    alternating (which goes first swaps each round), median of R after one warm-up each,
 *    and the confirmation step itself per host from the --json events;
 * 2. what the revert path took on the lockout test: a deploy that replaces the test user's
 *    authorized_keys (which that host's sshd reads from inside its target root) and
 *    reloads sshd, with `--confirm-within S`: from the armed revert to the deadline, from
 *    the deadline to konf getting in again, and from there to the verified "reverted".
 *
 *   npm run build && node test/bench/confirm.mjs [--files 20] [--hosts 4] [--runs 7] [--within 5] [--lockouts 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KONF_MAIN, PROJECT, median } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const N = Number(opt('files', '20'));
const H = Number(opt('hosts', '4'));
const R = Number(opt('runs', '7'));
const S = Number(opt('within', '5'));
const L = Number(opt('lockouts', '3'));

const { startTestFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/testFleet.js'));
const { bindRepoToFleet } = await import(path.join(PROJECT, 'dist/src/testfleet/fleetRepo.js'));
const put = (f, c, mode) => {
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, c);
  if (mode !== undefined) chmodSync(f, mode);
};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bench-confirm-'));
const konf = (repo, state, argv) => {
  const t0 = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [KONF_MAIN, '--repo', repo, '--state', state, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, ...res };
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------
// 1. The cost on a deploy that is confirmed
const names = Array.from({ length: H }, (_, i) => `c${i + 1}`);
const fleet = await startTestFleet({ hosts: names });
const lines = [];
try {
  const repo = path.join(tmp, 'repo');
  const state = path.join(tmp, 'state');
  put(path.join(repo, 'etc/serverconfig/default'), '');
  for (const h of names) put(path.join(repo, 'etc/serverconfig', h), '');
  await bindRepoToFleet(repo, fleet);
  const times = { plain: [], confirm: [] };
  /** Per host and run: from "proving access" to "access confirmed" (the new connection, the disarm, the release). */
  const steps = [];
  let round = 0;
  const deploy = (kind) => {
    for (let i = 0; i < N; i++) put(path.join(repo, `etc/files/srv/bench/f${i}.conf`), `round ${round} ${kind} file ${i}\n${'x'.repeat(2000)}\n`);
    const r = konf(repo, state, ['deploy', '--all', '--yes', '--json', ...(kind === 'confirm' ? ['--confirm-within', '60'] : [])]);
    if (r.status !== 0) throw new Error(`${kind}: ${r.stdout}${r.stderr}`);
    if (kind === 'confirm' && round > 0) {
      const ev = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      for (const h of names) {
        const at = (re) => Date.parse(ev.find((e) => e.type === 'log' && e.host === h && e.phase === 'confirm' && re.test(e.text))?.time ?? 'x');
        steps.push(at(/^access confirmed/) - at(/^proving access/));
      }
    }
    return r.ms;
  };
  for (round = 0; round <= R; round++) {
    for (const kind of round % 2 ? ['plain', 'confirm'] : ['confirm', 'plain']) {
      const ms = deploy(kind);
      if (round > 0) times[kind].push(ms);
    }
  }
  const m = { plain: median(times.plain), confirm: median(times.confirm) };
  lines.push(
    `deploy of ${N} changed files to ${H} hosts, median of ${R} runs (load average ${os.loadavg()[0].toFixed(1)} at the end)`,
    '| deploy | median | runs (ms) |',
    '| --- | --: | --- |',
    `| plain | ${Math.round(m.plain)} ms | ${times.plain.map(Math.round).join(', ')} |`,
    `| --confirm-within 60 (confirmed) | ${Math.round(m.confirm)} ms | ${times.confirm.map(Math.round).join(', ')} |`,
    `confirm-or-revert adds ${Math.round(m.confirm - m.plain)} ms to the deploy: ${(m.confirm / m.plain).toFixed(2)}× (wall, side by side)`,
    `the confirmation itself (per host, from "proving access" to "access confirmed": a new SSH connection, the disarm, journal closed, unlocked): median ${Math.round(median(steps))} ms, max ${Math.round(Math.max(...steps))} ms over ${steps.length} host deploys`,
    '',
  );
} finally {
  await fleet.stop();
}

// ---------------------------------------------------------------------------------------
// 2. The revert path on the lockout test
const dir = path.join(tmp, 'gate-fleet');
const gateRoot = path.join(dir, 'hosts', 'gate', 'root');
const gate = await startTestFleet({ hosts: ['gate'], dir, extraSshdConfig: [`Match User ${os.userInfo().username}`, `  AuthorizedKeysFile ${gateRoot}/etc/ssh/authorized_keys`] });
try {
  const good = readFileSync(`${gate.clientKey}.pub`, 'utf8').trim();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'other', '-f', path.join(tmp, 'other')]);
  const other = readFileSync(path.join(tmp, 'other.pub'), 'utf8').trim();
  put(path.join(gateRoot, 'etc/ssh/authorized_keys'), `${good}\n`, 0o600);
  const repo = path.join(tmp, 'gate-repo');
  const state = path.join(tmp, 'gate-state');
  const reload = '#!/bin/sh\nkill -HUP "$(cat "$KONF_ROOT/../sshd.pid")"\n';
  put(path.join(repo, 'etc/serverconfig/default'), '');
  put(path.join(repo, 'etc/serverconfig/gate'), '');
  put(path.join(repo, 'etc/files/etc/ssh/authorized_keys'), `${other}\n`);
  put(path.join(repo, 'hooks/post-deploy/50-reload-sshd'), reload, 0o755);
  put(path.join(repo, 'hooks/post-rollback/50-reload-sshd'), reload, 0o755);
  await bindRepoToFleet(repo, gate);
  const rows = [];
  for (let i = 0; i < L; i++) {
    const r = konf(repo, state, ['deploy', 'gate', '--yes', '--json', '--confirm-within', String(S)]);
    if (r.status !== 3) throw new Error(`lockout deploy ended ${r.status}, not 3:\n${r.stdout}${r.stderr}`);
    const ev = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const at = (pred) => Date.parse(ev.find(pred)?.time ?? 'x');
    const start = at((e) => e.type === 'op-start');
    const armed = ev.find((e) => e.type === 'log' && e.phase === 'confirm' && e.deadline);
    const armedAt = Date.parse(armed.time);
    const deadline = Date.parse(armed.deadline);
    const lost = at((e) => e.type === 'log' && e.phase === 'revert' && /waiting for the host/.test(e.text));
    const back = at((e) => e.type === 'log' && /reconnected after the revert deadline/.test(e.text));
    const end = at((e) => e.type === 'host-result');
    const result = ev.find((e) => e.type === 'host-result');
    if (result.outcome !== 'reverted') throw new Error(`not reverted: ${result.text}`);
    rows.push({ total: r.ms, toArmed: armedAt - start, confirmTries: lost - armedAt, deadlineToBack: back - deadline, verify: end - back });
  }
  const col = (k) => median(rows.map((x) => x[k]));
  lines.push(
    `lockout deploy with --confirm-within ${S} (1 host; the new key locks konf out, sshd reloaded), median of ${L} runs`,
    '| step | median | runs |',
    '| --- | --: | --- |',
    ...[
      ['start → revert armed (lock, snapshot, staging, journal, arm)', 'toArmed'],
      ['armed → konf gives up on new connections (post hook, retries until 1 s before the deadline)', 'confirmTries'],
      ['deadline → konf gets in again (host: restore from the journal, post-rollback hook reloads sshd)', 'deadlineToBack'],
      ['reconnected → "reverted" (host read back, verified against the snapshot, journal closed, unlocked)', 'verify'],
      ['whole deploy (wall, exit 3)', 'total'],
    ].map(([label, k]) => `| ${label} | ${fmt(col(k))} | ${rows.map((x) => fmt(x[k])).join(', ')} |`),
    '',
  );
} finally {
  await gate.stop();
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(lines.join('\n'));
