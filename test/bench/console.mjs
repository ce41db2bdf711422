/**
 * Console benchmark, measured under a pseudo terminal (pty_driver.py, Python stdlib) at
 * 120x40:
 *  - start to first full frame of the BUILT entry (`konf console`, a 200-host fleet repo
 *    whose hosts refuse connections), beside Node's own startup (`node -e 0`) and
 *    `konf --version`;
 *  - key press to frame (median, p95) and bytes written, for a cursor move in a 2,000-host
 *    list and a page-down in a 20,000-line side-by-side diff (synthetic session,
 *    consoleApp.mjs);
 *  - peak RSS with 2,000 hosts and the 20,000-line diff open;
 *  - first frame and background checks with 2,000 hosts that refuse connections (time
 *    until all are checked, RSS before and after);
 *  - the core's diff of a 20,000-line file with every 7th line changed.
 *
 * With --baseline DIR (another checkout, built: e.g. `git worktree add` of main, or a
 * `git archive` copy with node_modules linked), the same measures are taken there in the
 * same run and the table shows before / after side by side.
 *
 * `--only refused` takes just the 2,000-refusing-hosts measure (first frame → all checked, RSS).
 *
 *     node test/bench/console.mjs [--reps 5] [--keys 60] [--no-build] [--baseline DIR] [--md FILE] [--only refused]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBuilt, fmtMb, log, machineLine, median, percentile, PROJECT, table, which } from './common.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const REPS = Number(opt('reps', '5'));
const KEYS = Number(opt('keys', '60'));
const ONLY = opt('only', '');
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
  // One repository per size: a smaller fleet written over a larger one would keep its hosts.
  const repo = path.join(tmp, `repo-${n}`);
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

/** A 20,000-line file with every 7th line changed, diffed by that checkout's core (in process, median of 3). */
async function coreDiff(project) {
  const file = path.join(project, 'dist/src/core/diff/compare.js');
  const { diffHost, WHOLE_FILE_NOTE } = await import(file);
  const old = Array.from({ length: 20_000 }, (_, i) => `rule_${i} = allow 10.${i % 256}.${(i >> 8) % 256}.0/24`);
  const neu = old.map((l, i) => (i % 7 === 3 ? `${l} changed` : l));
  const entry = (text) => ({ path: '/etc/fw.rules', state: 'file', content: Buffer.from(`${text.join('\n')}\n`) });
  const live = { ...entry(old), mode: 0o100644, owner: 'root', group: 'root' };
  const times = [];
  let f;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    f = diffHost('h', [entry(neu)], [live]).files[0];
    times.push(performance.now() - t0);
  }
  return { ms: median(times), whole: f.note === WHOLE_FILE_NOTE, added: f.added };
}

