import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleet } from '../../src/core/fleet/fleet.js';
import type { Fleet, HostPlan } from '../../src/core/fleet/types.js';
import type { ShowReport } from '../../src/cli/showReport.js';
import { konf, PROJECT } from '../helpers/konfInProcess.js';

let fleet: Fleet;
let work: string;
beforeAll(async () => {
  fleet = await loadFleet(PROJECT);
  work = await mkdtemp(path.join(os.tmpdir(), 'konf-cli-show-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function copyExample(name: string): Promise<string> {
  const dir = path.join(work, name);
  await cp(path.join(PROJECT, 'etc'), path.join(dir, 'etc'), { recursive: true, verbatimSymlinks: true });
  await cp(path.join(PROJECT, 'hooks'), path.join(dir, 'hooks'), { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** A host of the example fleet with excludes, and one whose plan skips a template. */
async function pick(test: (plan: HostPlan) => boolean): Promise<HostPlan> {
  for (const host of fleet.hosts) {
    const plan = await fleet.plan(host);
    if (test(plan)) return plan;
  }
  throw new Error('the example fleet has no such host');
}

describe('konf show on the example fleet', () => {
  it('succeeds for every host', async () => {
    for (const host of fleet.hosts) {
      const r = await konf(['show', host]);
      expect({ host, code: r.code, stderr: r.stderr }).toEqual({ host, code: 0, stderr: '' });
    }
  });

  it('prints switches with origin, masked secrets, excludes with matches, files, skipped files and hooks', async () => {
    const plan = await pick((p) => p.excluded.length > 0 && p.switches.some((s) => s.secret));
    const r = await konf(['show', plan.host]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out.split('\n')[0]).toBe(`${plan.host}  (repository ${PROJECT})`);
    for (const s of plan.switches) {
      const origin = `${s.origin.file.replace('etc/serverconfig/', '')}:${s.origin.line}`;
      const line = out.split('\n').find((l) => l.startsWith(`  ${s.name} `));
      expect(line, s.name).toContain(origin);
      if (s.secret) {
        expect(line).toContain('********');
        if (s.value.length > 0) expect(out).not.toContain(s.value);
      } else expect(line).toContain(s.value === '' ? '""' : s.value);
    }
    for (const x of plan.excluded) expect(out).toContain(`-> ${x.path}`);
    for (const f of plan.files) expect(out).toMatch(new RegExp(`^  ${f.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
    for (const s of plan.skipped) expect(out).toContain(s.reason);
    for (const hooks of Object.values(plan.hooks)) for (const h of hooks) expect(out).toContain(h.name);
  });

  it('--reveal shows secret values', async () => {
    const plan = await pick((p) => p.switches.some((s) => s.secret && s.value !== ''));
    const secret = plan.switches.find((s) => s.secret && s.value !== '');
    const r = await konf(['show', plan.host, '--reveal']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(secret?.value);
  });

  it('--json carries provenance: switch origins, exclude rules and matches, permission rules, switches used', async () => {
    const plan = await pick((p) => p.excluded.length > 0 && p.skipped.length === 0);
    const r = await konf(['show', plan.host, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ShowReport;
    expect(report.host).toBe(plan.host);
    expect(report.switches.map((s) => [s.name, s.origin])).toEqual(plan.switches.map((s) => [s.name, s.origin]));
    expect(report.switches.filter((s) => s.secret).every((s) => s.value === '********')).toBe(true);
    for (const x of plan.excluded) {
      const rule = report.excludes.find((e) => e.file === x.rule.file && e.line === x.rule.line);
      expect(rule?.matched).toContain(x.path);
    }
    expect(report.files.map((f) => f.path)).toEqual(plan.files.map((f) => f.path));
    for (const f of plan.files) {
      const shown = report.files.find((g) => g.path === f.path);
      expect(shown?.source).toBe(f.source);
      if (f.kind === 'file') {
        expect(shown?.switchesUsed).toEqual(f.switchesUsed);
        expect(shown?.size).toBe(f.content.length);
      } else expect(shown?.target).toBe(f.target);
      if (f.mode !== undefined) expect(shown?.mode).toBe(f.mode.toString(8).padStart(4, '0'));
      if (f.permissionRule) expect(shown?.permissionRule).toEqual({ glob: f.permissionRule.glob, file: f.permissionRule.file, line: f.permissionRule.line });
    }
    expect(report.hooks['post-deploy'].map((h) => h.name)).toEqual(plan.hooks['post-deploy'].map((h) => h.name));
  });

  it('--json lists skipped templates with their reason', async () => {
    const plan = await pick((p) => p.skipped.length > 0);
    const report = JSON.parse((await konf(['show', plan.host, '--json'])).stdout) as ShowReport;
    expect(report.skipped).toEqual(plan.skipped);
  });
});

describe('konf show errors', () => {
  it('an unknown host: exit 2, the repository searched and where it came from, the known hosts listed', async () => {
    const r = await konf(['show', 'no-such-host']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `konf: unknown host \`no-such-host\` in the fleet repository ${PROJECT} (the nearest folder holding etc/serverconfig above ${PROJECT}); known hosts: ${fleet.hosts.join(', ')}\n`,
    );
  });

  it('an unknown host names --repo or $KONF_REPO when that is where the repository came from', async () => {
    const viaFlag = await konf(['--repo', PROJECT, 'show', 'no-such-host'], { cwd: work });
    expect([viaFlag.code, viaFlag.stderr]).toEqual([2, expect.stringContaining(`in the fleet repository ${PROJECT} (from --repo ${PROJECT});`)]);
    const viaEnv = await konf(['show', 'no-such-host'], { cwd: work, env: { KONF_REPO: PROJECT } });
    expect([viaEnv.code, viaEnv.stderr]).toEqual([2, expect.stringContaining(`in the fleet repository ${PROJECT} (from $KONF_REPO=${PROJECT});`)]);
  });

  it('commands that reach hosts say the same before contacting any', async () => {
    const r = await konf(['--repo', PROJECT, 'diff', 'web1', 'no-such-host'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`konf: unknown host \`no-such-host\` in the fleet repository ${PROJECT} (from --repo ${PROJECT}); known hosts: ${fleet.hosts.join(', ')}\n`);
  });

  it('a malformed switch file: exit 2 naming file, line and column (relative inside the repository)', async () => {
    const repo = await copyExample('bad-switch');
    const host = fleet.hosts[0] ?? '';
    const file = path.join(repo, 'etc/serverconfig', host);
    const before = (await readFile(file, 'utf8')).split('\n').length;
    await appendFile(file, 'motd_text="hello `whoami`"\n');
    const inside = await konf(['show', host], { cwd: repo });
    expect(inside.code).toBe(2);
    expect(inside.stdout).toBe('');
    expect(inside.stderr).toBe(`konf: etc/serverconfig/${host}:${before}:18: command substitution with backticks is not allowed (switch files are data, never executed)\n`);
    const outside = await konf(['--repo', repo, 'show', host], { cwd: work });
    expect(outside.stderr).toContain(`konf: ${file}:${before}:18: `);
  });

  it('a template error: exit 2 naming the template and line', async () => {
    const repo = await copyExample('bad-template');
    await writeFile(path.join(repo, 'etc/files/etc/broken.conf.tmpl'), 'first line\nsecond {{ no_such_switch }}\n');
    const r = await konf(['show', fleet.hosts[0] ?? ''], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^konf: etc\/files\/etc\/broken\.conf\.tmpl:2:11: template error: undefined switch `no_such_switch`/);
  });

  it('a bad permissions line: exit 2 naming etc/permissions and the line', async () => {
    const repo = await copyExample('bad-permissions');
    const lines = (await readFile(path.join(repo, 'etc/permissions'), 'utf8')).split('\n').length;
    await appendFile(path.join(repo, 'etc/permissions'), '/etc/motd 0999\n');
    const r = await konf(['show', fleet.hosts[0] ?? ''], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`konf: etc/permissions:${lines}:11: invalid mode \`0999\``);
  });

  it('a relative exclude: exit 2 naming the exclude file and line', async () => {
    const repo = await copyExample('bad-exclude');
    const host = fleet.hosts[0] ?? '';
    await writeFile(path.join(repo, 'etc/serverconfig/exclude', host), '# ok\n/etc/motd\netc/issue.net\n');
    const r = await konf(['show', host], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`konf: etc/serverconfig/exclude/${host}:3:1: exclude \`etc/issue.net\` is not absolute`);
  });

  it('a symlink escaping the root: exit 2 naming the source', async () => {
    const repo = await copyExample('escape');
    const { symlink } = await import('node:fs/promises');
    await symlink('../../../../../etc/shadow', path.join(repo, 'etc/files/etc/nginx/evil'));
    const r = await konf(['show', fleet.hosts[0] ?? ''], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('konf: etc/files/etc/nginx/evil: symlink /etc/nginx/evil -> ../../../../../etc/shadow would resolve outside the target root (refused)');
  });
});
