/**
 * The newcomer's path to `konf` on PATH, on a fresh clone: the README's set-up line
 * (`npm run build && npm link`) run as written, with npm's global prefix in a temp folder,
 * then `konf …` from PATH in a folder outside the clone. Offline: the clone's
 * node_modules is a (hard-linked) copy of this checkout's, standing in for `npm ci`, and
 * npm runs with --offline.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT } from '../helpers/konfBin.js';

const run = promisify(execFile);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-fresh-clone-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('konf on PATH from a fresh clone, as the README says', { timeout: 240_000 }, () => {
  it('npm run build && npm link in the clone; then konf --version, konf init and konf hosts work from any folder', async () => {
    const readme = await readFile(path.join(PROJECT, 'README.md'), 'utf8');
    const setup = readme.split('\n').find((l) => /^npm run build && npm link\b/.test(l));
    expect(setup, "README.md's quick start has the line that puts konf on PATH").toBeDefined();
    const command = (setup ?? '').replace(/\s+#.*$/, '');

    const clone = path.join(tmp, 'konf');
    execFileSync('git', ['clone', '--quiet', PROJECT, clone]);
    try {
      execFileSync('cp', ['-al', path.join(PROJECT, 'node_modules'), path.join(clone, 'node_modules')]);
    } catch {
      execFileSync('cp', ['-a', path.join(PROJECT, 'node_modules'), path.join(clone, 'node_modules')]);
    }
    const prefix = path.join(tmp, 'prefix');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NPM_CONFIG_PREFIX: prefix,
      NPM_CONFIG_OFFLINE: 'true',
      NPM_CONFIG_AUDIT: 'false',
      NPM_CONFIG_FUND: 'false',
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      NO_COLOR: '1',
    };
    delete env.KONF_REPO;
    delete env.KONF_STATE;
    await run('sh', ['-c', command], { cwd: clone, env, maxBuffer: 16 << 20 });

    const pathEnv = { ...env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` };
    const konf = (args: string[], cwd: string) => run('konf', args, { cwd, env: pathEnv });
    const away = path.join(tmp, 'elsewhere');
    execFileSync('mkdir', ['-p', away]);

    const pkg = JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string };
    expect((await konf(['--version'], away)).stdout.trim()).toBe(pkg.version);
    // It is the clone's konf: the example fleet of the clone, from inside it.
    expect((await konf(['hosts'], clone)).stdout).toMatch(/^web1 /m);
    // The README's first steps on a real fleet.
    await konf(['init', 'fleet', '--host', 'app1'], away);
    const hosts = await konf(['hosts'], path.join(away, 'fleet'));
    expect(hosts.stdout.split('\n')[1]).toMatch(/^app1 /);
  });
});
