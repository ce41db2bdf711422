/**
 * Where konf's time goes: reads a trace from trace.cjs (wall-clock spans: Node boot,
 * time to the first connection, SSH key exchange and authentication, exec round trips,
 * git processes) and a V8 CPU profile (`node --cpu-prof`: CPU time by package / konf area).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fmtMs, median, percentile, table } from './common.mjs';

const r = (x) => (Number.isFinite(x) ? Math.round(x) : NaN);

/** Wall-clock phases from a trace file. */
export function traceSummary(file) {
  const t = JSON.parse(readFileSync(file, 'utf8'));
  const conns = t.conns.filter((c) => c.ready !== undefined);
  const firstConnect = Math.min(...t.conns.map((c) => c.start));
  const lastReady = Math.max(...conns.map((c) => c.ready));
  const execs = t.execs.filter((e) => e.end !== undefined);
  const lastExec = execs.length ? Math.max(...execs.map((e) => e.end)) : lastReady;
  const kex = conns.map((c) => c.handshake - c.start);
  const auth = conns.map((c) => c.ready - c.handshake);
  const execDur = execs.map((e) => e.end - e.start);
  const git = t.spawns.filter((s) => /^git\b/.test(s.cmd));
  const gitDur = git.filter((s) => s.end !== undefined).map((s) => s.end - s.start);
  const gitKinds = {};
  for (const s of git) {
    const k = s.cmd.split(' ').slice(1, 3).join(' ') || 'git';
    gitKinds[k] = (gitKinds[k] ?? 0) + 1;
  }
  const perHost = conns.length ? execs.length / conns.length : 0;
  const rows = [
    ['Node boot (process start → preload)', fmtMs(t.preload), ''],
    ['module load + fleet load + planning (preload → first connect)', fmtMs(firstConnect - t.preload), ''],
    ['connections (first connect → last authenticated)', fmtMs(lastReady - firstConnect), `${conns.length} connections`],
    ['  per connection: TCP + key exchange (median / p95)', `${fmtMs(median(kex))} / ${fmtMs(percentile(kex, 95))}`, ''],
    ['  per connection: authentication (median / p95)', `${fmtMs(median(auth))} / ${fmtMs(percentile(auth, 95))}`, ''],
    ['remote commands (exec open → close, median / p95)', `${fmtMs(median(execDur))} / ${fmtMs(percentile(execDur, 95))}`, `${execs.length} execs, ${perHost.toFixed(1)} per host, ${(execs.reduce((n, e) => n + e.bytes, 0) / 1024).toFixed(0)} KiB read`],
    ['  last authenticated → last exec closed', fmtMs(lastExec - lastReady), ''],
    ...hostTimeline(t),
    ['git processes (sum of durations)', fmtMs(gitDur.reduce((a, b) => a + b, 0)), `${git.length} spawns: ${Object.entries(gitKinds).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none'}`],
    ['last exec closed → process exit (output, closing connections)', fmtMs(t.exit - lastExec), ''],
    ['total (process start → exit)', fmtMs(t.exit), ''],
  ];
  return { text: table(['phase (wall clock)', 'time', 'detail'], rows), exit: r(t.exit) };
}

/**
 * One host's life, median over hosts (konf's traces name the host of each connection and
 * command): connecting, then each round trip and the controller's time before it (after
 * the previous one: diffing, snapshot, hooks read, waiting for a slot).
 */
function hostTimeline(t) {
  const byHost = new Map();
  for (const c of t.conns) if (c.host && c.ready !== undefined && !byHost.has(c.host)) byHost.set(c.host, { conn: c, execs: [] });
  for (const e of t.execs) if (e.host && e.end !== undefined) byHost.get(e.host)?.execs.push(e);
  const hosts = [...byHost.values()];
  if (!hosts.length) return [];
  const trips = Math.max(...hosts.map((h) => h.execs.length));
  const rows = [['per host (median over hosts): connect → authenticated', fmtMs(median(hosts.map((h) => h.conn.ready - h.conn.start))), `${hosts.length} hosts`]];
  for (let i = 0; i < trips; i++) {
    const with_ = hosts.filter((h) => h.execs[i]);
    const gap = with_.map((h) => h.execs[i].start - (i === 0 ? h.conn.ready : h.execs[i - 1].end));
    const wait = with_.map((h) => (h.execs[i].open ?? h.execs[i].start) - h.execs[i].start);
    const dur = with_.map((h) => h.execs[i].end - h.execs[i].start);
    rows.push([`  round trip ${i + 1}: controller before it / channel open / open → closed`, `${fmtMs(median(gap))} / ${fmtMs(median(wait))} / ${fmtMs(median(dur) - median(wait))}`, `${with_.length} hosts`]);
  }
  return rows;
}

