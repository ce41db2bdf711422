/**
 * Fleet benchmark: konf against the plain OpenSSH floor, rsync and Ansible on the same
 * real OpenSSH test fleet (127.0.0.1), same concurrency for every method.
 *
 *     node test/bench/fleet.mjs [--sizes 20,100] [--reps 3] [--ansible-reps 1]
 *                               [--ansible-sizes 20,100] [--concurrency 16] [--files 40]
 *                               [--changed 5] [--only a,b] [--no-ansible] [--no-build]
 *                               [--json FILE] [--md FILE] [--from-empty]
 *     (--changed 1: a one-file redeploy; --from-empty with --only rsync-apply,konf-deploy: a first deploy)
 *     (KEEP_PROF=DIR keeps the profiled runs' .cpuprofile files in DIR, for a look by function)
 *
 * Every method's result is verified (diff outputs list exactly the changed files of every
 * host; after an apply every host's files equal the plan), outside the timed part.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSummary, traceSummary } from './profile.mjs';
import { aptInstall, ensureBuilt, fmtMb, fmtMs, fmtRatio, GNU_TIME, KONF_MAIN, log, machineLine, median, PROJECT, table, timed, which } from './common.mjs';

const args = process.argv.slice(2);
function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const flag = (name) => args.includes(`--${name}`);

const SIZES = opt('sizes', '20,100').split(',').map(Number);
const REPS = Number(opt('reps', '3'));
const ANSIBLE_REPS = Number(opt('ansible-reps', '1'));
const ANSIBLE_SIZES = opt('ansible-sizes', SIZES.join(',')).split(',').map(Number);
const CONCURRENCY = Number(opt('concurrency', '16'));
const FILES = Number(opt('files', '40'));
const CHANGED = Number(opt('changed', '5'));
const ONLY = opt('only', '') ? new Set(opt('only', '').split(',')) : undefined;
/** Every method starts from empty target roots (a first deploy) instead of CHANGED drifted files per host; applies only. */
const FROM_EMPTY = flag('from-empty');
if (FROM_EMPTY && (!ONLY || [...ONLY].some((m) => !/apply|deploy/.test(m)))) throw new Error('--from-empty needs --only with apply methods (e.g. --only rsync-apply,konf-deploy)');
/** 100 sshd listeners by default; --hosts-per-sshd N shares one sshd between N host names. */
const HOSTS_PER_SSHD = Number(opt('hosts-per-sshd', '1'));
/** Fleet sizes at which konf diff and deploy are run once more under the tracer and the CPU profiler. */
const PROFILE_SIZES = opt('profile', flag('no-profile') ? '' : String(SIZES[SIZES.length - 1])).split(',').filter(Boolean).map(Number);

ensureBuilt({ skip: flag('no-build') });
const dist = (p) => path.join(PROJECT, 'dist/src', p);
const { startTestFleet } = await import(dist('testfleet/testFleet.js'));
const { bindRepoToFleet } = await import(dist('testfleet/fleetRepo.js'));
const { seedRoot, rootPath } = await import(dist('testfleet/seed.js'));
const { loadFleet } = await import(dist('core/fleet/fleet.js'));

if (!existsSync(GNU_TIME) && !aptInstall('time', () => existsSync(GNU_TIME))) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install -y time');
if (!which('rsync') && !aptInstall('rsync', () => Boolean(which('rsync')))) throw new Error('rsync is needed: apt-get install -y rsync');
let ansibleNote = '';
let haveAnsible = false;
if (!flag('no-ansible') && (!ONLY || [...ONLY].some((m) => m.startsWith('ansible')))) {
  haveAnsible = Boolean(which('ansible-playbook')) || aptInstall('ansible', () => Boolean(which('ansible-playbook')));
  if (!haveAnsible) ansibleNote = 'Ansible skipped: ansible-playbook is not installed and could not be installed (apt-get install -y ansible).';
} else ansibleNote = 'Ansible skipped (--no-ansible).';

