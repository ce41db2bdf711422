/**
 * Where the console's time goes: the synthetic 2,000-host / 20,000-line-diff console
 * (consoleApp.mjs) under `node --cpu-prof` and a pty, with the CPU profile cut into
 * phases (startup to the first frame, cursor moves in the host list, page-downs in the
 * side-by-side diff).
 *
 *     node test/bench/consoleProfile.mjs [--keys 40] [--md FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, PROJECT, which } from './common.mjs';
import { cpuSummary } from './profile.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const KEYS = Number(opt('keys', '40'));
const PYTHON = ['/usr/bin/python3', which('python3')].find((p) => p && spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bench-cprof-'));
try {
  const spec = {
    argv: [process.execPath, '--cpu-prof', `--cpu-prof-dir=${tmp}`, path.join(PROJECT, 'test/bench/consoleApp.mjs')],
    env: { TERM: 'xterm-256color', LANG: 'C.UTF-8', KONF_CONFIG_DIR: path.join(tmp, 'config'), BENCH_HOSTS: '2000', BENCH_DIFF_LINES: '20000' },
    cols: 120,
    rows: 40,
    steps: [
      { wait: 'q quit', timeout: 60, label: 'first' },
      { wait: '200 pending', row: 1, timeout: 60, label: 'checked' },
      { sleep: 500 },
      { mark: 'hosts-start' },
      { key: 'j', repeat: KEYS, label: 'hosts-down' },
      { mark: 'hosts-end' },
      { key: 'd', label: 'open-diff' },
      { key: 'v', label: 'side-by-side' },
      { sleep: 300 },
      { mark: 'diff-start' },
      { key: '\x1b[6~', repeat: KEYS, label: 'diff-pagedown' },
      { mark: 'diff-end' },
    ],
    quit: 'q',
  };
  writeFileSync(path.join(tmp, 'spec.json'), JSON.stringify(spec));
  log('bench: profiling the console (2,000 hosts, 20,000-line diff)');
  const r = spawnSync(PYTHON, [path.join(PROJECT, 'test/bench/pty_driver.py'), path.join(tmp, 'spec.json')], { encoding: 'utf8', timeout: 300_000 });
  const res = JSON.parse(r.stdout);
  const at = (label) => res.steps.find((s) => s.label === label);
  const boot = 40; // the profile starts after Node's own boot (about this many ms after the fork)
  const w = (a, b) => [a - boot, b - boot];
  const first = at('first').seen_ms;
  const parts = [
    [`startup to first frame (${Math.round(first)} ms)`, w(0, first)],
    [`${KEYS} cursor moves in the host list`, w(at('hosts-start').t_ms, at('hosts-end').t_ms)],
    [`${KEYS} page-downs in the side-by-side diff`, w(at('diff-start').t_ms, at('diff-end').t_ms)],
  ];
  const out = ['#### Console CPU profile (synthetic session, 2,000 hosts, 20,000-line diff)', ''];
  for (const [label, win] of parts) {
    // Idle samples inside a window are not meaningful (the window edges are approximate): busy areas only.
    const rows = cpuSummary(tmp, 13, win).text.split('\n').filter((l) => !l.startsWith('| idle'));
    out.push(`${label}:`, '', rows.join('\n'), '');
  }
  const text = out.join('\n');
  console.log(text);
  const md = opt('md', '');
  if (md) writeFileSync(md, `${text}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
