/**
 * A preload for profiling konf without touching its code:
 *
 *     KONF_BENCH_TRACE=/tmp/trace.json node --require ./test/bench/trace.cjs dist/src/cli/main.js …
 *
 * Records (performance.now() ms since process start): when this preload ran (Node's own
 * boot), every ssh2 connection's connect (from konf's `konf:ssh` diagnostics channel) /
 * key exchange done / authenticated, every exec channel's open and close, every child
 * process (git) spawned and its exit, and the process exit. Written as JSON at exit.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node --require) */
'use strict';
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const cp = require('node:child_process');

const out = process.env.KONF_BENCH_TRACE;
const project = path.resolve(__dirname, '../..');
const trace = { preload: performance.now(), conns: [], execs: [], spawns: [], exit: undefined };
const now = () => performance.now();

const origSpawn = cp.spawn;
cp.spawn = function (cmd, args, ...rest) {
  const rec = { cmd: [cmd, ...(Array.isArray(args) ? args.filter((x) => !String(x).startsWith('safe.directory')).filter((x) => x !== '-c').slice(0, 2) : [])].join(' '), start: now(), end: undefined };
  trace.spawns.push(rec);
  const child = origSpawn.call(this, cmd, args, ...rest);
  child.once('exit', () => (rec.end = now()));
  return child;
};
Module.syncBuiltinESMExports();

// konf's SSH layer publishes its connections and commands on the diagnostics channel
// `konf:ssh` (src/core/ssh/trace.ts): the bundle hides ssh2 from the require hook below.
const dc = require('node:diagnostics_channel');
const byConn = new Map();
const byExec = new Map();
let viaChannel = false;
dc.subscribe('konf:ssh', (e) => {
  viaChannel = true;
  const t = now();
  if (e.kind === 'connect') {
    const rec = { host: e.host, port: e.port, start: t, handshake: undefined, ready: undefined, end: undefined };
    byConn.set(e.conn, rec);
    trace.conns.push(rec);
  } else if (e.kind === 'handshake' || e.kind === 'ready') {
    const rec = byConn.get(e.conn);
    if (rec) rec[e.kind] = t;
  } else if (e.kind === 'close') {
    const rec = byConn.get(e.conn);
    if (rec) rec.end = t;
  } else if (e.kind === 'exec') {
    const rec = { host: e.host, bytes: 0, start: t, open: undefined, end: undefined };
    byExec.set(e.exec, rec);
    trace.execs.push(rec);
  } else if (e.kind === 'exec-open') {
    const rec = byExec.get(e.exec);
    if (rec) rec.open = t;
  } else if (e.kind === 'exec-close') {
    const rec = byExec.get(e.exec);
    if (rec) {
      rec.end = t;
      rec.bytes = e.bytes;
    }
  }
});

try {
  const ssh2 = require(require.resolve('ssh2', { paths: [project] }));
  const proto = ssh2.Client.prototype;
  const origConnect = proto.connect;
  proto.connect = function (cfg) {
    if (viaChannel) return origConnect.call(this, cfg);
    const rec = { port: cfg && cfg.port, start: now(), handshake: undefined, ready: undefined, end: undefined };
    trace.conns.push(rec);
    this.once('handshake', () => (rec.handshake = now()));
    this.once('ready', () => (rec.ready = now()));
    this.once('close', () => (rec.end = now()));
    return origConnect.call(this, cfg);
  };
  const origExec = proto.exec;
  proto.exec = function (cmd, opts, cb) {
    if (viaChannel) return origExec.call(this, cmd, opts, cb);
    const rec = { bytes: 0, start: now(), open: undefined, end: undefined };
    trace.execs.push(rec);
    const wrap = (fn) =>
      function (err, stream) {
        rec.open = now();
        if (stream) {
          stream.on('data', (d) => (rec.bytes += d.length));
          stream.once('close', () => (rec.end = now()));
        }
        return fn.call(this, err, stream);
      };
    if (typeof opts === 'function') return origExec.call(this, cmd, wrap(opts));
    return origExec.call(this, cmd, opts, wrap(cb));
  };
} catch {
  // ssh2 not found: connections are not traced
}

process.once('exit', () => {
  trace.exit = now();
  if (out) fs.writeFileSync(out, JSON.stringify(trace));
});