// ---------------------------------------------------------------------------------------
// The generated fleet repository: FILES files of 2–8 KB, one in five a template.

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fileSpecs() {
  const rand = rng(42);
  const specs = [];
  for (let i = 0; i < FILES; i++) {
    const template = i % 5 === 0;
    const logical = `/etc/app${i % 8}/conf${i}.conf`;
    const size = 2048 + Math.floor(rand() * 6144);
    const lines = [`# conf${i}: managed by konf (benchmark fleet)`];
    if (template) lines.push('host = {{ konf_host }}', 'fqdn = {{ fqdn }}', 'workers = {{ workers }}', '{% if workers|int > 4 %}big = yes{% else %}big = no{% endif %}');
    let n = 0;
    while (lines.join('\n').length < size) {
      lines.push(`setting_${i}_${n} = ${Math.floor(rand() * 1e9).toString(36)} ${'x'.repeat(Math.floor(rand() * 40))}`);
      n++;
    }
    specs.push({ logical, source: `etc/files${logical}${template ? '.tmpl' : ''}`, text: `${lines.join('\n')}\n` });
  }
  return specs;
}

function writeRepo(repo, hosts) {
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  };
  put('etc/serverconfig/default', 'domain="bench.example"\nfqdn="${konf_host}.${domain}"\nworkers=4\nlog_level="info"\n');
  hosts.forEach((h, i) => put(`etc/serverconfig/${h}`, `workers=${2 + (i % 7)}\n`));
  put('etc/permissions', '/etc/app7/* 0640\n');
  for (const s of fileSpecs()) put(s.source, s.text);
}

/** The CHANGED files drifted on host number i: distinct, different per host. */
function driftedPaths(plan, i) {
  const files = plan.files.filter((f) => f.kind === 'file');
  const out = [];
  for (let k = 0; k < CHANGED; k++) out.push(files[(i * 3 + k * 8 + 1) % files.length].path);
  return [...new Set(out)];
}

