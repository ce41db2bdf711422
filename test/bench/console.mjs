/**
 * Console benchmark, measured under a pseudo terminal (pty_driver.py, Python stdlib) at
 * 120x40:
 *  - start to first full frame of the BUILT entry (`konf console`, a 200-host fleet repo
 *    whose hosts refuse connections), beside Node's own startup (`node -e 0`) and
 *    `konf --version`;
 *  - key press to frame (median, p95) and bytes written, for a cursor move in a 2,000-host
 *    list and a page-down in a 20,000-line side-by-side diff (synthetic session,
 *    consoleApp.mjs);
 *  - peak RSS with 2,000 hosts and the 20,000-line diff open.
 *
 *     node test/bench/console.mjs [--reps 5] [--keys 60] [--no-build] [--md FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBuilt, fmtMb, KONF_MAIN, log, machineLine, median, percentile, PROJECT, table, which } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const REPS = Number(opt('reps', '5'));
const KEYS = Number(opt('keys', '60'));
const COLS = 120;
const ROWS = 40;
const PYTHON = ['/usr/bin/python3', which('python3')].find((p) => p && spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0);
if (!PYTHON) throw new Error('python3 is needed for the pty driver (apt-get install -y python3)');

ensureBuilt({ skip: args.includes('--no-build') });

const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bench-console-'));
const ms = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
const kb = (x) => (Number.isFinite(x) ? (x >= 1024 ? `${(x / 1024).toFixed(1)} KB` : `${Math.round(x)} B`) : 'n/a');

function drive(spec) {
  const file = path.join(tmp, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const r = spawnSync(PYTHON, [path.join(PROJECT, 'test/bench/pty_driver.py'), file], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout);
  res.step = (label) => res.steps.find((s) => s.label === label);
  return res;
}

const baseEnv = { TERM: 'xterm-256color', LANG: 'C.UTF-8', KONF_CONFIG_DIR: path.join(tmp, 'config'), NO_COLOR: '' };

/** A fleet repository of n hosts that all refuse connections (port 9 on 127.0.0.1). */
function startupRepo(n) {
  const repo = path.join(tmp, 'repo');
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  };
  const names = Array.from({ length: n }, (_, i) => `node${String(i + 1).padStart(3, '0')}`);
  put('etc/serverconfig/default', 'role="web"\nworkers=4\n');
  for (const h of names) put(`etc/serverconfig/${h}`, `konf_root="${path.join(tmp, 'roots', h)}"\n`);
  for (let i = 0; i < 10; i++) {
    if (i % 3 === 0) put(`etc/files/etc/app/conf${i}.conf.tmpl`, `# conf ${i}\nhost={{ konf_host }}\nworkers={{ workers }}\n`);
    else put(`etc/files/etc/app/conf${i}.conf`, `# conf ${i}\nplain=yes\n`);
  }
  put('etc/ssh_config', `Host *\n  HostName 127.0.0.1\n  Port 9\n  BatchMode yes\n  ConnectTimeout 2\n  UserKnownHostsFile ${path.join(tmp, 'known_hosts')}\n`);
  writeFileSync(path.join(tmp, 'known_hosts'), '');
  return repo;
}

function timeProcess(argv, reps) {
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
    t.push(performance.now() - t0);
  }
  return median(t);
}

