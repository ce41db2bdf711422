import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../src/core/fleet/fleet.js';
import type { Fleet } from '../../src/core/fleet/types.js';
import { konf, PROJECT } from '../helpers/konfInProcess.js';

let fleet: Fleet;
let work: string;
beforeAll(async () => {
  fleet = await loadFleet(PROJECT);
  work = await mkdtemp(path.join(os.tmpdir(), 'konf-cli-hosts-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A copy of the example fleet to break. */
async function copyExample(name: string): Promise<string> {
  const dir = path.join(work, name);
  await cp(path.join(PROJECT, 'etc'), path.join(dir, 'etc'), { recursive: true, verbatimSymlinks: true });
  await cp(path.join(PROJECT, 'hooks'), path.join(dir, 'hooks'), { recursive: true, verbatimSymlinks: true });
  return dir;
}

interface Row {
  host: string;
  switches: number;
  excludes: number;
  files?: number;
  root?: string;
  error?: string;
}

describe('konf hosts on the example fleet', () => {
  it('lists every host with its switch, exclude and planned-file counts', async () => {
    const r = await konf(['hosts'], { cwd: PROJECT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+SWITCHES\s+EXCLUDES\s+FILES\s+ROOT$/);
    expect(lines).toHaveLength(fleet.hosts.length + 1);
    for (const host of fleet.hosts) {
      const plan = await fleet.plan(host);
      const line = lines.find((l) => l.startsWith(`${host} `));
      expect(line?.trim().split(/\s+/), host).toEqual([host, String(plan.switches.length), String(plan.excludeRules.length), String(plan.files.length), plan.settings.root]);
    }
  });

  it('--json gives the same numbers as objects', async () => {
    const r = await konf(['hosts', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.map((x) => x.host)).toEqual(fleet.hosts);
    for (const row of rows) {
      const plan = await fleet.plan(row.host);
      expect(row).toEqual({ host: row.host, switches: plan.switches.length, excludes: plan.excludeRules.length, files: plan.files.length, root: plan.settings.root });
    }
  });

  it('finds the repository from KONF_REPO, --repo, and the working directory', async () => {
    const expected = (await konf(['hosts', '--json'])).stdout;
    expect((await konf(['hosts', '--json'], { cwd: work, env: { KONF_REPO: PROJECT } })).stdout).toBe(expected);
    expect((await konf(['--repo', PROJECT, 'hosts', '--json'], { cwd: work })).stdout).toBe(expected);
    expect((await konf(['hosts', '--json'], { cwd: path.join(PROJECT, 'etc/files/etc/nginx') })).stdout).toBe(expected);
  });
});

describe('konf hosts on broken fleets', () => {
  it('lists the other hosts, names the file and line of the broken one, and exits 2', async () => {
    const repo = await copyExample('broken-switch');
    const victim = fleet.hosts[1] ?? '';
    await appendFile(path.join(repo, 'etc/serverconfig', victim), 'fine=1\nbroken="unterminated\n');
    const lineNo = (await readFile(path.join(repo, 'etc/serverconfig', victim), 'utf8')).split('\n').indexOf('broken="unterminated') + 1;
    expect(lineNo).toBeGreaterThan(1);
    const r = await konf(['--repo', repo, 'hosts', '--json'], { cwd: work });
    expect(r.code).toBe(2);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.filter((x) => x.error === undefined).map((x) => x.host)).toEqual(fleet.hosts.filter((h) => h !== victim));
    const bad = rows.find((x) => x.host === victim);
    expect(bad?.files).toBeUndefined();
    const where = `${path.join(repo, 'etc/serverconfig', victim)}:${lineNo}:8`;
    expect(bad?.error).toBe(`${where}: unterminated double quote`);
    expect(r.stderr).toContain(`konf: ${victim}: ${where}: unterminated double quote`);
  });

  it('exits 2 naming the file for a broken default, when run inside the repository (relative path)', async () => {
    const repo = await copyExample('broken-default');
    await appendFile(path.join(repo, 'etc/serverconfig/default'), 'konf_rooot=/srv\n');
    const r = await konf(['hosts'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^konf: [^:]+: etc\/serverconfig\/default:\d+: unknown reserved switch `konf_rooot`/m);
  });

  it('exits 2 when no repository can be found', async () => {
    const r = await konf(['hosts'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^konf: no fleet repository found: .*use --repo DIR or set KONF_REPO/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for an invalid host file name in the inventory', async () => {
    const repo = await copyExample('bad-name');
    await writeFile(path.join(repo, 'etc/serverconfig/web 3'), '');
    const r = await konf(['--repo', repo, 'hosts'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`konf: ${path.join(repo, 'etc/serverconfig/web 3')}: \`web 3\` is not a valid host name`);
  });
});