function driftContent(content, host, k) {
  const lines = content.toString('utf8').split('\n');
  lines[2] = `drifted = ${host} ${k} (edited by hand)`;
  return Buffer.from(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------
// One fleet size: set up, run every method REPS times (interleaved), verify, tear down.

async function setUp(size) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `konf-bench-${size}-`));
  const names = Array.from({ length: size }, (_, i) => `h${String(i + 1).padStart(3, '0')}`);
  const sshdCount = Math.ceil(size / HOSTS_PER_SSHD);
  log(`bench: starting ${sshdCount} sshd on 127.0.0.1 for ${size} hosts`);
  const fleet = await startTestFleet({ hosts: names.slice(0, sshdCount), dir: path.join(tmp, 'fleet') });
  try {
    // Host names beyond the sshd count share a listener, each with its own target root.
    if (sshdCount < size) {
      const cfg = readFileSync(fleet.sshConfig, 'utf8');
      const blocks = cfg.split(/\n(?=Host )/);
      const extra = [];
      for (let i = sshdCount; i < size; i++) {
        const base = fleet.hosts[i % sshdCount];
        const block = blocks.find((b) => b.startsWith(`Host ${base.name}\n`));
        const root = path.join(fleet.dir, 'hosts', names[i], 'root');
        mkdirSync(root, { recursive: true });
        extra.push(block.replace(`Host ${base.name}\n`, `Host ${names[i]}\n`));
        fleet.hosts.push({ ...base, name: names[i], root, pid: base.pid });
      }
      writeFileSync(fleet.sshConfig, `${cfg.trimEnd()}\n\n${extra.join('\n').trimEnd()}\n`);
    }
    const repo = path.join(tmp, 'repo');
    writeRepo(repo, names);
    await bindRepoToFleet(repo, fleet);
    const model = await loadFleet(repo);
    const hosts = [];
    for (const [i, name] of names.entries()) {
      const plan = await model.plan(name);
      const root = fleet.host(name).root;
      await seedRoot(root, plan);
      const render = path.join(tmp, 'render', name);
      mkdirSync(render, { recursive: true, mode: 0o755 });
      await seedRoot(render, plan);
      const want = new Map(plan.files.map((f) => [f.path, { content: f.content, mode: f.mode ?? 0o644 }]));
      const drifted = driftedPaths(plan, i).map((p, k) => ({ path: p, content: driftContent(want.get(p).content, name, k) }));
      hosts.push({ name, root, render, want, drifted });
    }
    const h = { tmp, fleet, repo, hosts, sshdCount, names };
    redrift(h);
    return h;
  } catch (err) {
    await fleet.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function redrift(h) {
  if (FROM_EMPTY) {
    // --from-empty: every root starts empty (apply methods only: there is no drift to list).
    for (const host of h.hosts) for (const e of readdirSync(host.root)) rmSync(path.join(host.root, e), { recursive: true, force: true });
    return;
  }
  for (const host of h.hosts) {
    for (const d of host.drifted) {
      const abs = rootPath(host.root, d.path);
      writeFileSync(abs, d.content);
      chmodSync(abs, host.want.get(d.path).mode);
    }
  }
}

/** After an apply: every planned file of every host has the planned content and mode. */
function verifyApplied(h) {
  let bad = 0;
  const problems = [];
  for (const host of h.hosts) {
    for (const [p, w] of host.want) {
      const abs = rootPath(host.root, p);
      let ok = false;
      try {
        ok = readFileSync(abs).equals(w.content) && (statSync(abs).mode & 0o7777) === w.mode;
      } catch {
        ok = false;
      }
      if (!ok) {
        bad++;
        if (problems.length < 3) problems.push(`${host.name}:${p}`);
      }
    }
  }
  if (bad) throw new Error(`${bad} file(s) differ from the plan after the apply (${problems.join(', ')})`);
  return `${h.hosts.length} hosts × ${FILES} files equal the plan`;
}

function expectSets(h, found, what) {
  for (const host of h.hosts) {
    const want = host.drifted.map((d) => d.path).sort();
    const got = [...(found.get(host.name) ?? [])].sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) throw new Error(`${what}: ${host.name} lists [${got.join(' ')}], expected [${want.join(' ')}]`);
  }
  return `${h.hosts.length} hosts × ${CHANGED} changed files listed, nothing else`;
}

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Writes a job file of `host root` lines; xargs -P runs one shell per line. */
function jobs(h, dir) {
  const file = path.join(dir, 'jobs.txt');
  writeFileSync(file, h.hosts.map((x) => `${x.name} ${x.root}\n`).join(''));
  return file;
}