/** Every measure, for the checkout at `project` (its built dist/ and its own bench scripts). */
async function measure(project, label) {
  const main = path.join(project, 'dist/src/cli/main.js');
  const r = {};
  log(`bench (${label}): console startup`);
  if (ONLY !== 'refused') r.nodeStartup = timeProcess([process.execPath, '-e', '0'], REPS);
  if (ONLY !== 'refused') r.konfVersion = timeProcess([process.execPath, main, '--version'], REPS);
  const firstFrame = (hosts, reps) => {
    const repo = startupRepo(hosts);
    const walls = [];
    const cpus = [];
    let checked;
    for (let i = 0; i < reps; i++) {
      const res = drive({
        argv: [process.execPath, main, '--repo', repo, '--state', path.join(tmp, 'state'), 'console'],
        env: baseEnv,
        cwd: tmp,
        cols: COLS,
        rows: ROWS,
        steps: [
          { wait: 'q quit', timeout: 30, label: 'first' },
          { rss: 'rss-first' },
          { wait: `${hosts} failing`, row: 1, timeout: 120, label: 'checked' },
          { rss: 'rss-checked' },
        ],
        quit: 'q',
      });
      const s = res.step('first');
      if (s.seen_ms === null) throw new Error(`konf console (${label}) did not draw its first frame within 30 s`);
      walls.push(s.seen_ms);
      cpus.push(s.cpu_ms);
      const c = res.step('checked');
      checked = {
        ms: c.seen_ms === null ? null : c.seen_ms - s.seen_ms,
        cpu: c.cpu_ms === null || s.cpu_ms === null ? null : c.cpu_ms - s.cpu_ms,
        rssFirst: res.step('rss-first').rss_kb,
        rssChecked: res.step('rss-checked').rss_kb,
      };
    }
    return { wall: median(walls), cpu: median(cpus), walls, checked };
  };
  r.first2000 = firstFrame(2000, Math.max(1, Math.min(REPS, 3)));
  if (ONLY === 'refused') return r;
  r.first200 = firstFrame(200, REPS);

  log(`bench (${label}): key latency (2,000 hosts, 20,000-line diff)`);
  const res = drive({
    argv: [process.execPath, path.join(project, 'test/bench/consoleApp.mjs')],
    env: { ...baseEnv, BENCH_HOSTS: '2000', BENCH_DIFF_LINES: '20000' },
    cwd: tmp,
    cols: COLS,
    rows: ROWS,
    steps: [
      { wait: 'q quit', timeout: 60, label: 'first' },
      { wait: '200 pending', row: 1, timeout: 60, label: 'checked' },
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
      { key: 'v', repeat: 4, label: 'toggle' },
      { sleep: 300 },
      { key: '\x1b[6~', repeat: Math.min(KEYS, 40), label: 'diff-pagedown' },
      { key: 'j', repeat: Math.min(KEYS, 40), label: 'diff-down' },
      { rss: 'rss' },
    ],
    quit: 'q',
  });
  if (res.step('checked').seen_ms === null) throw new Error('the synthetic console never showed "200 pending"');
  for (const key of ['hosts-down', 'hosts-scroll', 'open-diff', 'side-by-side', 'toggle', 'diff-pagedown', 'diff-down']) {
    const step = res.step(key);
    const lat = step.latency_ms.filter((x) => x !== null);
    if (lat.length < step.latency_ms.length / 2) throw new Error(`${key}: the console answered only ${lat.length} of ${step.latency_ms.length} key presses`);
    const cpu = step.cpu_ms.filter((x) => x !== null);
    r[key] = { median: median(lat), p95: percentile(lat, 95), bytes: median(step.bytes), n: step.latency_ms.length, cpu: cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length) };
  }
  r.firstFrameSynthetic = res.step('first').seen_ms;
  r.rssKb = res.step('rss').hwm_kb;
  r.diff = await coreDiff(project);
  return r;
}

const after = await measure(PROJECT, 'this checkout');
const baselineDir = opt('baseline', '');
const before = baselineDir ? await measure(path.resolve(baselineDir), 'baseline') : undefined;
rmSync(tmp, { recursive: true, force: true });