let chunkMap;
function chunkNames() {
  if (!chunkMap) {
    try {
      chunkMap = JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist/.konf-chunks.json'), 'utf8'));
    } catch {
      chunkMap = {};
    }
  }
  return chunkMap;
}

function category(url, fn) {
  if (!url) {
    if (fn === '(garbage collector)') return 'GC';
    if (fn === '(idle)') return 'idle (waiting for I/O)';
    if (fn === '(program)') return 'V8/native (program)';
    if (fn === '(root)') return 'V8/native (program)';
    return undefined; // a native function: charged to its caller
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `package ${nm[1]}`;
  // The bundle: a chunk is named after what most of it is (dist/.konf-chunks.json, written by the build).
  const chunk = /dist\/((?:chunks|src)\/.+\.js)$/.exec(url);
  if (chunk && chunkNames()[chunk[1]]) return `bundle: ${chunkNames()[chunk[1]].join(', ')}`;
  const src = /dist\/src\/([^/]+)(?:\/([^/]+))?/.exec(url);
  if (src) return `konf ${src[1]}${src[2] && !src[2].endsWith('.js') ? `/${src[2]}` : ''}`;
  const internal = /^node:(?:internal\/)?([a-z_]+)/.exec(url);
  if (internal) {
    const area = internal[1];
    if (area === 'modules' || area === 'vm' || area === 'bootstrap') return 'Node: module loading';
    if (area === 'crypto') return 'Node: crypto';
    if (area === 'streams' || area === 'stream') return 'Node: streams';
    if (area === 'child_process') return 'Node: child processes';
    if (area === 'fs') return 'Node: fs';
    if (area === 'net' || area === 'stream_base_commons' || area === 'dns') return 'Node: net';
    return `Node: ${area}`;
  }
  return 'other';
}

/** CPU self time by category from the newest .cpuprofile in dir. */
export function cpuSummary(dir, top = 12, window = undefined) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return { text: '(no CPU profile)' };
  const prof = JSON.parse(readFileSync(path.join(dir, files.sort().pop()), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cat = new Map();
  const catOf = (id) => {
    if (cat.has(id)) return cat.get(id);
    const n = byId.get(id);
    let c = category(n?.callFrame?.url, n?.callFrame?.functionName);
    if (c === undefined) c = parent.has(id) ? catOf(parent.get(id)) : 'native';
    cat.set(id, c);
    return c;
  };
  const self = new Map();
  // Node's fs time charged to the first frame of konf's bundle (or a package) that called it.
  const fsCallers = new Map();
  const callerOf = (id) => {
    for (let n = byId.get(id); n; n = byId.get(parent.get(n.id))) {
      const url = n.callFrame?.url ?? '';
      if (url && !url.startsWith('node:')) return `${n.callFrame.functionName || '(anonymous)'} ${path.basename(url)}:${n.callFrame.lineNumber + 1}`;
    }
    return '(Node itself)';
  };
  let at = 0; // ms since the profile started
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    at += dt;
    if (window && (at < window[0] || at > window[1])) continue;
    const c = catOf(prof.samples[i]);
    self.set(c, (self.get(c) ?? 0) + dt);
    if (c === 'Node: fs') {
      const k = callerOf(prof.samples[i]);
      fsCallers.set(k, (fsCallers.get(k) ?? 0) + dt);
    }
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - (self.get('idle (waiting for I/O)') ?? 0);
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => [k, fmtMs(v), k.startsWith('idle') ? '' : `${((100 * v) / busy).toFixed(0)}%`]);
  const fsRows = [...fsCallers.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, v]) => [k, fmtMs(v)]);
  const fsText = fsRows.length ? `\n\n${table(["Node: fs by its caller (the first frame outside Node's own code)", 'ms'], fsRows)}` : '';
  return { text: table(['CPU by area (V8 sampling profile; native code charged to its JS caller)', 'ms', '% of busy'], rows) + fsText, busy };
}