function methods(h) {
  const cfg = h.fleet.sshConfig;
  const work = path.join(h.tmp, 'work');
  const fresh = (name) => {
    const d = path.join(work, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    return d;
  };
  const rels = [...h.hosts[0].want.keys()].map((p) => p.replace(/^\/+/, ''));
  const xargs = (dir, perHost) => ['xargs', '-a', jobs(h, dir), '-P', String(CONCURRENCY), '-L', '1', 'sh', '-c', perHost];
  const konf = (...a) => [process.execPath, KONF_MAIN, '--repo', h.repo, '--state', path.join(work, 'state'), ...a, '--parallel', String(CONCURRENCY)];

  const list = [
    {
      id: 'floor-true',
      label: "OpenSSH floor: ssh host true (connection only)",
      argv: () => {
        const list = path.join(fresh('true'), 'hosts.txt');
        writeFileSync(list, h.hosts.map((x) => `${x.name}\n`).join(''));
        return ['xargs', '-a', list, '-P', String(CONCURRENCY), '-I{}', 'ssh', '-F', cfg, '{}', 'true'];
      },
      verify: (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        return `${h.hosts.length} connections`;
      },
    },
    {
      id: 'floor-tar',
      label: "OpenSSH floor: ssh host 'tar cf - <40 files>'",
      argv: () => {
        const d = fresh('tar');
        return xargs(d, `ssh -F ${q(cfg)} "$0" "cd $1 && tar cf - ${rels.join(' ')}" > ${q(d)}/"$0".tar`);
      },
      verify: (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        for (const host of h.hosts) {
          const t = spawnSync('tar', ['tf', path.join(work, 'tar', `${host.name}.tar`)], { encoding: 'utf8' });
          const n = t.stdout.trim().split('\n').filter(Boolean).length;
          if (n !== FILES) throw new Error(`${host.name}: tar holds ${n} files, expected ${FILES}`);
        }
        return `${h.hosts.length} tar streams × ${FILES} files`;
      },
    },
    {
      id: 'rsync-check',
      label: 'rsync -n -i --checksum (dry run)',
      argv: () => {
        const d = fresh('rsync-n');
        return xargs(d, `rsync -rlp --checksum -n -i -e ${q(`ssh -F ${cfg}`)} ${q(path.join(h.tmp, 'render'))}/"$0"/ "$0":"$1"/ > ${q(d)}/"$0".txt`);
      },
      verify: (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        const found = new Map();
        for (const host of h.hosts) {
          const lines = readFileSync(path.join(work, 'rsync-n', `${host.name}.txt`), 'utf8').split('\n');
          found.set(host.name, lines.filter((l) => /^[<>]f/.test(l)).map((l) => `/${l.slice(12).trim()}`));
        }
        return expectSets(h, found, 'rsync -n');
      },
    },
    {
      id: 'konf-diff',
      label: 'konf diff --all',
      argv: () => konf('diff', '--all'),
      verify: (r) => {
        if (r.code !== 1) throw new Error(`konf diff exit ${r.code} (expected 1, changes pending): ${r.stderr.slice(0, 300)}`);
        const found = new Map();
        let cur;
        for (const l of r.stdout.split('\n')) {
          const m = /^(\S+): (\d+) pending$/.exec(l);
          if (m) {
            cur = m[1];
            found.set(cur, []);
          } else if (cur && /^ {2}modified {3}\//.test(l)) found.get(cur).push(l.slice(13).replace(/ \+\d+ -\d+.*$/, ''));
        }
        return expectSets(h, found, 'konf diff');
      },
    },
    {
      id: 'rsync-apply',
      label: 'rsync --checksum (apply)',
      mutates: true,
      argv: () => {
        const d = fresh('rsync');
        return xargs(d, `rsync -rlp --checksum -i -e ${q(`ssh -F ${cfg}`)} ${q(path.join(h.tmp, 'render'))}/"$0"/ "$0":"$1"/ > ${q(d)}/"$0".txt`);
      },
      verify: (r) => {
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        return verifyApplied(h);
      },
    },
    {
      id: 'konf-deploy',
      label: 'konf deploy --all --yes (with pre-deploy snapshots)',
      mutates: true,
      before: () => rmSync(path.join(work, 'state'), { recursive: true, force: true }),
      argv: () => konf('deploy', '--all', '--yes'),
      verify: (r) => {
        if (r.code !== 0) throw new Error(`konf deploy exit ${r.code}: ${(r.stdout + r.stderr).slice(-400)}`);
        const hist = spawnSync(process.execPath, [KONF_MAIN, '--repo', h.repo, '--state', path.join(work, 'state'), 'history', h.hosts[0].name, '--json'], { encoding: 'utf8' });
        const snaps = JSON.parse(hist.stdout);
        if (snaps.length !== 1 || snaps[0].reason !== 'pre-deploy') throw new Error(`expected one pre-deploy snapshot of ${h.hosts[0].name}, history says ${hist.stdout.slice(0, 200)}`);
        return `${verifyApplied(h)}; pre-deploy snapshots stored`;
      },
    },
  ];

  if (haveAnsible && ANSIBLE_SIZES.includes(h.hosts.length)) {
    for (const tuned of [false, true]) {
      const variant = tuned ? 'pipelining + ControlPersist' : 'defaults';
      const dir = path.join(h.tmp, tuned ? 'ansible-tuned' : 'ansible');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'ansible.cfg'),
        [
          '[defaults]',
          'inventory = inventory.ini',
          `forks = ${CONCURRENCY}`,
          'retry_files_enabled = False',
          'nocows = True',
          ...(tuned ? ['', '[ssh_connection]', 'pipelining = True', 'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s'] : []),
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dir, 'inventory.ini'),
        `[fleet]\n${h.hosts.map((x) => `${x.name} konf_root=${x.root}`).join('\n')}\n\n[fleet:vars]\nansible_python_interpreter=/usr/bin/python3\nansible_ssh_common_args='-F ${cfg}'\n`,
      );
      // One copy task looping over the files: Ansible then reports (and with --diff shows) each changed file.
      writeFileSync(path.join(dir, 'files.yml'), `files:\n${rels.map((x) => `  - ${x}\n`).join('')}`);
      writeFileSync(
        path.join(dir, 'site.yml'),
        [
          '- hosts: fleet',
          '  gather_facts: false',
          '  vars_files: [files.yml]',
          '  tasks:',
          '    - name: config files',
          '      ansible.builtin.copy:',
          `        src: "${path.join(h.tmp, 'render')}/{{ inventory_hostname }}/{{ item }}"`,
          '        dest: "{{ konf_root }}/{{ item }}"',
          '      loop: "{{ files }}"',
          '',
        ].join('\n'),
      );
      const cpdir = path.join(dir, 'cp');
      const env = { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg'), ANSIBLE_SSH_CONTROL_PATH_DIR: cpdir, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };
      // ControlPersist masters outlive ansible-playbook: close them (ssh -O exit) so every run starts cold.
      const closeMasters = () => {
        if (!existsSync(cpdir)) return;
        for (const s of readdirSync(cpdir)) spawnSync('ssh', ['-o', `ControlPath=${path.join(cpdir, s)}`, '-O', 'exit', 'x'], { stdio: 'ignore', timeout: 10_000 });
      };
      list.push({
        id: `ansible-check${tuned ? '-tuned' : ''}`,
        label: `ansible-playbook --check --diff (${variant})`,
        ansible: true,
        env,
        cwd: dir,
        before: closeMasters,
        after: closeMasters,
        argv: () => ['ansible-playbook', 'site.yml', '--check', '--diff'],
        verify: (r) => {
          if (r.code !== 0) throw new Error(`ansible-playbook exit ${r.code}: ${(r.stdout + r.stderr).slice(-600)}`);
          const found = new Map();
          let diffs = 0;
          for (const l of r.stdout.split('\n')) {
            if (l.startsWith('--- before: ')) diffs++;
            const m = /^changed: \[([^\]]+)\] => \(item=(.*)\)$/.exec(l.trim());
            if (!m) continue;
            if (!found.has(m[1])) found.set(m[1], []);
            found.get(m[1]).push(`/${m[2]}`);
          }
          if (diffs !== h.hosts.length * CHANGED) throw new Error(`${diffs} diffs shown, expected ${h.hosts.length * CHANGED}`);
          return expectSets(h, found, 'ansible --check --diff');
        },
      });
      list.push({
        id: `ansible-apply${tuned ? '-tuned' : ''}`,
        label: `ansible-playbook copy (${variant})`,
        ansible: true,
        mutates: true,
        env,
        cwd: dir,
        before: closeMasters,
        after: closeMasters,
        argv: () => ['ansible-playbook', 'site.yml'],
        verify: (r) => {
          if (r.code !== 0) throw new Error(`ansible-playbook exit ${r.code}: ${(r.stdout + r.stderr).slice(-600)}`);
          return verifyApplied(h);
        },
      });
    }
  }
  // Diffs first (the hosts stay drifted), then the applies (each starts from the drifted state).
  const order = (m) => (m.mutates ? 1 : 0);
  return list.filter((m) => !ONLY || ONLY.has(m.id) || ONLY.has(m.id.replace(/-tuned$/, ''))).sort((a, b) => order(a) - order(b));
}

