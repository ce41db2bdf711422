/**
 * The remote-layer suites run once per transport (vitest projects `integration` and
 * `integration-ssh2`, see vitest.config.ts): this proves each run really uses the one it
 * names. Over ssh2 every command of a host shares one pooled connection (one client
 * port); the OpenSSH client opens a new connection, from a new port, per command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { channelFor, remoteFor, testTransport } from '../../helpers/channel.js';

describe(`remote tests over ${testTransport()}`, () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['t1'] });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('use the transport KONF_TEST_TRANSPORT names', async () => {
    const clientPort = async () => {
      const r = await remoteFor(fleet, 't1').run('echo "$SSH_CONNECTION"');
      expect(r.code).toBe(0);
      return r.stdout.trim().split(' ')[1];
    };
    const first = await clientPort();
    const second = await clientPort();
    expect(first).toMatch(/^\d+$/);
    if (testTransport() === 'ssh2') expect(second).toBe(first);
    else expect(second).not.toBe(first);
    expect('running' in channelFor(fleet, 't1')).toBe(testTransport() === 'openssh');
  });

  it('refuses a transport it does not know', () => {
    expect(() => testTransport({ KONF_TEST_TRANSPORT: 'telnet' })).toThrow(/expected openssh or ssh2/);
  });
});
