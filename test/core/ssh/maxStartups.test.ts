import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { SshPool } from '../../../src/core/ssh/pool.js';
import { ConnectWindow } from '../../../src/core/ssh/connectWindow.js';
import { refusedBackoffMs } from '../../../src/core/ssh/connect.js';

describe('connect window (ramp-up and back-off of handshakes)', () => {
  it('starts small, doubles per round while nothing is refused, halves once per calm period on refusals', () => {
    let t = 0;
    const changes: number[] = [];
    const w = new ConnectWindow({ max: 32, initial: 4, now: () => t, onChange: (n) => changes.push(n) });
    expect(w.size).toBe(4);
    for (let i = 0; i < 4; i++) w.opened();
    expect(w.size).toBe(8);
    expect(new ConnectWindow({ max: 32 }).size).toBe(8);
    expect(new ConnectWindow({ max: 5 }).size).toBe(5);
    for (let i = 0; i < 30; i++) w.opened();
    expect(w.size).toBe(32);
    w.refused();
    expect(w.size).toBe(16);
    // The same burst refuses more: one cut per calm period.
    w.refused();
    w.refused();
    expect(w.size).toBe(16);
    t += 1500;
    w.refused();
    expect(w.size).toBe(8);
    // Past a refusal the window grows by about one per round (9 successes: 8 → 9).
    for (let i = 0; i < 9; i++) w.opened();
    expect(w.size).toBe(9);
    expect(w.refusals).toBe(4);
    expect(changes[0]).toBe(5);
    expect(changes).toContain(32);
  });

  it('backs off 250 ms doubling to at most 4 s, with jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((a) => refusedBackoffMs(a, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(refusedBackoffMs(1, () => 0)).toBe(125);
    expect(refusedBackoffMs(3, () => 0.999)).toBeLessThan(1500);
  });
});

describe("an sshd with the default MaxStartups (10:30:100) serving 48 hosts", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: 48, hostsPerSshd: 48, maxStartups: 'default', logLevel: 'VERBOSE' });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('every host connects: handshakes sshd drops past MaxStartups are retried with backoff, not failed', async () => {
    const logs: string[] = [];
    const pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null, concurrency: 48, logger: (l) => logs.push(l) });
    try {
      const results = await Promise.allSettled(
        fleet.hosts.map(async (h) => {
          const conn = await pool.get(h.name);
          const out: Buffer[] = [];
          const r = await conn.exec('echo "${SSH_CONNECTION##* }"', { onStdout: (d) => out.push(d) });
          return { code: r.code, port: Buffer.concat(out).toString().trim() };
        }),
      );
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${fleet.hosts[i]?.name}: ${String(r.reason)}`] : []));
      expect(failed).toEqual([]);
      results.forEach((r, i) => expect(r.status === 'fulfilled' && r.value).toEqual({ code: 0, port: String(fleet.hosts[i]?.port) }));
      // sshd really refused some (the test exercised the retry), and konf said what it did.
      const sshdLog = await readFile(fleet.hosts[0]?.sshdLog as string, 'utf8');
      const drops = sshdLog.split('\n').filter((l) => /drop connection #\d+ .* past MaxStartups/.test(l)).length;
      expect(drops).toBeGreaterThan(0);
      const retries = logs.filter((l) => /before the SSH banner \(MaxStartups\?\): attempt \d+ of \d+ in \d+ ms/.test(l));
      expect(retries.length).toBeGreaterThan(0);
      expect(pool.window.refusals).toBe(retries.length);
    } finally {
      await pool.closeAll();
    }
  });
});