const ok = (v, t) => (Number.isFinite(v) ? (v < t ? 'met' : 'MISSED') : '—');
const lat = (x) => (x ? `${ms(x.median)} / ${ms(x.p95)}` : '');
const allRows = [
  ['`node -e 0` (Node startup, exit)', (r) => ms(r.nodeStartup), '', () => ''],
  ['`konf --version` (exit)', (r) => ms(r.konfVersion), '', () => ''],
  [`start to first full frame, built entry, 200 hosts: wall (median of ${REPS})`, (r) => ms(r.first200.wall), '300 ms', (r) => ok(r.first200.wall, 300)],
  ['  … CPU time of the konf process until then', (r) => ms(r.first200.cpu), '', () => ''],
  ['first full frame, 2,000 hosts: wall / CPU', (r) => `${ms(r.first2000.wall)} / ${ms(r.first2000.cpu)}`, '300 ms', (r) => ok(r.first2000.wall, 300)],
  ['2,000 hosts refusing connections: first frame → all checked', (r) => ms(r.first2000.checked.ms), '3 s', (r) => ok(r.first2000.checked.ms, 3000)],
  ['  … CPU time of the konf process meanwhile (less load-bound than the wall time)', (r) => ms(r.first2000.checked.cpu), '', () => ''],
  ['  … RSS at the first frame → when all are checked', (r) => `${fmtMb(r.first2000.checked.rssFirst)} → ${fmtMb(r.first2000.checked.rssChecked)}`, 'flat', () => ''],
  [`cursor move in 2,000-host list, inside the window: key → frame median / p95 (n=${after['hosts-down']?.n})`, (r) => lat(r['hosts-down']), '< 16 / 33 ms', (r) => (r['hosts-down'].median < 16 && r['hosts-down'].p95 < 33 ? 'met' : 'MISSED')],
  ['  … CPU per key (mean; the wall time above is this times the machine’s load)', (r) => ms(r['hosts-down'].cpu), '', () => ''],
  ['  … bytes written (median)', (r) => kb(r['hosts-down'].bytes), '< 1 KB', (r) => ok(r['hosts-down'].bytes, 1024)],
  [`cursor move that scrolls the list: median / p95 (n=${after['hosts-scroll']?.n})`, (r) => lat(r['hosts-scroll']), '< 16 / 33 ms', (r) => (r['hosts-scroll'].median < 16 && r['hosts-scroll'].p95 < 33 ? 'met' : 'MISSED')],
  ['  … CPU per key (mean)', (r) => ms(r['hosts-scroll'].cpu), '', () => ''],
  ['  … bytes written (median)', (r) => kb(r['hosts-scroll'].bytes), '< 1 KB', (r) => ok(r['hosts-scroll'].bytes, 1024)],
  ['open the 20,000-line diff (d), first switch to side-by-side (v)', (r) => `${ms(r['open-diff'].median)}, ${ms(r['side-by-side'].median)}`, '', () => ''],
  ['toggle v again (layouts built once): median', (r) => ms(r.toggle.median), '', () => ''],
  [`page-down in the 20,000-line side-by-side diff: median / p95 (n=${after['diff-pagedown']?.n})`, (r) => lat(r['diff-pagedown']), '< 16 / 33 ms', (r) => (r['diff-pagedown'].median < 16 && r['diff-pagedown'].p95 < 33 ? 'met' : 'MISSED')],
  ['  … CPU per key (mean)', (r) => ms(r['diff-pagedown'].cpu), '', () => ''],
  ['  … bytes written (median)', (r) => kb(r['diff-pagedown'].bytes), '(a page of new text)', () => ''],
  [`line down in the diff (a cursor move that scrolls): median / p95 (n=${after['diff-down']?.n})`, (r) => lat(r['diff-down']), '< 16 / 33 ms', (r) => (r['diff-down'].median < 16 && r['diff-down'].p95 < 33 ? 'met' : 'MISSED')],
  ['  … CPU per key (mean)', (r) => ms(r['diff-down'].cpu), '', () => ''],
  ['  … bytes written (median)', (r) => kb(r['diff-down'].bytes), '< 1 KB', (r) => ok(r['diff-down'].bytes, 1024)],
  ['peak RSS, 2,000 hosts + 20,000-line diff open', (r) => fmtMb(r.rssKb), '< 150 MB', (r) => ok(r.rssKb, 150 * 1024)],
  ['diff of a 20,000-line file, every 7th line changed (core, in process)', (r) => `${ms(r.diff.ms)}${r.diff.whole ? ' (whole file replaced)' : `, +${r.diff.added}`}`, '< 1 s, line by line', (r) => (r.diff.ms < 1000 && !r.diff.whole ? 'met' : 'MISSED')],
];
const rows = ONLY === 'refused' ? allRows.filter(([name]) => /^(2,000 hosts refusing| {2}… RSS at the first frame| {2}… CPU time of the konf process meanwhile)/.test(name)) : allRows;
const lines = [];
lines.push('### Console benchmark');
lines.push('');
lines.push(`Machine: ${machineLine()}. Terminal: a pty at ${COLS}x${ROWS} (pty_driver.py); a frame is the burst of output after a key, ended by 40 ms of quiet (latency = key written → last byte of the burst).${before ? ` Before = ${baselineDir}, after = this checkout, measured one after the other in the same run.` : ''}`);
lines.push('');
lines.push(
  table(
    before ? ['measure', 'before', 'after', 'target', 'status'] : ['measure', 'value', 'target', 'status'],
    rows.map(([name, value, target, status]) => (before ? [name, value(before), value(after), target, status(after)] : [name, value(after), target, status(after)])),
  ),
);
const text = lines.join('\n');
console.log(text);
const md = opt('md', '');
if (md) writeFileSync(md, `${text}\n`);