const profiles = [];

async function runSize(size) {
  const h = await setUp(size);
  const results = new Map();
  try {
    const ms = methods(h);
    for (let rep = 0; rep < REPS; rep++) {
      for (const m of ms) {
        if (m.ansible && rep >= ANSIBLE_REPS) continue;
        redrift(h); // every method starts from the same drifted fleet
        m.before?.();
        const argv = m.argv();
        log(`bench: ${size} hosts, run ${rep + 1}/${m.ansible ? Math.min(REPS, ANSIBLE_REPS) : REPS}: ${m.label}`);
        const r = await timed(argv, { ...(m.env ? { env: m.env } : {}), ...(m.cwd ? { cwd: m.cwd } : {}) });
        m.after?.();
        let note;
        try {
          note = m.verify(r);
        } catch (err) {
          const dump = path.join(os.tmpdir(), `konf-bench-failed-${m.id}.txt`);
          writeFileSync(dump, `${r.stdout}\n----- stderr\n${r.stderr}`);
          throw new Error(`${m.label} (${size} hosts) gave a wrong result: ${err.message} (its output: ${dump})`);
        }
        if (!results.has(m.id)) results.set(m.id, { id: m.id, label: m.label, runs: [], note });
        results.get(m.id).runs.push(r);
        log(`bench:   ${fmtMs(r.wallMs)} wall, ${fmtMs(r.cpuMs)} cpu, ${fmtMb(r.rssKb)} — verified: ${note}`);
      }
    }
    if (PROFILE_SIZES.includes(size)) {
      for (const id of ['konf-diff', 'konf-deploy']) {
        const m = ms.find((x) => x.id === id);
        if (!m) continue;
        redrift(h);
        m.before?.();
        const dir = mkdtempSync(path.join(h.tmp, 'prof-'));
        const traceFile = path.join(dir, 'trace.json');
        const argv = m.argv();
        argv.splice(1, 0, '--cpu-prof', `--cpu-prof-dir=${dir}`, '--require', path.join(PROJECT, 'test/bench/trace.cjs'));
        log(`bench: ${size} hosts, profiling ${m.label}`);
        const r = await timed(argv, { env: { ...process.env, KONF_BENCH_TRACE: traceFile } });
        m.verify(r);
        profiles.push({ size, label: m.label, wallMs: r.wallMs, trace: traceSummary(traceFile).text, cpu: cpuSummary(dir).text });
        if (process.env.KEEP_PROF) for (const f of readdirSync(dir)) copyFileSync(path.join(dir, f), path.join(process.env.KEEP_PROF, f));
      }
    }
    redrift(h);
  } finally {
    await h.fleet.stop();
    rmSync(h.tmp, { recursive: true, force: true });
  }
  const out = new Map();
  for (const [id, r] of results) {
    out.set(id, {
      id,
      label: r.label,
      note: r.note,
      runs: r.runs.length,
      wallMs: median(r.runs.map((x) => x.wallMs)),
      cpuMs: median(r.runs.map((x) => x.cpuMs)),
      rssKb: median(r.runs.map((x) => x.rssKb)),
      walls: r.runs.map((x) => Math.round(x.wallMs)),
    });
  }
  return { size, sshdCount: h.sshdCount, methods: out };
}

