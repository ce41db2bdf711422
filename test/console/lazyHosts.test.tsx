/**
 * A lazily opened session: the host list (names) is drawn first, the plans are rendered
 * after the first frame, and the full summaries (switches, errors) fill in when ready.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deferredSession } from '../../src/console/deferredSession.js';
import { openFleetSession } from '../../src/core/ops/fleetSession.js';
import { OpsRuntime } from '../../src/core/ops/runtime.js';
import { eventually, renderConsole, waitForFrame, waitForText } from '../helpers/consoleTesting.js';
import { FakeSession } from '../helpers/fakeSession.js';

afterEach(() => cleanup());

const repo = mkdtempSync(path.join(os.tmpdir(), 'konf-lazy-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('console on a lazily opened session', () => {
  it('lists the hosts before their plans, then fills in switches and filters by them', async () => {
    const c = renderConsole({ lazySummaries: true });
    let frame = await waitForText(c.lastFrame, 'Hosts 9', 'web1', 'busy1');
    expect(frame).not.toMatch(/\d+ switches/);
    await eventually(() => expect(c.session.callsOf('summaries')).toHaveLength(1));
    c.session.releaseSummaries();
    frame = await waitForFrame(c.lastFrame, (f) => /web1 .*\d+ switches/.test(f), 15_000, 'switch count');
    await c.press('/');
    await c.type('env=staging');
    frame = await waitForText(c.lastFrame, '/env=staging', 'Hosts 1/9');
    expect(frame).toContain('web3');
  });
});

describe('openFleetSession({ lazy: true })', () => {
  it('returns the names at once and the full summaries on request', async () => {
    const put = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
      writeFileSync(path.join(repo, rel), text);
    };
    put('etc/serverconfig/default', 'role="web"\n');
    put('etc/serverconfig/web1', 'konf_become=sudo\n');
    put('etc/serverconfig/bad1', '$(hostname)\n');
    put('etc/files/etc/motd', 'hello\n');
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(repo, 'var') });
    const session = await openFleetSession(rt, { lazy: true });
    try {
      expect(session.hosts().map((h) => [h.name, h.loading])).toEqual([
        ['bad1', true],
        ['web1', true],
      ]);
      const full = await session.summaries!();
      expect(full.find((h) => h.name === 'web1')).toMatchObject({ switches: 2, become: 'sudo', values: { role: 'web' } });
      expect(full.find((h) => h.name === 'bad1')?.error).toMatch(/etc\/serverconfig\/bad1:1/);
      expect(session.hosts()).toBe(full);
      expect(full.some((h) => h.loading)).toBe(false);
    } finally {
      await session.close();
    }
  });
});

describe('deferredSession', () => {
  it('lists the names without opening the real session, opens it once on first use, and closes it', async () => {
    const real = new FakeSession();
    let opened = 0;
    const session = deferredSession('/srv/fleet', ['web1', 'db1'], async () => {
      opened++;
      return real;
    });
    expect(session.hosts().map((h) => [h.name, h.loading])).toEqual([
      ['web1', true],
      ['db1', true],
    ]);
    expect(opened).toBe(0);
    const [check] = await Promise.all([session.check('web1'), session.plan('web1')]);
    expect(check.status).toEqual({ kind: 'pending', count: 3 });
    const full = await session.summaries!();
    expect(session.hosts()).toBe(full);
    expect(full.find((h) => h.name === 'web1')?.switches).toBeGreaterThan(0);
    expect(opened).toBe(1);
    await session.close();
    expect(real.closed).toBe(true);
  });

  it('closes without opening when nothing was asked', async () => {
    let opened = 0;
    const session = deferredSession('/srv/fleet', ['web1'], async () => {
      opened++;
      return new FakeSession();
    });
    await session.close();
    expect(opened).toBe(0);
  });
});
