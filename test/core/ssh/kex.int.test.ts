import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { SshPool } from '../../../src/core/ssh/pool.js';

describe('key exchange: the cheapest both sides allow', () => {
  let stock: TestFleet;
  let strict: TestFleet;
  beforeAll(async () => {
    stock = await startTestFleet({ hosts: ['stock'] });
    strict = await startTestFleet({ hosts: ['strict'], extraSshdConfig: ['KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256'] });
  });
  afterAll(async () => {
    await stock?.stop();
    await strict?.stop();
  });

  async function negotiated(fleet: TestFleet, host: string): Promise<string> {
    const logs: string[] = [];
    const pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null, logger: (l) => logs.push(l) });
    try {
      expect((await (await pool.get(host)).exec('true')).code).toBe(0);
    } finally {
      await pool.closeAll();
    }
    const line = logs.find((l) => l.startsWith(`${host}: key exchange `));
    return line?.split(' ')[3]?.replace(/,$/, '') ?? 'none';
  }

  it('uses ECDH on P-256 with a stock sshd, and what a stricter sshd allows otherwise', async () => {
    expect(await negotiated(stock, 'stock')).toBe('ecdh-sha2-nistp256');
    expect(await negotiated(strict, 'strict')).toBe('curve25519-sha256');
  });
});
