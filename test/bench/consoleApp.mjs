/**
 * The console (built, dist/) on a synthetic in-memory FleetSession, for the console
 * benchmark: BENCH_HOSTS hosts (default 2000); the first host has one file whose unified
 * diff is BENCH_DIFF_LINES lines long (default 20000); every tenth host has a small change.
 * Run under a pty by console.mjs (through pty_driver.py).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { runConsole } = await import(path.join(PROJECT, 'dist/src/console/run.js'));

const HOSTS = Number(process.env.BENCH_HOSTS ?? 2000);
const DIFF_LINES = Number(process.env.BENCH_DIFF_LINES ?? 20000);
const now = Date.now();

function bigDiff(lines) {
  // Context lines with a changed line (one removed, one added) every ten lines.
  const body = [];
  let oldN = 0;
  let newN = 0;
  for (let i = 0; body.length < lines - 3; i++) {
    if (i % 10 === 5) {
      body.push(`-setting_${i} = old value ${i} ${'o'.repeat(i % 40)}`);
      body.push(`+setting_${i} = new value ${i} ${'n'.repeat(i % 40)}`);
      oldN++;
      newN++;
    } else {
      body.push(` setting_${i} = unchanged value ${i} ${'c'.repeat(i % 50)}`);
      oldN++;
      newN++;
    }
  }
  const added = body.filter((l) => l.startsWith('+')).length;
  return { text: ['--- a/etc/big/app.conf', '+++ b/etc/big/app.conf', `@@ -1,${oldN} +1,${newN} @@`, ...body, ''].join('\n'), added, removed: added };
}

const big = bigDiff(DIFF_LINES);
const SMALL = ['--- a/etc/motd', '+++ b/etc/motd', '@@ -1,2 +1,2 @@', ' Welcome', '-old line', '+new line', ''].join('\n');
const names = Array.from({ length: HOSTS }, (_, i) => `host${String(i + 1).padStart(4, '0')}`);
const filesOf = (i) => {
  if (i === 0) return [{ path: '/etc/big/app.conf', kind: 'modified', unified: big.text, added: big.added, removed: big.removed, meta: [] }];
  if (i % 10 === 0) return [{ path: '/etc/motd', kind: 'modified', unified: SMALL, added: 1, removed: 1, meta: [] }];
  return [{ path: '/etc/motd', kind: 'unchanged', added: 0, removed: 0, meta: [] }];
};
const index = new Map(names.map((n, i) => [n, i]));
const pending = (files) => files.filter((f) => f.kind !== 'unchanged').length;

const session = {
  repo: '/srv/fleet',
  hosts: () => names.map((name, i) => ({ name, switches: 4, excludes: 0, files: 1, values: { role: i % 3 ? 'web' : 'db', env: 'prod' } })),
  async plan(name) {
    return {
      host: name,
      settings: { root: '/', become: '', watch: [] },
      switches: [{ name: 'role', value: 'web', origin: { kind: 'default', file: 'etc/serverconfig/default', line: 1 }, secret: false }],
      excludeRules: [],
      files: [],
      excluded: [],
      skipped: [],
      hooks: { 'pre-deploy': [], 'post-deploy': [], 'pre-rollback': [], 'post-rollback': [], health: [] },
      warnings: [],
    };
  },
  async check(name) {
    const files = filesOf(index.get(name) ?? 1);
    const count = pending(files);
    return { host: name, status: count ? { kind: 'pending', count } : { kind: 'in-sync' }, diff: { host: name, files, pending: count }, lastSnapshot: new Date(now - 3_600_000).toISOString() };
  },
  async deploy(hosts) {
    return { op: 'bench', ok: true, outcomes: Object.fromEntries(hosts.map((h) => [h, 'ok'])) };
  },
  async snapshot(hosts) {
    return { op: 'bench', ok: true, outcomes: Object.fromEntries(hosts.map((h) => [h, 'ok'])) };
  },
  async history() {
    return [];
  },
  async rollbackPreview(host) {
    return { host, files: [], pending: 0 };
  },
  async rollback(host) {
    return { op: 'bench', ok: true, outcomes: { [host]: 'ok' } };
  },
  async close() {},
};

const code = await runConsole(session, { configDir: process.env.BENCH_CONFIG_DIR });
process.exit(code);