const results = {};
try {
  // --- startup ---------------------------------------------------------------------------
  log('bench: console startup');
  results.nodeStartup = timeProcess([process.execPath, '-e', '0'], REPS);
  results.konfVersion = timeProcess([process.execPath, KONF_MAIN, '--version'], REPS);
  const repo = startupRepo(200);
  const firsts = [];
  for (let i = 0; i < REPS; i++) {
    const r = drive({
      argv: [process.execPath, KONF_MAIN, '--repo', repo, '--state', path.join(tmp, 'state'), 'console'],
      env: baseEnv,
      cwd: tmp,
      cols: COLS,
      rows: ROWS,
      steps: [{ wait: 'q quit', timeout: 30, label: 'first' }],
      quit: 'q',
    });
    const s = r.step('first');
    if (s.seen_ms === null) throw new Error('konf console did not draw its first frame within 30 s');
    firsts.push(s.seen_ms);
  }
  results.firstFrame = median(firsts);
  results.firstFrames = firsts;

  // --- interaction on 2,000 hosts and a 20,000-line diff ---------------------------------
  log('bench: console key latency (2,000 hosts, 20,000-line diff)');
  const r = drive({
    argv: [process.execPath, path.join(PROJECT, 'test/bench/consoleApp.mjs')],
    env: { ...baseEnv, BENCH_HOSTS: '2000', BENCH_DIFF_LINES: '20000' },
    cwd: tmp,
    cols: COLS,
    rows: ROWS,
    steps: [
      { wait: 'q quit', timeout: 60, label: 'first' },
      { wait: '200 pending', timeout: 60, label: 'checked' },
      { sleep: 500 },
      // About 30 host rows are visible at 120x40: the first moves stay inside the window,
      // the next ones scroll the list by one row each.
      { key: 'j', repeat: 20, label: 'hosts-down' },
      { key: 'j', repeat: 15, label: 'hosts-edge' },
      { key: 'j', repeat: Math.max(10, KEYS - 20), label: 'hosts-scroll' },
      { key: 'g', label: 'top' },
      { key: 'd', label: 'open-diff' },
      { key: 'v', label: 'side-by-side' },
      { sleep: 300 },
      { key: '\x1b[6~', repeat: Math.min(KEYS, 40), label: 'diff-pagedown' },
      { key: 'j', repeat: Math.min(KEYS, 40), label: 'diff-down' },
      { rss: 'rss' },
    ],
    quit: 'q',
  });
  if (r.step('checked').seen_ms === null) throw new Error('the synthetic console never showed "200 pending"');
  for (const label of ['hosts-down', 'hosts-scroll', 'open-diff', 'side-by-side', 'diff-pagedown', 'diff-down']) {
    const s = r.step(label);
    const lat = s.latency_ms.filter((x) => x !== null);
    if (lat.length < s.latency_ms.length / 2) throw new Error(`${label}: the console answered only ${lat.length} of ${s.latency_ms.length} key presses`);
    results[label] = { median: median(lat), p95: percentile(lat, 95), bytes: median(s.bytes), n: s.latency_ms.length };
  }
  results.firstFrame2000 = r.step('first').seen_ms;
  results.rssKb = r.step('rss').hwm_kb;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const ok = (v, t) => (Number.isFinite(v) ? (v <= t ? 'met' : 'MISSED') : '—');
const lines = [];
lines.push('### Console benchmark');
lines.push('');
lines.push(`Machine: ${machineLine()}. Terminal: a pty at ${COLS}x${ROWS} (pty_driver.py); a frame is the burst of output after a key, ended by 40 ms of quiet (latency = key written → last byte of the burst).`);
lines.push('');
lines.push(
  table(
    ['measure', 'value', 'target', 'status'],
    [
      ['`node -e 0` (Node startup, exit)', ms(results.nodeStartup), '', ''],
      ['`konf --version` (exit)', ms(results.konfVersion), '', ''],
      [`start to first full frame, built entry, 200 hosts (median of ${REPS}: ${results.firstFrames.map((x) => Math.round(x)).join('/')})`, ms(results.firstFrame), '300 ms', ok(results.firstFrame, 300)],
      ['first frame, synthetic session, 2,000 hosts', ms(results.firstFrame2000), '', ''],
      [`cursor move in 2,000-host list, inside the window: key → frame median / p95 (n=${results['hosts-down'].n})`, `${ms(results['hosts-down'].median)} / ${ms(results['hosts-down'].p95)}`, '< 16 ms median', ok(results['hosts-down'].median, 16)],
      ['cursor move inside the window: bytes written (median)', kb(results['hosts-down'].bytes), '< 1 KB', ok(results['hosts-down'].bytes, 1024)],
      [`cursor move that scrolls the list: median / p95 (n=${results['hosts-scroll'].n})`, `${ms(results['hosts-scroll'].median)} / ${ms(results['hosts-scroll'].p95)}`, '< 16 ms median', ok(results['hosts-scroll'].median, 16)],
      ['cursor move that scrolls the list: bytes written (median)', kb(results['hosts-scroll'].bytes), '< 1 KB', ok(results['hosts-scroll'].bytes, 1024)],
      ['open the 20,000-line diff (d), switch to side-by-side (v)', `${ms(results['open-diff'].median)}, ${ms(results['side-by-side'].median)}`, '', ''],
      [`page-down in 20,000-line side-by-side diff: median / p95 (n=${results['diff-pagedown'].n})`, `${ms(results['diff-pagedown'].median)} / ${ms(results['diff-pagedown'].p95)}`, '< 16 ms median', ok(results['diff-pagedown'].median, 16)],
      ['page-down in the diff: bytes written', kb(results['diff-pagedown'].bytes), '(full repaint ~10 KB)', ''],
      [`line down in the diff: median / p95 (n=${results['diff-down'].n}), bytes`, `${ms(results['diff-down'].median)} / ${ms(results['diff-down'].p95)}, ${kb(results['diff-down'].bytes)}`, '< 16 ms median', ok(results['diff-down'].median, 16)],
      ['peak RSS, 2,000 hosts + 20,000-line diff open', fmtMb(results.rssKb), '< 150 MB', ok(results.rssKb, 150 * 1024)],
    ],
  ),
);
const text = lines.join('\n');
console.log(text);
const md = opt('md', '');
if (md) writeFileSync(md, `${text}\n`);
