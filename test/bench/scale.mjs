/**
 * `npm run bench:scale`: konf at scale, on real OpenSSH servers on 127.0.0.1.
 *
 *  1. Fleet size: `konf diff --all` and `konf deploy --all --yes` at 100, 300 and 1,000
 *     hosts (16 hosts per sshd, each its own port, known_hosts line and root): wall time,
 *     controller CPU, peak RSS, and MB per host beyond the base (a 1-host run).
 *  2. Many files: one host with 5,000 small managed files: `konf diff` (in sync) against
 *     `ssh host tar cf - <folder>`, a 1-file redeploy, and a deploy from an empty root
 *     against rsync.
 *  3. A big file: a changed 200 MB file: peak RSS of `konf diff` and `konf deploy`
 *     against the file's size.
 *
 *  4. Key exchange: handshake cost per key exchange with OpenSSH's sshd (kex.mjs).
 *
 *     node test/bench/scale.mjs [--sizes 100,300,1000] [--hosts-per-sshd 16] [--files 10]
 *                               [--changed 2] [--parallel 16] [--many 5000] [--big-mb 200]
 *                               [--only sizes,files,big,kex] [--reps 1] [--files-reps 5] [--kex-rounds 30]
 *                               [--no-build] [--md FILE]
 *
 * Every konf result is verified outside the timed part (the diff lists exactly the drifted
 * files; after a deploy every file equals the plan).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aptInstall, ensureBuilt, fmtMb, fmtMs, fmtRatio, GNU_TIME, KONF_MAIN, log, machineLine, median, PROJECT, table, timed, which } from './common.mjs';
import { existsSync } from 'node:fs';
import { kexBench } from './kex.mjs';

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const flag = (name) => args.includes(`--${name}`);

const SIZES = opt('sizes', '100,300,1000').split(',').map(Number);
const PER_SSHD = Number(opt('hosts-per-sshd', '16'));
const FILES = Number(opt('files', '10'));
const CHANGED = Number(opt('changed', '2'));
const PARALLEL = Number(opt('parallel', '16'));
const MANY = Number(opt('many', '5000'));
const BIG_MB = Number(opt('big-mb', '200'));
const REPS = Number(opt('reps', '1'));
const FILES_REPS = Number(opt('files-reps', '5'));
const ONLY = new Set(opt('only', 'sizes,files,big,kex').split(','));

ensureBuilt({ skip: flag('no-build') });
const dist = (p) => path.join(PROJECT, 'dist/src', p);
const { startTestFleet } = await import(dist('testfleet/testFleet.js'));
const { bindRepoToFleet } = await import(dist('testfleet/fleetRepo.js'));
const { seedRoot, rootPath } = await import(dist('testfleet/seed.js'));
const { loadFleet } = await import(dist('core/fleet/fleet.js'));
const { readOpenFileLimit, descriptorsNeeded } = await import(dist('core/util/openFiles.js'));

if (!existsSync(GNU_TIME) && !aptInstall('time', () => existsSync(GNU_TIME))) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install -y time');
if (!which('rsync') && !aptInstall('rsync', () => Boolean(which('rsync')))) throw new Error('rsync is needed: apt-get install -y rsync');

// File descriptors: konf keeps a connection per host; Node raises its soft limit to the hard one.
const nofile = readOpenFileLimit();
const biggest = Math.max(...SIZES);
const need = descriptorsNeeded(biggest, PARALLEL);
log(`bench: open files: soft ${nofile?.soft ?? '?'}, hard ${nofile?.hard ?? '?'}; ${biggest} hosts need about ${need}`);
if (nofile && nofile.hard < need) throw new Error(`the hard open-file limit ${nofile.hard} is below the ${need} that ${biggest} hosts need: raise it (ulimit -Hn as root) or pass smaller --sizes`);

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const mb = (kb) => kb / 1024;
const results = { sizes: [], files: undefined, big: undefined, notes: [] };

function put(repo, rel, content) {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), content);
}

function konfArgv(repo, state, ...a) {
  // KONF_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR": Node options for every konf run (a profile of each).
  const nodeArgs = (process.env.KONF_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [process.execPath, ...nodeArgs, KONF_MAIN, '--repo', repo, '--state', state, ...a];
}

/** Parses konf diff's human output: host → modified paths. */
function pendingByHost(stdout) {
  const found = new Map();
  let cur;
  for (const l of stdout.split('\n')) {
    const m = /^(\S+): (\d+ pending|in sync)$/.exec(l);
    if (m) {
      cur = m[1];
      found.set(cur, []);
    } else if (cur && /^ {2}(modified|binary) {3,}\//.test(l)) found.get(cur).push(l.trim().split(/\s+/)[1]);
  }
  return found;
}

async function run(label, argv, verify, opts = {}) {
  const runs = [];
  for (let i = 0; i < REPS; i++) {
    opts.before?.();
    log(`bench: ${label}${REPS > 1 ? ` (run ${i + 1}/${REPS})` : ''}`);
    const r = await timed(argv, opts);
    let note;
    try {
      note = verify(r);
    } catch (err) {
      const dump = path.join(os.tmpdir(), `konf-bench-scale-failed.txt`);
      writeFileSync(dump, `${r.stdout.slice(-200_000)}\n----- stderr\n${r.stderr.slice(-200_000)}`);
      throw new Error(`${label}: wrong result: ${err.message} (output: ${dump})`);
    }
    log(`bench:   ${fmtMs(r.wallMs)} wall, ${fmtMs(r.cpuMs)} cpu, ${fmtMb(r.rssKb)} peak RSS — ${note}`);
    runs.push(r);
  }
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), rssKb: median(runs.map((r) => r.rssKb)) };
}

