/**
 * The repository's own etc/ and hooks/ are the example fleet (the demo uses it): every host
 * must plan cleanly, and its hooks must do their job under a per-host KONF_ROOT.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { readTree } from '../../../src/core/fleet/tree.js';
import { HOOK_PHASES, type Fleet, type HookPhase, type HostPlan } from '../../../src/core/fleet/types.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let fleet: Fleet;
const plans = new Map<string, HostPlan>();
beforeAll(async () => {
  fleet = await loadFleet(REPO);
  for (const host of fleet.hosts) plans.set(host, await fleet.plan(host));
});
const planOf = (host: string): HostPlan => {
  const p = plans.get(host);
  if (p === undefined) throw new Error(`no plan for ${host}`);
  return p;
};
const value = (plan: HostPlan, name: string) => plan.switches.find((s) => s.name === name)?.value;

describe('the example fleet', () => {
  it('has 4 to 6 hosts with web, mail and db roles', () => {
    expect(fleet.hosts.length).toBeGreaterThanOrEqual(4);
    expect(fleet.hosts.length).toBeLessThanOrEqual(6);
    const roles = new Set(fleet.hosts.map((h) => value(planOf(h), 'role')));
    expect([...roles].sort()).toEqual(['db', 'mail', 'web']);
  });

  it('plans every host without warnings', () => {
    for (const host of fleet.hosts) {
      expect(planOf(host).warnings, host).toEqual([]);
      expect(planOf(host).files.length, host).toBeGreaterThan(10);
    }
  });

  it('has 15 to 30 entries in its desired tree, including a symlink, a binary file and templates', async () => {
    const tree = await readTree(REPO);
    expect(tree.length).toBeGreaterThanOrEqual(15);
    expect(tree.length).toBeLessThanOrEqual(30);
    expect(tree.some((e) => e.kind === 'symlink')).toBe(true);
    expect(tree.filter((e) => e.kind === 'file' && e.template).length).toBeGreaterThanOrEqual(5);
    const binaries = fleet.hosts.flatMap((h) => planOf(h).files).filter((f) => f.kind === 'file' && f.content.includes(0));
    expect(binaries.length).toBeGreaterThan(0);
  });

  it('overrides defaults per host (worker counts, the database profile)', () => {
    const workers = new Set(fleet.hosts.map((h) => value(planOf(h), 'nginx_worker_processes')));
    expect(workers.size).toBeGreaterThan(1);
    const dbHosts = fleet.hosts.filter((h) => value(planOf(h), 'role') === 'db');
    expect(dbHosts.length).toBeGreaterThan(0);
    for (const host of dbHosts) {
      const plan = planOf(host);
      const mysqlConf = plan.switches.find((s) => s.name === 'mysql_conf');
      expect(mysqlConf?.origin.kind, host).toBe('host');
      const myCnf = plan.files.find((f) => f.path === '/etc/mysql/my.cnf');
      expect(myCnf?.kind === 'file' && myCnf.content.toString()).toContain(`profile "${mysqlConf?.value}"`);
    }
  });

  it('skips the database config on every non-db host, with a reason', () => {
    for (const host of fleet.hosts) {
      const plan = planOf(host);
      const skipped = plan.skipped.find((s) => s.path === '/etc/mysql/my.cnf');
      if (value(plan, 'role') === 'db') expect(skipped, host).toBeUndefined();
      else expect(skipped?.reason, host).toMatch(/database/);
    }
  });

  it('declares a sudoers.d file with mode 0440 through etc/permissions', () => {
    for (const host of fleet.hosts) {
      const sudoers = planOf(host).files.filter((f) => f.path.startsWith('/etc/sudoers.d/'));
      expect(sudoers.length, host).toBeGreaterThan(0);
      for (const f of sudoers) expect(f.mode, `${host} ${f.path}`).toBe(0o440);
    }
  });

  it('has secrets and at least one exclude list that removes paths', () => {
    expect(planOf(fleet.hosts[0] ?? '').switches.some((s) => s.secret && /_password$/.test(s.name))).toBe(true);
    expect(fleet.hosts.some((h) => planOf(h).excluded.length > 0)).toBe(true);
  });

  it('has an executable hook in every phase', () => {
    const plan = planOf(fleet.hosts[0] ?? '');
    for (const phase of HOOK_PHASES) expect(plan.hooks[phase].length, phase).toBeGreaterThan(0);
  });
});

describe('the example hooks under a per-host KONF_ROOT', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'konf-example-hooks-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Writes the plan's files into root, as a deploy would. */
  async function materialize(plan: HostPlan, root: string): Promise<void> {
    for (const f of plan.files) {
      const target = path.join(root, f.path);
      await mkdir(path.dirname(target), { recursive: true });
      if (f.kind === 'symlink') await symlink(f.target, target);
      else {
        await writeFile(target, f.content);
        await chmod(target, f.mode ?? 0o644);
      }
    }
  }

  async function runPhase(plan: HostPlan, phase: HookPhase, root: string, changed: string[]) {
    const results: { name: string; code: number | null; stdout: string; stderr: string }[] = [];
    for (const hook of plan.hooks[phase]) {
      const script = path.join(work, `${plan.host}-${hook.name}`);
      await writeFile(script, hook.content, { mode: 0o755 });
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...Object.fromEntries(plan.switches.map((s) => [s.name, s.value])),
        KONF_HOST: plan.host,
        KONF_PHASE: phase,
        KONF_ROOT: root,
        KONF_CHANGED: changed.join('\n'),
      };
      const r = spawnSync(script, [], { env, encoding: 'utf8' });
      results.push({ name: hook.name, code: r.status, stdout: r.stdout, stderr: r.stderr });
    }
    return results;
  }

  it('deploy hooks pass on every host and leave a marker under $KONF_ROOT/var/lib/konf', async () => {
    for (const host of fleet.hosts) {
      const plan = planOf(host);
      const root = path.join(work, host);
      await mkdir(root, { recursive: true });
      const changed = plan.files.map((f) => f.path);
      for (const r of await runPhase(plan, 'pre-deploy', root, changed)) expect(r, `${host} ${r.name}`).toMatchObject({ code: 0 });
      await materialize(plan, root);
      for (const r of await runPhase(plan, 'post-deploy', root, changed)) expect(r, `${host} ${r.name}`).toMatchObject({ code: 0 });
      const marker = await readFile(path.join(root, 'var/lib/konf/last-deploy'), 'utf8');
      expect(marker).toContain(`host=${host}`);
      expect(marker).toContain(`changed=${changed.length}`);
      expect((await readFile(path.join(root, 'var/lib/konf/last-deploy.changed'), 'utf8')).trim().split('\n')).toEqual(changed);
    }
  });

  it('the health check between waves passes after a deploy and fails when a changed file is gone', async () => {
    const host = fleet.hosts[0] ?? '';
    const plan = planOf(host);
    const root = path.join(work, `${host}-health`);
    await mkdir(root, { recursive: true });
    const changed = plan.files.map((f) => f.path);
    await materialize(plan, root);
    for (const r of await runPhase(plan, 'post-deploy', root, changed)) expect(r, r.name).toMatchObject({ code: 0 });
    const [ok] = await runPhase(plan, 'health', root, changed);
    expect(ok).toMatchObject({ code: 0, stdout: `${host} healthy: ${changed.length} changed file(s) in place\n` });
    await rm(path.join(root, 'etc/motd'));
    const [gone] = await runPhase(plan, 'health', root, changed);
    expect(gone?.code).toBe(1);
    expect(gone?.stderr).toBe('/etc/motd: gone since the deploy\n');
  });

  it('the post-deploy check fails when a changed sudoers file has the wrong mode', async () => {
    const host = fleet.hosts[0] ?? '';
    const plan = planOf(host);
    const root = path.join(work, `${host}-badmode`);
    await materialize(plan, root);
    await chmod(path.join(root, 'etc/sudoers.d/konf-admins'), 0o644);
    const results = await runPhase(plan, 'post-deploy', root, ['/etc/sudoers.d/konf-admins']);
    const check = results.find((r) => r.name.includes('validate'));
    expect(check?.code).not.toBe(0);
    expect(check?.stderr).toMatch(/sudo wants -r--r-----/);
  });

  it('the pre-deploy check refuses a missing target root', async () => {
    const plan = planOf(fleet.hosts[0] ?? '');
    const results = await runPhase(plan, 'pre-deploy', path.join(work, 'does-not-exist'), []);
    expect(results.some((r) => r.code !== 0 && /does not exist/.test(r.stderr))).toBe(true);
  });

  it('rollback hooks pass and record the rollback', async () => {
    const host = fleet.hosts[0] ?? '';
    const plan = planOf(host);
    const root = path.join(work, `${host}-rollback`);
    await mkdir(root, { recursive: true });
    for (const phase of ['pre-rollback', 'post-rollback'] as const) {
      for (const r of await runPhase(plan, phase, root, ['/etc/motd'])) expect(r, r.name).toMatchObject({ code: 0 });
    }
    expect(await readFile(path.join(root, 'var/lib/konf/last-rollback'), 'utf8')).toMatch(/phase=post-rollback[\s\S]*changed=1/);
  });
});