// ---------------------------------------------------------------------------------------

export function report(all) {
  const lines = [];
  lines.push(`### Fleet benchmark`);
  lines.push('');
  lines.push(`Machine: ${machineLine()}.`);
  lines.push(
    `Fleet: ${all.map((s) => `${s.size} hosts (${s.sshdCount === s.size ? `${s.sshdCount} sshd, one per host` : `${s.sshdCount} sshd shared by ${s.size} host names, each its own konf_root`})`).join(', ')}; ${FILES} files of 2–8 KB per host (one in five a template), ${CHANGED} changed per host; concurrency ${CONCURRENCY} for every method; medians of ${REPS} runs (Ansible: ${ANSIBLE_REPS}). All on 127.0.0.1.`,
  );
  lines.push('Wall = elapsed; CPU = user+sys of the controller process tree (GNU time); RSS = peak of its largest process.');
  if (ansibleNote) lines.push(`**${ansibleNote}**`);
  lines.push('');
  const ids = [...new Set(all.flatMap((s) => [...s.methods.keys()]))];
  const header = ['method', ...all.flatMap((s) => [`${s.size} h wall`, `${s.size} h CPU`, `${s.size} h RSS`]), ...(all.length > 1 ? [`wall ${all[all.length - 1].size}/${all[0].size}`] : [])];
  const rows = ids.map((id) => {
    const label = all.find((s) => s.methods.has(id)).methods.get(id).label;
    const cells = all.flatMap((s) => {
      const m = s.methods.get(id);
      return m ? [fmtMs(m.wallMs), fmtMs(m.cpuMs), fmtMb(m.rssKb)] : ['—', '—', '—'];
    });
    const a = all[0].methods.get(id);
    const b = all[all.length - 1].methods.get(id);
    return [label, ...cells, ...(all.length > 1 ? [a && b ? fmtRatio(b.wallMs / a.wallMs) : '—'] : [])];
  });
  lines.push(table(header, rows));
  lines.push('');
  const ratioRows = [];
  const r = (s, a, b) => {
    const x = s.methods.get(a);
    const y = s.methods.get(b);
    return x && y ? x.wallMs / y.wallMs : NaN;
  };
  const rc = (s, a, b) => {
    const x = s.methods.get(a);
    const y = s.methods.get(b);
    return x && y ? x.cpuMs / y.cpuMs : NaN;
  };
  const defs = [
    ['konf diff / ssh tar floor', 'konf-diff', 'floor-tar', '≤ 1.0×', (x) => x <= 1.0],
    ['konf diff / ssh true', 'konf-diff', 'floor-true', '', undefined],
    ['konf diff / rsync -n --checksum', 'konf-diff', 'rsync-check', '', undefined],
    ['konf deploy / rsync apply', 'konf-deploy', 'rsync-apply', '≤ 1.5×', (x) => x <= 1.5],
    ['ansible --check --diff (defaults) / konf diff', 'ansible-check', 'konf-diff', '≥ 50×', (x) => x >= 50],
    ['ansible --check --diff (pipelining) / konf diff', 'ansible-check-tuned', 'konf-diff', '≥ 50×', (x) => x >= 50],
    ['ansible copy (defaults) / konf deploy', 'ansible-apply', 'konf-deploy', '≥ 50×', (x) => x >= 50],
    ['ansible copy (pipelining) / konf deploy', 'ansible-apply-tuned', 'konf-deploy', '≥ 50×', (x) => x >= 50],
  ];
  for (const [label, a, b, target, ok] of defs) {
    const vals = all.map((s) => r(s, a, b));
    if (vals.every((v) => !Number.isFinite(v))) continue;
    const cpus = all.map((s) => rc(s, a, b));
    ratioRows.push([
      label,
      ...vals.flatMap((v, i) => [fmtRatio(v), fmtRatio(cpus[i])]),
      target,
      ok ? vals.map((v) => (Number.isFinite(v) ? (ok(v) ? 'met' : 'MISSED') : '—')).join(' / ') : '',
    ]);
  }
  lines.push(table(['ratio (wall; CPU)', ...all.flatMap((s) => [`${s.size} h wall`, `${s.size} h CPU`]), 'target', all.map((s) => `${s.size} h`).join(' / ')], ratioRows));
  lines.push('');
  lines.push(`Individual wall times (ms): ${all.map((s) => `${s.size} hosts: ${[...s.methods.values()].map((m) => `${m.id} ${m.walls.join('/')}`).join(', ')}`).join('; ')}.`);
  for (const p of profiles) {
    lines.push('');
    lines.push(`#### Profile: ${p.label}, ${p.size} hosts (one extra run under trace.cjs and --cpu-prof: ${fmtMs(p.wallMs)} wall)`);
    lines.push('');
    lines.push(p.trace);
    lines.push('');
    lines.push(p.cpu);
  }
  return lines.join('\n');
}

const all = [];
for (const size of SIZES) all.push(await runSize(size));
const text = report(all);
console.log(text);
const md = opt('md', '');
if (md) writeFileSync(md, `${text}\n`);
const json = opt('json', '');
if (json) writeFileSync(json, JSON.stringify(all.map((s) => ({ ...s, methods: Object.fromEntries(s.methods) })), null, 1));
