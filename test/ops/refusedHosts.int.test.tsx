/**
 * Hosts that refuse connections (a port on 127.0.0.1 with nothing listening): a check costs
 * one TCP connect and no planning, says "unreachable" with a message naming the host, and
 * the console's title counts them as failing — never in sync, never pending.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/console/app.js';
import { memoryPrefs } from '../../src/console/prefs.js';
import { openFleetSession } from '../../src/core/ops/fleetSession.js';
import { freePorts } from '../../src/testfleet/sshd.js';
import { OpsRuntime } from '../../src/core/ops/runtime.js';
import { SnapshotStore } from '../../src/core/store/snapshotStore.js';
import { waitForFrame } from '../helpers/consoleTesting.js';

const HOSTS = 40;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-refused-'));
const repo = path.join(tmp, 'repo');
const names = Array.from({ length: HOSTS }, (_, i) => `down${String(i + 1).padStart(2, '0')}`);
const ports = new Map<string, number>();

function put(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), text);
}

beforeAll(async () => {
  // Distinct ports that were free a moment ago (every listener held until all are chosen): nothing listens there now.
  const free = await freePorts(names.length);
  names.forEach((h, i) => ports.set(h, free[i] as number));
  put('etc/serverconfig/default', 'role="web"\n');
  for (const h of names) put(`etc/serverconfig/${h}`, '');
  put('etc/files/etc/app.conf.tmpl', 'host={{ konf_host }}\n');
  put('etc/files/etc/motd', 'hello\n');
  const known = path.join(tmp, 'known_hosts');
  writeFileSync(known, '');
  put('etc/ssh_config', names.map((h) => `Host ${h}\n  HostName 127.0.0.1\n  Port ${ports.get(h)}\n  BatchMode yes\n  UserKnownHostsFile ${known}\n`).join(''));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** TCP connects to our hosts' ports, counted per port (every socket konf opens goes through net.Socket#connect). */
function countConnects(): Map<number, number> {
  const counts = new Map<number, number>();
  const original = net.Socket.prototype.connect;
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    // net.connect() hands the socket its normalized arguments as one array.
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const port = typeof first === 'object' && first !== null ? Number((first as { port?: unknown }).port) : Number(first);
    if ([...ports.values()].includes(port)) counts.set(port, (counts.get(port) ?? 0) + 1);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  });
  return counts;
}

describe('checking hosts that refuse connections', () => {
  it('costs one connect per host, renders no plan, and says "unreachable" naming the host', async () => {
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(tmp, 'state-core') });
    // One host has a snapshot: its check says when, from the one read of the store all checks share.
    const snap = await (await rt.store()).save(names[3] as string, [], { reason: 'manual', operator: 'alice', op: 'op1' });
    const session = await openFleetSession(rt, { lazy: true });
    const latest = vi.spyOn(SnapshotStore.prototype, 'latest');
    const allTimes = vi.spyOn(SnapshotStore.prototype, 'lastSnapshotTimes');
    const connects = countConnects();
    const plan = vi.spyOn(rt, 'plan');
    const fleetPlan = vi.spyOn(rt.fleet, 'plan');
    const fleetPlanAll = vi.spyOn(rt.fleet, 'planAll');
    try {
      const checks = await Promise.all(names.map((h) => session.check(h)));
      for (const [i, check] of checks.entries()) {
        const host = names[i] as string;
        expect(check.host).toBe(host);
        expect(check.status).toEqual({ kind: 'unreachable', error: `${host}: ssh: connect to host 127.0.0.1 port ${ports.get(host)}: Connection refused` });
        expect(check.diff).toBeUndefined();
        expect(check.confirm).toBeUndefined();
        expect(check.lastSnapshot).toBe(i === 3 ? snap.time : undefined);
      }
      // No ref read and no history walk per host: one read of every host's newest snapshot.
      expect(latest).not.toHaveBeenCalled();
      expect(allTimes).toHaveBeenCalledTimes(1);
      // One TCP connect per host: a refused connect is final, not a handshake sshd turned away.
      expect([...connects.values()]).toEqual(names.map(() => 1));
      expect(connects.size).toBe(HOSTS);
      expect(rt.pool.window.refusals).toBe(0);
      // Nothing was planned for a host that could not be reached.
      expect(plan).not.toHaveBeenCalled();
      expect(fleetPlan).not.toHaveBeenCalled();
      expect(fleetPlanAll).not.toHaveBeenCalled();
      // Checked again: again one connect each (a failed connect is not cached), still no plan.
      await Promise.all(names.slice(0, 5).map((h) => session.check(h)));
      expect(names.slice(0, 5).map((h) => connects.get(ports.get(h) as number))).toEqual([2, 2, 2, 2, 2]);
      expect(plan).not.toHaveBeenCalled();
    } finally {
      await session.close();
    }
  });

  it('drops the plans the summary rendered for hosts found unreachable', async () => {
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(tmp, 'state-summary') });
    const session = await openFleetSession(rt, { lazy: true });
    try {
      await Promise.all(names.map((h) => session.check(h)));
      const summaries = await session.summaries!();
      // The summary is complete (the inventory columns), though the plans behind it are not kept.
      expect(summaries.map((s) => [s.name, s.files, s.error])).toEqual(names.map((h) => [h, 2, undefined]));
      const fleetPlanAll = vi.spyOn(rt.fleet, 'planAll');
      const fleetPlan = vi.spyOn(rt.fleet, 'plan');
      await rt.plan(names[0] as string);
      // Rendered again on use: the summary did not keep the unreachable host's plan.
      expect(fleetPlan.mock.calls.length + fleetPlanAll.mock.calls.length).toBe(1);
    } finally {
      await session.close();
    }
  });
});

describe('the console with hosts that refuse connections', () => {
  it('counts every host as failing in the title, and none as in sync or pending', async () => {
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(tmp, 'state-console') });
    const session = await openFleetSession(rt, { lazy: true });
    const instance = render(<App session={session} prefs={memoryPrefs()} size={{ columns: 120, rows: 40 }} color={false} eventBatchMs={5} onExit={() => undefined} />);
    try {
      const titles = () => instance.frames.map((f) => f.split('\n')[0] ?? '');
      const frame = await waitForFrame(instance.lastFrame, (f) => f.includes(`${HOSTS} hosts \u00b7 ${HOSTS} failing`) && !f.includes('to check'), 30_000, 'all hosts failing');
      expect(frame.split('\n')[0]).toContain(`${HOSTS} hosts \u00b7 ${HOSTS} failing`);
      // On the way there, every title's counts add up and no refused host was ever pending.
      for (const title of titles()) {
        expect(title).not.toMatch(/pending/);
        const failing = Number(/(\d+) failing/.exec(title)?.[1] ?? 0);
        const toCheck = Number(/(\d+) to check/.exec(title)?.[1] ?? 0);
        if (/\d+ hosts/.test(title)) expect(failing + toCheck).toBe(HOSTS);
      }
      expect(frame).not.toMatch(/in sync|pending/);
      expect(frame).toMatch(/down01 .*unreachable/);
    } finally {
      instance.unmount();
      await session.close();
    }
  });
});
