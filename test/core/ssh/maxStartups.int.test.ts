import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { SshPool } from '../../../src/core/ssh/pool.js';

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
