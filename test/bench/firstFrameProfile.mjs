/**
 * Where the console's first frame goes: the built `konf console` (what `bin` runs) on a
 * fleet repository of N hosts that refuse connections, in a pty, profiled from right
 * after Node's boot to the write of its first full frame (firstFrameProbe.mjs; an exact
 * window), then summed by area (package, konf chunk, Node's module loader, GC). Prints
 * markdown tables; with several runs, the areas are summed over the runs and divided.
 *
 *     node test/bench/firstFrameProfile.mjs [--hosts 2000] [--runs 3] [--no-build]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, fmtMs, log, machineLine, PROJECT, table, which } from './common.mjs';
import { cpuSummary } from './profile.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const HOSTS = Number(opt('hosts', '2000'));
const RUNS = Number(opt('runs', '3'));
const PYTHON = ['/usr/bin/python3', which('python3')].find((p) => p && spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0);
if (!PYTHON) throw new Error('python3 is needed for the pty driver (apt-get install -y python3)');
ensureBuilt({ skip: args.includes('--no-build') });

const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-first-frame-'));
try {
  const repo = path.join(tmp, 'repo');
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  };
  put('etc/serverconfig/default', 'role="web"\nworkers=4\n');
  for (let i = 1; i <= HOSTS; i++) put(`etc/serverconfig/node${String(i).padStart(3, '0')}`, `konf_root="${path.join(tmp, 'roots', String(i))}"\n`);
  for (let i = 0; i < 10; i++) put(`etc/files/etc/app/conf${i}.conf${i % 3 === 0 ? '.tmpl' : ''}`, `# conf ${i}\nhost={{ konf_host }}\n`);
  put('etc/ssh_config', `Host *\n  HostName 127.0.0.1\n  Port 9\n  BatchMode yes\n  ConnectTimeout 2\n  UserKnownHostsFile ${path.join(tmp, 'known_hosts')}\n`);
  writeFileSync(path.join(tmp, 'known_hosts'), '');

  const walls = [];
  const cpus = [];
  const dirs = [];
  for (let run = 0; run < RUNS; run++) {
    const dir = path.join(tmp, `profile-${run}`);
    mkdirSync(dir);
    dirs.push(dir);
    const spec = {
      argv: [process.execPath, '--import', path.join(PROJECT, 'test/bench/firstFrameProbe.mjs'), path.join(PROJECT, 'dist/src/cli/main.js'), '--repo', repo, '--state', path.join(tmp, 'state'), 'console'],
      env: { TERM: 'xterm-256color', LANG: 'C.UTF-8', KONF_CONFIG_DIR: path.join(tmp, 'config'), KONF_FIRST_FRAME_PROFILE: path.join(dir, 'first.cpuprofile') },
      cwd: tmp,
      cols: 120,
      rows: 40,
      steps: [{ wait: 'q quit', timeout: 60, label: 'first' }],
      quit: 'q',
    };
    writeFileSync(path.join(tmp, 'spec.json'), JSON.stringify(spec));
    log(`bench: first frame of konf console, ${HOSTS} hosts, profiled (run ${run + 1}/${RUNS})`);
    const r = spawnSync(PYTHON, [path.join(PROJECT, 'test/bench/pty_driver.py'), path.join(tmp, 'spec.json')], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
    const first = JSON.parse(r.stdout).steps[0];
    if (first.seen_ms === null) throw new Error('no first frame within 60 s');
    walls.push(first.seen_ms);
    cpus.push(first.cpu_ms);
    readFileSync(path.join(dir, 'first.cpuprofile')); // the probe wrote it
  }
  const lines = [`#### The console's first frame, ${HOSTS} hosts: where the CPU goes`, '', `Machine: ${machineLine()}.`, ''];
  lines.push(table(['run', 'first frame (wall, pty)', 'CPU until then'], walls.map((w, i) => [String(i + 1), fmtMs(w), fmtMs(cpus[i])])), '');
  for (const [i, dir] of dirs.entries()) lines.push(`Run ${i + 1}, profile from the preload to the frame's write:`, '', cpuSummary(dir, 16).text, '');
  console.log(lines.join('\n'));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
