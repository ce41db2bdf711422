import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../src/core/fleet/fleet.js';
import type { Fleet } from '../../src/core/fleet/types.js';
import { AuditLog, type AuditRecord } from '../../src/core/ops/audit.js';
import type { HostOutcome, OperationKind } from '../../src/core/ops/events.js';
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
    expect(lines[0]).toMatch(/^HOST\s+SWITCHES\s+EXCLUDES\s+FILES\s+ROOT\s+ADDRESS\s+DEPLOYED\s+BY$/);
    expect(lines).toHaveLength(fleet.hosts.length + 1);
    for (const host of fleet.hosts) {
      const plan = await fleet.plan(host);
      const line = lines.find((l) => l.startsWith(`${host} `));
      expect(line?.trim().split(/\s+/).slice(0, 5), host).toEqual([host, String(plan.switches.length), String(plan.excludeRules.length), String(plan.files.length), plan.settings.root]);
    }
  });

  it('--json gives the same numbers as objects', async () => {
    const r = await konf(['hosts', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows.map((x) => x.host)).toEqual(fleet.hosts);
    for (const row of rows) {
      const plan = await fleet.plan(row.host);
      // address: as the user's ssh config resolves it (no etc/ssh_config here); lastDeploy: per the state's audit log (hosts.test: "address and last deploy").
      const { address: _address, lastDeploy: _last, ...counts } = row as Row & { address?: string; lastDeploy?: unknown };
      expect(counts).toEqual({ host: row.host, switches: plan.switches.length, excludes: plan.excludeRules.length, files: plan.files.length, root: plan.settings.root });
    }
  });

  it('finds the repository from KONF_REPO, --repo, and the working directory', async () => {
    const expected = (await konf(['hosts', '--json'])).stdout;
    expect((await konf(['hosts', '--json'], { cwd: work, env: { KONF_REPO: PROJECT } })).stdout).toBe(expected);
    expect((await konf(['--repo', PROJECT, 'hosts', '--json'], { cwd: work })).stdout).toBe(expected);
    expect((await konf(['hosts', '--json'], { cwd: path.join(PROJECT, 'etc/files/etc/nginx') })).stdout).toBe(expected);
  });
});

function auditRecord(op: string, kind: OperationKind, end: string, operator: string, results: Record<string, HostOutcome>, dryRun = false): AuditRecord {
  const hosts = Object.keys(results);
  return {
    v: 1,
    op,
    kind,
    status: 'completed',
    ok: Object.values(results).every((o) => o === 'ok' || o === 'unchanged'),
    operator,
    jumpHost: 'jump1',
    pid: 4242,
    dryRun,
    start: end,
    end,
    durationMs: 10,
    argv: [kind, ...hosts],
    hosts,
    results: Object.fromEntries(Object.entries(results).map(([h, outcome]) => [h, { outcome }])),
    snapshots: {},
    errors: {},
    summary: {},
    text: `${kind} done`,
  };
}

describe('konf hosts: address and last deploy', () => {
  it('shows the address from etc/ssh_config and the last deploy from a real audit log (table and --json)', async () => {
    const repo = await copyExample('details');
    await writeFile(path.join(repo, 'etc/ssh_config'), 'Host web1\n  HostName 10.0.0.5\n  Port 2222\nHost db1\n  HostName db1.internal.example\n');
    const state = path.join(work, 'details-state');
    const log = new AuditLog(state);
    await log.append(auditRecord('op1', 'deploy', '2026-05-01T10:00:00.000Z', 'alice', { web1: 'ok', db1: 'ok' }));
    await log.append(auditRecord('op2', 'deploy', '2026-05-02T10:00:00.000Z', 'mallory', { web1: 'ok' }, true)); // a dry run: not a deploy
    await log.append(auditRecord('op3', 'rollback', '2026-05-03T09:30:00.000Z', 'bob', { db1: 'ok' }));
    await log.append(auditRecord('op4', 'deploy', '2026-05-04T08:00:00.000Z', 'carol', { web2: 'restored' }));
    const env = { KONF_STATE: state };

    const json = await konf(['hosts', '--json'], { cwd: repo, env });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as (Row & { address?: string; lastDeploy?: unknown })[];
    const by = new Map(rows.map((r) => [r.host, r]));
    expect(by.get('web1')).toMatchObject({ address: '10.0.0.5:2222', lastDeploy: { at: '2026-05-01T10:00:00.000Z', operator: 'alice', kind: 'deploy', op: 'op1', ok: true } });
    expect(by.get('db1')).toMatchObject({ address: 'db1.internal.example', lastDeploy: { at: '2026-05-03T09:30:00.000Z', operator: 'bob', kind: 'rollback', op: 'op3', ok: true } });
    expect(by.get('web2')?.lastDeploy).toEqual({ at: '2026-05-04T08:00:00.000Z', operator: 'carol', kind: 'deploy', op: 'op4', ok: false });
    expect(by.get('mail1')?.lastDeploy).toBeUndefined();

    const table = await konf(['hosts'], { cwd: repo, env });
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const line = (host: string) => table.stdout.split('\n').find((l) => l.startsWith(`${host} `))?.trim().split(/\s+/).slice(5);
    expect(line('web1')).toEqual(['10.0.0.5:2222', '2026-05-01T10:00Z', 'alice']);
    expect(line('db1')).toEqual(['db1.internal.example', '2026-05-03T09:30Z(rollback)', 'bob']);
    expect(line('web2')?.slice(1)).toEqual(['2026-05-04T08:00Z', 'carol(failed)']);
    expect(line('mail1')?.slice(1)).toEqual(['-', '-']);
  });
});

describe('konf hosts on broken fleets', () => {
  it('a broken etc/ssh_config: the hosts it stops show "error" as their address, stderr names file and line, exit 2', async () => {
    const repo = await copyExample('broken-ssh-config');
    await writeFile(path.join(repo, 'etc/ssh_config'), 'Host web1\n  HostName 10.0.0.5\n  Port twenty-two\n');
    const json = await konf(['hosts', '--json'], { cwd: repo, env: { KONF_STATE: path.join(work, 'broken-ssh-state') } });
    expect(json.code).toBe(2);
    const rows = JSON.parse(json.stdout) as (Row & { address?: string; addressError?: string })[];
    const web1 = rows.find((r) => r.host === 'web1');
    expect(web1?.address).toBeUndefined();
    expect(web1?.addressError).toMatch(/etc\/ssh_config.*3/);
    expect(json.stderr).toContain('cannot resolve the address');
    expect(json.stderr).toMatch(/web1.*etc\/ssh_config.*3/);
    const table = await konf(['hosts'], { cwd: repo, env: { KONF_STATE: path.join(work, 'broken-ssh-state') } });
    expect(table.code).toBe(2);
    expect(table.stdout.split('\n').find((l) => l.startsWith('web1 '))?.trim().split(/\s+/)[5]).toBe('error');
  });

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