// ---------------------------------------------------------------------------------------
// 1. Fleet size

function fileSpecs() {
  const specs = [];
  for (let i = 0; i < FILES; i++) {
    const template = i % 5 === 0;
    const logical = `/etc/svc${i % 4}/conf${i}.conf`;
    const lines = [`# conf${i}: managed by konf (scale benchmark)`];
    if (template) lines.push('host = {{ konf_host }}', 'workers = {{ workers }}');
    for (let n = 0; lines.join('\n').length < 1500 + i * 200; n++) lines.push(`setting_${i}_${n} = ${createHash('md5').update(`${i}.${n}`).digest('hex')}`);
    specs.push({ logical, source: `etc/files${logical}${template ? '.tmpl' : ''}`, text: `${lines.join('\n')}\n` });
  }
  return specs;
}

async function sizeRun(size) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `konf-scale-${size}-`));
  const names = Array.from({ length: size }, (_, i) => `h${String(i + 1).padStart(4, '0')}`);
  log(`bench: ${size} hosts on ${Math.ceil(size / PER_SSHD)} sshd`);
  const fleet = await startTestFleet({ hosts: names, hostsPerSshd: PER_SSHD, dir: path.join(tmp, 'fleet') });
  try {
    const repo = path.join(tmp, 'repo');
    put(repo, 'etc/serverconfig/default', 'workers=4\n');
    names.forEach((h, i) => put(repo, `etc/serverconfig/${h}`, `workers=${2 + (i % 7)}\n`));
    for (const s of fileSpecs()) put(repo, s.source, s.text);
    await bindRepoToFleet(repo, fleet);
    const model = await loadFleet(repo);
    const plans = await Promise.all(model.planAll(names));
    const want = new Map();
    const drifted = new Map();
    plans.forEach((plan, i) => {
      const host = fleet.hosts[i];
      want.set(host.name, plan.files);
      const files = plan.files.filter((f) => f.kind === 'file');
      drifted.set(
        host.name,
        [...new Set(Array.from({ length: CHANGED }, (_, k) => files[(i + k * 3) % files.length].path))].sort(),
      );
    });
    for (const [i, plan] of plans.entries()) await seedRoot(fleet.hosts[i].root, plan);
    const redrift = () => {
      for (const host of fleet.hosts) for (const p of drifted.get(host.name)) writeFileSync(rootPath(host.root, p), `drifted on ${host.name}\n`);
    };
    const state = path.join(tmp, 'state');
    const out = { size, sshd: fleet.sshdPids().length };

    if (size === SIZES[0]) {
      // The base: the same run over one host.
      redrift();
      out.base = await run('konf diff, 1 host (the base)', konfArgv(repo, state, 'diff', names[0]), (r) => {
        if (r.code !== 1) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        return 'one host';
      });
      results.baseRssKb = out.base.rssKb;
    }
    redrift();
    out.diff = await run(`konf diff --all, ${size} hosts`, konfArgv(repo, state, 'diff', '--all', '--parallel', String(PARALLEL)), (r) => {
      if (r.code !== 1) throw new Error(`exit ${r.code} (expected 1): ${r.stderr.slice(0, 300)}`);
      const found = pendingByHost(r.stdout);
      for (const host of fleet.hosts) {
        const got = [...(found.get(host.name) ?? [])].sort();
        if (JSON.stringify(got) !== JSON.stringify(drifted.get(host.name))) throw new Error(`${host.name}: lists [${got.join(' ')}], expected [${drifted.get(host.name).join(' ')}]`);
      }
      return `${size} hosts × ${CHANGED} drifted files listed, nothing else`;
    });
    redrift();
    out.deploy = await run(
      `konf deploy --all --yes, ${size} hosts`,
      konfArgv(repo, state, 'deploy', '--all', '--yes', '--parallel', String(PARALLEL)),
      (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stdout + r.stderr).slice(-400)}`);
        let bad = 0;
        for (const host of fleet.hosts) {
          for (const f of want.get(host.name)) {
            if (!readFileSync(rootPath(host.root, f.path)).equals(f.content)) bad++;
          }
        }
        if (bad) throw new Error(`${bad} file(s) differ from the plan after the deploy`);
        return `${size} hosts × ${FILES} files equal the plan, pre-deploy snapshots stored`;
      },
      { before: () => rmSync(state, { recursive: true, force: true }) },
    );
    return out;
  } finally {
    await fleet.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// 2. Many files on one host

async function manyFilesRun() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-scale-many-'));
  const fleet = await startTestFleet({ hosts: ['many'], dir: path.join(tmp, 'fleet') });
  try {
    const repo = path.join(tmp, 'repo');
    put(repo, 'etc/serverconfig/default', '');
    for (let i = 0; i < MANY; i++) put(repo, `etc/files/etc/many/d${String(i % 50).padStart(2, '0')}/f${String(i).padStart(5, '0')}.conf`, `# file ${i}\nvalue = ${createHash('md5').update(String(i)).digest('hex')}\n`.repeat(3));
    await bindRepoToFleet(repo, fleet);
    const plan = await (await loadFleet(repo)).plan('many');
    const root = fleet.host('many').root;
    await seedRoot(root, plan);
    const render = path.join(tmp, 'render');
    await seedRoot(render, plan);
    const state = path.join(tmp, 'state');
    const cfg = fleet.sshConfig;
    const out = { files: MANY };
    // The floor and konf's diff, interleaved (one run is at the mercy of a shared machine's
    // load): medians of FILES_REPS pairs.
    const tarRuns = [];
    const diffRuns = [];
    for (let i = 0; i < FILES_REPS; i++) {
      tarRuns.push(
        await run(`ssh many 'tar cf - etc/many' (${MANY} files, pair ${i + 1}/${FILES_REPS})`, ['sh', '-c', `ssh -F ${q(cfg)} many ${q(`cd ${root} && tar cf - etc/many`)} > ${q(path.join(tmp, 'many.tar'))}`], (r) => {
          if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
          const n = spawnSync('tar', ['tf', path.join(tmp, 'many.tar')], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout.split('\n').filter((l) => /\.conf$/.test(l)).length;
          if (n !== MANY) throw new Error(`tar holds ${n} files`);
          return `${n} files in the archive`;
        }),
      );
      diffRuns.push(
        await run(`konf diff many (${MANY} files, in sync, pair ${i + 1}/${FILES_REPS})`, konfArgv(repo, state, 'diff', 'many'), (r) => {
          if (r.code !== 0) throw new Error(`exit ${r.code} (expected 0, in sync): ${r.stderr.slice(0, 300)}${r.stdout.slice(0, 300)}`);
          if (!/^many: in sync$/m.test(r.stdout)) throw new Error('not reported in sync');
          return 'in sync';
        }),
      );
    }
    const med = (runs) => ({ wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)), rssKb: median(runs.map((r) => r.rssKb)) });
    out.tar = med(tarRuns);
    out.diff = med(diffRuns);
    out.ratios = diffRuns.map((d, i) => d.wallMs / tarRuns[i].wallMs);
    const one = plan.files[MANY >> 1];
    out.redeploy = await run(
      `konf deploy many --yes (1 of ${MANY} files changed)`,
      konfArgv(repo, state, 'deploy', 'many', '--yes'),
      (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stdout + r.stderr).slice(-400)}`);
        if (!readFileSync(rootPath(root, one.path)).equals(one.content)) throw new Error('the changed file was not deployed');
        return '1 file written';
      },
      { before: () => writeFileSync(rootPath(root, one.path), 'changed by hand\n') },
    );
    const wipe = () => {
      rmSync(path.join(root, 'etc'), { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    };
    const verifyAll = () => {
      let bad = 0;
      for (const f of plan.files) if (!readFileSync(rootPath(root, f.path)).equals(f.content)) bad++;
      if (bad) throw new Error(`${bad} file(s) differ`);
      return `${MANY} files equal the plan`;
    };
    out.rsyncEmpty = await run(`rsync -rl --checksum into an empty root (${MANY} files)`, ['sh', '-c', `rsync -rl --checksum -e ${q(`ssh -F ${cfg}`)} ${q(render)}/ many:${q(root)}/`], (r) => {
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
      return verifyAll();
    }, { before: wipe });
    out.deployEmpty = await run(`konf deploy many --yes into an empty root (${MANY} files)`, konfArgv(repo, state, 'deploy', 'many', '--yes'), (r) => {
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stdout + r.stderr).slice(-400)}`);
      return verifyAll();
    }, { before: wipe });
    return out;
  } finally {
    await fleet.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// 3. A big file

function writeRandomFile(file, bytes, seed) {
  const fd = openSync(file, 'w');
  const chunk = 1 << 20;
  let h = createHash('sha256').update(seed).digest();
  for (let done = 0; done < bytes; done += chunk) {
    // Cheap pseudo-random content (incompressible enough) without holding it all.
    const buf = Buffer.allocUnsafe(Math.min(chunk, bytes - done));
    for (let o = 0; o < buf.length; o += 32) {
      h = createHash('sha256').update(h).digest();
      h.copy(buf, o, 0, Math.min(32, buf.length - o));
    }
    writeSync(fd, buf);
  }
  closeSync(fd);
}

async function bigFileRun() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-scale-big-'));
  const fleet = await startTestFleet({ hosts: ['big'], dir: path.join(tmp, 'fleet') });
  try {
    const repo = path.join(tmp, 'repo');
    put(repo, 'etc/serverconfig/default', '');
    put(repo, 'etc/files/etc/small.conf', 'small = yes\n');
    const bytes = BIG_MB * 1024 * 1024;
    mkdirSync(path.join(repo, 'etc/files/srv'), { recursive: true });
    log(`bench: writing a ${BIG_MB} MB file`);
    writeRandomFile(path.join(repo, 'etc/files/srv/big.bin'), bytes, 'desired');
    await bindRepoToFleet(repo, fleet);
    const root = fleet.host('big').root;
    mkdirSync(path.join(root, 'srv'), { recursive: true });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc/small.conf'), 'small = yes\n');
    const live = path.join(root, 'srv/big.bin');
    const state = path.join(tmp, 'state');
    const drift = () => {
      writeRandomFile(live, bytes, 'live');
      chmodSync(live, 0o644);
    };
    drift();
    const out = { mb: BIG_MB };
    out.diff = await run(`konf diff big (a changed ${BIG_MB} MB file)`, konfArgv(repo, state, 'diff', 'big'), (r) => {
      if (r.code !== 1) throw new Error(`exit ${r.code} (expected 1): ${r.stderr.slice(0, 300)}`);
      const found = pendingByHost(r.stdout).get('big') ?? [];
      if (JSON.stringify(found) !== JSON.stringify(['/srv/big.bin'])) throw new Error(`lists [${found.join(' ')}]`);
      return '/srv/big.bin pending';
    });
    const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
    const wantSha = sha(path.join(repo, 'etc/files/srv/big.bin'));
    out.deploy = await run(`konf deploy big --yes (a changed ${BIG_MB} MB file, snapshotted first)`, konfArgv(repo, state, 'deploy', 'big', '--yes'), (r) => {
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stdout + r.stderr).slice(-400)}`);
      if (sha(live) !== wantSha) throw new Error('the big file was not deployed');
      if (statSync(live).size !== bytes) throw new Error('wrong size');
      return `${BIG_MB} MB written, pre-deploy snapshot stored`;
    }, { before: () => {
      drift();
      rmSync(state, { recursive: true, force: true });
    } });
    return out;
  } finally {
    await fleet.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------

if (ONLY.has('sizes')) for (const size of SIZES) results.sizes.push(await sizeRun(size));
if (ONLY.has('files')) results.files = await manyFilesRun();
if (ONLY.has('big')) results.big = await bigFileRun();
if (ONLY.has('kex')) results.kex = await kexBench(Number(opt('kex-rounds', '30')));

const lines = [];
lines.push('### Scale benchmark');
lines.push('');
lines.push(`Machine: ${machineLine()}. Open files: soft ${nofile?.soft ?? '?'}, hard ${nofile?.hard ?? '?'}.`);
if (results.sizes.length) {
  lines.push('');
  lines.push(
    `Fleet size: ${PER_SSHD} hosts per sshd (own port, known_hosts line and root per host), ${FILES} files of 1.5–3.5 KB per host (one in five a template), ${CHANGED} drifted per host, --parallel ${PARALLEL}; ${REPS} run(s) each (median). Base = the same \`konf diff\` over one host: ${fmtMb(results.baseRssKb)} peak RSS.`,
  );
  lines.push('');
  const rows = [];
  for (const s of results.sizes) {
    for (const [what, m] of [
      ['konf diff --all', s.diff],
      ['konf deploy --all --yes', s.deploy],
    ]) {
      const beyond = mb(m.rssKb - results.baseRssKb);
      rows.push([`${what}`, String(s.size), String(s.sshd), fmtMs(m.wallMs), `${(m.wallMs / s.size).toFixed(1)} ms`, fmtMs(m.cpuMs), fmtMb(m.rssKb), `${(beyond / s.size).toFixed(3)} MB`]);
    }
  }
  lines.push(table(['command', 'hosts', 'sshd', 'wall', 'wall/host', 'CPU', 'peak RSS', 'RSS beyond base / host'], rows));
  const first = results.sizes[0];
  const last = results.sizes[results.sizes.length - 1];
  if (first !== last) {
    lines.push('');
    for (const k of ['diff', 'deploy']) {
      const slope = mb(last[k].rssKb - first[k].rssKb) / (last.size - first.size);
      lines.push(
        `- \`konf ${k}\`: wall ${last.size}/${first.size} hosts = ${fmtRatio(last[k].wallMs / first[k].wallMs)} for ${fmtRatio(last.size / first.size)} the hosts; RSS grows ${slope.toFixed(3)} MB per extra host (target < 0.3 MB/host: ${slope < 0.3 ? 'met' : 'MISSED'}).`,
      );
    }
  }
}
if (results.files) {
  const f = results.files;
  lines.push('');
  lines.push(`Many files: one host, ${f.files} managed files of ~150 bytes in 50 folders; ssh+tar and konf diff interleaved, medians of ${FILES_REPS} pairs (each pair's ratio: ${f.ratios.map((x) => fmtRatio(x)).join(', ')}).`);
  lines.push('');
  lines.push(
    table(
      ['method', 'wall', 'CPU', 'peak RSS', 'vs ssh+tar'],
      [
        [`ssh host 'tar cf - <folder>'`, fmtMs(f.tar.wallMs), fmtMs(f.tar.cpuMs), fmtMb(f.tar.rssKb), '1×'],
        ['konf diff host (in sync)', fmtMs(f.diff.wallMs), fmtMs(f.diff.cpuMs), fmtMb(f.diff.rssKb), `${fmtRatio(f.diff.wallMs / f.tar.wallMs)} (target ≤ 3×: ${f.diff.wallMs / f.tar.wallMs <= 3 ? 'met' : 'MISSED'})`],
        ['konf deploy host --yes (1 file changed)', fmtMs(f.redeploy.wallMs), fmtMs(f.redeploy.cpuMs), fmtMb(f.redeploy.rssKb), fmtRatio(f.redeploy.wallMs / f.tar.wallMs)],
        ['rsync -rl --checksum into an empty root', fmtMs(f.rsyncEmpty.wallMs), fmtMs(f.rsyncEmpty.cpuMs), fmtMb(f.rsyncEmpty.rssKb), fmtRatio(f.rsyncEmpty.wallMs / f.tar.wallMs)],
        ['konf deploy host --yes into an empty root', fmtMs(f.deployEmpty.wallMs), fmtMs(f.deployEmpty.cpuMs), fmtMb(f.deployEmpty.rssKb), fmtRatio(f.deployEmpty.wallMs / f.tar.wallMs)],
      ],
    ),
  );
  lines.push('');
  lines.push(`konf deploy into an empty root / rsync -rl --checksum into an empty root, side by side: ${fmtRatio(f.deployEmpty.wallMs / f.rsyncEmpty.wallMs)} wall (target ≤ 2×: ${f.deployEmpty.wallMs / f.rsyncEmpty.wallMs <= 2 ? 'met' : 'MISSED'}).`);
}
if (results.big) {
  const b = results.big;
  lines.push('');
  lines.push(`A big file: one host, a ${b.mb} MB file that differs from the plan (plus one small file).`);
  lines.push('');
  const fileKb = b.mb * 1024;
  lines.push(
    table(
      ['command', 'wall', 'CPU', 'peak RSS', 'peak RSS / file size'],
      [
        ['konf diff host', fmtMs(b.diff.wallMs), fmtMs(b.diff.cpuMs), fmtMb(b.diff.rssKb), `${fmtRatio(b.diff.rssKb / fileKb)} (target < 2×: ${b.diff.rssKb < 2 * fileKb ? 'met' : 'MISSED'})`],
        ['konf deploy host --yes', fmtMs(b.deploy.wallMs), fmtMs(b.deploy.cpuMs), fmtMb(b.deploy.rssKb), `${fmtRatio(b.deploy.rssKb / fileKb)} (target < 2×: ${b.deploy.rssKb < 2 * fileKb ? 'met' : 'MISSED'})`],
      ],
    ),
  );
}
if (results.kex) {
  lines.push('');
  lines.push(results.kex);
}
const text = lines.join('\n');
console.log(text);
const md = opt('md', '');
if (md) writeFileSync(md, `${text}\n`);
// The latest full results (every part), with the command and commit that produced them.
const full = ['sizes', 'files', 'big', 'kex'].every((part) => ONLY.has(part));
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', 'src'], { cwd: PROJECT, encoding: 'utf8' }).stdout.trim() ? ' + uncommitted changes in src/' : '';
if (full) writeFileSync(
  path.join(PROJECT, 'test/bench/RESULTS-scale.md'),
  `## Scale benchmark results\n\nProduced by \`npm run bench:scale${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${new Date().toISOString()} at commit ${commit || '?'}${dirty}.\n\n${text}\n`,
);
if (full) log('bench: results written to test/bench/RESULTS-scale.md');
