/**
 * Rollout in waves through the built CLI against a real sshd fleet: waves one after the
 * other, a wave over --max-failures stops the rollout (later hosts untouched, listed as
 * not started, exit 3), --rollback-on-stop undoes the earlier waves, hooks/health/ runs
 * between waves and a failing health check counts (and rolls that host back), --order.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import type { OpEvent } from '../../src/core/ops/events.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}
const events = (stdout: string): OpEvent[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as OpEvent);
const HOSTS = ['w1', 'w2', 'w3', 'w4', 'w5'];

describe('rollout in waves', { timeout: 240_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const root = (h: string) => fleet.host(h).root;
  const app = (h: string) => readFile(path.join(root(h), 'etc/app.conf'), 'utf8');
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args], { timeoutMs: 180_000 });
  const results = (ev: OpEvent[]) => Object.fromEntries(ev.filter((e) => e.type === 'host-result').map((e) => [(e as { host: string }).host, (e as { outcome: string }).outcome]));

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: HOSTS });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-waves-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'version=2\n');
    for (const h of HOSTS) await put(path.join(repo, 'etc/serverconfig', h), '');
    await put(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'app {{ konf_host }} v{{ version }}\n');
    await put(path.join(repo, 'hooks/pre-deploy/10-gate'), '#!/bin/sh\nif [ -f "$KONF_ROOT/fail-pre" ]; then echo "refusing on $KONF_HOST" >&2; exit 1; fi\n', 0o755);
    await put(path.join(repo, 'hooks/health/10-app'), '#!/bin/sh\nif [ -f "$KONF_ROOT/unhealthy" ]; then echo "app down on $KONF_HOST" >&2; exit 1; fi\necho "$KONF_HOST healthy after $KONF_CHANGED"\n', 0o755);
    await bindRepoToFleet(repo, fleet);
  });
  beforeEach(async () => {
    for (const h of HOSTS) {
      await put(path.join(root(h), 'etc/app.conf'), `app ${h} v1\n`);
      await rm(path.join(root(h), 'fail-pre'), { force: true });
      await rm(path.join(root(h), 'unhealthy'), { force: true });
    }
    await rm(path.join(tmp, 'order'), { force: true });
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('deploys wave after wave: a wave starts only when the previous one finished, health checks included', async () => {
    const r = await konf(['deploy', '--all', '--yes', '--json', '--waves', '1,40%,100%']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ev = events(r.stdout);
    const waves = ev.filter((e) => e.type === 'log' && e.phase === 'wave' && e.wave).map((e) => (e as { wave: { index: number; hosts: string[] } }).wave);
    expect(waves.filter((_, i) => i % 2 === 0).map((w) => w.hosts)).toEqual([['w1'], ['w2', 'w3'], ['w4', 'w5']]);
    // Order: every event of a wave (health included) comes before anything of the next wave's hosts.
    const firstOf = (h: string) => ev.findIndex((e) => 'host' in e && e.host === h);
    const lastOf = (h: string) => ev.map((e) => 'host' in e && e.host === h).lastIndexOf(true);
    expect(lastOf('w1')).toBeLessThan(Math.min(firstOf('w2'), firstOf('w3')));
    expect(Math.max(lastOf('w2'), lastOf('w3'))).toBeLessThan(Math.min(firstOf('w4'), firstOf('w5')));
    expect(ev.filter((e) => e.type === 'hook-output' && e.phase === 'health').map((e) => (e as { text: string }).text)).toContain('w1 healthy after /etc/app.conf');
    for (const h of HOSTS) expect(await app(h)).toBe(`app ${h} v2\n`);
    expect(results(ev)).toEqual(Object.fromEntries(HOSTS.map((h) => [h, 'ok'])));
  });

  it('a wave with more failures than allowed stops the rollout: later hosts untouched and listed, exit 3', async () => {
    await put(path.join(root('w2'), 'fail-pre'), '');
    const r = await konf(['deploy', '--all', '--yes', '--json', '--waves', '1,2,100%']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const ev = events(r.stdout);
    expect(results(ev)).toEqual({ w1: 'ok', w2: 'failed', w3: 'ok', w4: 'skipped', w5: 'skipped' });
    const skipped = ev.find((e) => e.type === 'host-result' && e.host === 'w4') as { text: string };
    expect(skipped.text).toBe('not started: the rollout stopped at wave 2/3 (1 failed, more than --max-failures 0)');
    const end = ev.find((e) => e.type === 'op-end') as { ok: boolean; text: string };
    expect(end.ok).toBe(false);
    expect(end.text).toMatch(/not started: w4, w5/);
    expect(await app('w1')).toBe('app w1 v2\n');
    expect(await app('w2')).toBe('app w2 v1\n');
    expect(await app('w4')).toBe('app w4 v1\n');
    expect(await app('w5')).toBe('app w5 v1\n');
    // The same in words.
    await rm(path.join(root('w1'), 'etc/app.conf'));
    const human = await konf(['deploy', '--all', '--yes', '--waves', '1,2,100%']);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/wave 2\/3: 1 of 2 host\(s\) done, 1 failed \(w2\): stopping the rollout/);
    expect(human.stdout).toMatch(/w4\s+- not started: the rollout stopped at wave 2\/3/);
  });

  it('--max-failures lets a wave fail up to the limit (a count, or a percentage of the wave)', async () => {
    await put(path.join(root('w2'), 'fail-pre'), '');
    const r = await konf(['deploy', '--all', '--yes', '--json', '--waves', '1,2,100%', '--max-failures', '50%']);
    expect(r.code).toBe(3);
    expect(results(events(r.stdout))).toEqual({ w1: 'ok', w2: 'failed', w3: 'ok', w4: 'ok', w5: 'ok' });
    await put(path.join(root('w4'), 'fail-pre'), '');
    await put(path.join(root('w4'), 'etc/app.conf'), 'app w4 v1\n');
    const r2 = await konf(['deploy', '--all', '--yes', '--json', '--waves', '1,2,100%', '--max-failures', '1']);
    expect(results(events(r2.stdout))).toEqual({ w1: 'unchanged', w2: 'failed', w3: 'unchanged', w4: 'failed', w5: 'unchanged' });
    expect(r2.code).toBe(3);
  });

  it('--rollback-on-stop rolls back every host the rollout changed; a failing health check counts and rolls its host back', async () => {
    await put(path.join(root('w3'), 'unhealthy'), '');
    const r = await konf(['deploy', '--all', '--yes', '--json', '--waves', '2,100%', '--rollback-on-stop']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const ev = events(r.stdout);
    // Wave 2 (w3, w4, w5): w3's health check fails; w3 is rolled back, the rollout stops, and w1, w2, w4, w5 are rolled back too.
    const final = results(ev);
    expect(final).toEqual({ w1: 'restored', w2: 'restored', w3: 'restored', w4: 'restored', w5: 'restored' });
    const w3 = ev.filter((e) => e.type === 'host-result' && e.host === 'w3') as { text: string }[];
    expect(w3[0]?.text).toMatch(/^health check failed: health hook 10-app exited with status 1; rolled back to its pre-deploy snapshot [0-9a-f]{10}$/);
    const w1 = ev.filter((e) => e.type === 'host-result' && e.host === 'w1') as { outcome: string; text: string }[];
    expect(w1.map((x) => x.outcome)).toEqual(['ok', 'restored']);
    expect(w1[1]?.text).toMatch(/^deployed 1 file\(s\), then rolled back to its pre-deploy snapshot [0-9a-f]{10} \(--rollback-on-stop\)$/);
    expect(ev.some((e) => e.type === 'hook-output' && e.phase === 'health' && /app down on w3/.test((e as { text: string }).text))).toBe(true);
    for (const h of HOSTS) expect(await app(h)).toBe(`app ${h} v1\n`);
  });

  it('--order FILE sets the rollout order; a bad order file is exit 2 naming file and line', async () => {
    const order = path.join(tmp, 'order');
    await writeFile(order, '# canaries first\nw5\nw4\n\nw3\nw2\nw1\n');
    await put(path.join(root('w4'), 'fail-pre'), '');
    const r = await konf(['deploy', '--all', '--yes', '--json', '--waves', '1,1,100%', '--order', order]);
    expect(r.code).toBe(3);
    expect(results(events(r.stdout))).toEqual({ w5: 'ok', w4: 'failed', w3: 'skipped', w2: 'skipped', w1: 'skipped' });
    await writeFile(order, 'w5\nw9\n');
    const bad = await konf(['deploy', '--all', '--yes', '--waves', '1', '--order', order]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${order}:2: unknown host w9`);
    await writeFile(order, 'w5\nw4\n');
    const short = await konf(['deploy', '--all', '--yes', '--waves', '1', '--order', order]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/does not list w1, w2, w3/);
    for (const args of [['--max-failures', '1'], ['--order', order], ['--rollback-on-stop']]) {
      const without = await konf(['deploy', '--all', '--yes', ...args]);
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/goes with --waves/);
    }
    expect((await konf(['deploy', '--all', '--yes', '--waves', '0,1'])).code).toBe(2);
    expect((await konf(['deploy', '--all', '--yes', '--waves', '1,x'])).code).toBe(2);
    for (const h of ['w1', 'w2', 'w3']) expect(await app(h)).toBe(`app ${h} v1\n`);
  });
});
