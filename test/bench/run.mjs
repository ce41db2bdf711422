/**
 * `npm run bench`: builds konf, runs the fleet benchmark and the console benchmark, prints
 * their tables and writes them to test/bench/RESULTS.md.
 *
 *     npm run bench                      both parts (fleet: 20 and 100 hosts; Ansible at 20)
 *     npm run bench -- --quick           fleet at 20 hosts only, 1 run, no Ansible; console with fewer samples
 *     npm run bench:fleet -- [options]   options of test/bench/fleet.mjs
 *     npm run bench:console -- [options] options of test/bench/console.mjs
 *
 * Needs: sshd and ssh (openssh-server, openssh-client), rsync, GNU time (`time`), python3;
 * Ansible (`ansible`) is installed with apt-get when missing and this runs as root, else skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, log, PROJECT } from './common.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const skipFleet = args.includes('--no-fleet');
const skipConsole = args.includes('--no-console');

ensureBuilt();
const parts = [];
const started = new Date();

function part(script, extra) {
  const md = path.join(os.tmpdir(), `konf-bench-${process.pid}-${path.basename(script, '.mjs')}.md`);
  log(`bench: node test/bench/${script} ${extra.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(PROJECT, 'test/bench', script), '--no-build', '--md', md, ...extra], { stdio: ['ignore', 'inherit', 'inherit'], cwd: PROJECT });
  if (r.status !== 0) {
    parts.push(`### ${script}\n\n**failed (exit ${r.status ?? r.signal}); see the output above.**`);
    return false;
  }
  parts.push(readFileSync(md, 'utf8').trim());
  rmSync(md, { force: true });
  return true;
}

let ok = true;
if (!skipFleet) ok = part('fleet.mjs', quick ? ['--sizes', '20', '--reps', '1', '--no-ansible', '--profile', '20'] : ['--sizes', '20,100', '--reps', '3', '--ansible-sizes', '20', '--ansible-reps', '1', '--profile', '100']) && ok;
if (!skipConsole) {
  ok = part('console.mjs', quick ? ['--reps', '3', '--keys', '30'] : ['--reps', '5', '--keys', '60']) && ok;
  ok = part('consoleProfile.mjs', ['--keys', '40']) && ok;
}

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', 'src'], { cwd: PROJECT, encoding: 'utf8' }).stdout.trim() ? ' + uncommitted changes in src/' : '';
const header = `## Benchmark results\n\nProduced by \`npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}\` on ${started.toISOString()} at commit ${commit || '?'}${dirty}.\n`;
const text = `${header}\n${parts.join('\n\n')}\n`;
writeFileSync(path.join(PROJECT, 'test/bench/RESULTS.md'), text);
log(`bench: results written to test/bench/RESULTS.md`);
process.exitCode = ok ? 0 : 1;
