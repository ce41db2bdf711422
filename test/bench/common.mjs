/**
 * Shared helpers of the benchmarks (plain Node ESM: they import the BUILT konf from dist/).
 * Timing: wall time measured here around the child; controller CPU (user+sys of the whole
 * child process tree) and peak RSS (largest single process of the tree) from GNU time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// A benchmark stopped by Ctrl-C, kill or a closed terminal exits through process.exit, so the
// test fleet's exit hook stops every sshd it started (without a handler Node would just die).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(128 + os.constants.signals[sig]));
export const KONF_MAIN = path.join(PROJECT, 'dist/src/cli/main.js');
export const GNU_TIME = '/usr/bin/time';

export function log(text) {
  process.stderr.write(`${text}\n`);
}

/** Builds dist/ (tsc) unless told not to; returns when dist/src/cli/main.js exists. */
export function ensureBuilt({ skip = false } = {}) {
  if (!skip) {
    log('bench: npm run build');
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0 && !existsSync(KONF_MAIN)) throw new Error('npm run build failed');
  }
  if (!existsSync(KONF_MAIN)) throw new Error(`${KONF_MAIN} missing: run npm run build`);
}

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** apt-get install (as root only); prints what it does. Returns true when the command is there afterwards. */
export function aptInstall(pkg, probe) {
  if (probe()) return true;
  if (process.getuid?.() !== 0) {
    log(`bench: ${pkg} is missing and this is not root: run apt-get install -y ${pkg}`);
    return false;
  }
  log(`bench: installing Debian package ${pkg} (apt-get install -y ${pkg})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 900_000 });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
    r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 900_000 });
  }
  return probe();
}

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const percentile = (xs, p) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/**
 * Runs argv under GNU time with stdout (and stderr) to files; wall time from here.
 * Returns { code, wallMs, cpuMs, rssKb, stdout, stderr }. Bounded by timeoutMs.
 */
export function timed(argv, { cwd = PROJECT, env = process.env, timeoutMs = 1_800_000, outFile, errFile } = {}) {
  const tmp = os.tmpdir();
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const tfile = path.join(tmp, `konf-bench-time-${tag}`);
  const out = outFile ?? path.join(tmp, `konf-bench-out-${tag}`);
  const err = errFile ?? path.join(tmp, `konf-bench-err-${tag}`);
  const ofd = openSync(out, 'w');
  const efd = openSync(err, 'w');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', tfile, ...argv], { cwd, env, stdio: ['ignore', ofd, efd] });
    const timer = setTimeout(() => {
      log(`bench: ${argv.slice(0, 3).join(' ')}… exceeded ${timeoutMs / 1000}s, killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      closeSync(ofd);
      closeSync(efd);
      let cpuMs = NaN;
      let rssKb = NaN;
      try {
        // GNU time prints "Command exited with non-zero status N" first when N != 0.
        const line = readFileSync(tfile, 'utf8').trim().split('\n').pop() ?? '';
        const [, u, s, m] = line.split(' ').map(Number);
        cpuMs = (u + s) * 1000;
        rssKb = m;
      } catch {
        // no timing (killed)
      }
      const stdout = readFileSync(out, 'utf8');
      const stderr = readFileSync(err, 'utf8');
      rmSync(tfile, { force: true });
      if (!outFile) rmSync(out, { force: true });
      if (!errFile) rmSync(err, { force: true });
      resolve({ code, wallMs, cpuMs, rssKb, stdout, stderr });
    });
  });
}

/** A markdown table; rows are arrays of cells. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export const fmtMs = (ms) => (Number.isFinite(ms) ? (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`) : 'n/a');
export const fmtMb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : 'n/a');
export const fmtRatio = (x) => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : 'n/a');

/** Lines about the machine, printed above the tables. */
export function machineLine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, load ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, Node ${process.version}, ${os.type()} ${os.release()}`;
}
