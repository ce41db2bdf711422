/**
 * The ExecChannel the remote-layer tests use for a test-fleet host: the OpenSSH client
 * (KONF_TEST_TRANSPORT unset or `openssh`) or the ssh2 connection pool konf ships
 * (`ssh2`). One place to swap transports: vitest.config.ts runs test/core/remote/*.int
 * once per transport (projects `integration` and `integration-ssh2`).
 */
import type { ExecChannel } from '../../src/core/remote/types.js';
import { RemoteHost, type RemoteHostOptions } from '../../src/core/remote/remoteHost.js';
import { SshPool } from '../../src/core/ssh/pool.js';
import { opensshChannel } from '../../src/testfleet/opensshExec.js';
import type { TestFleet } from '../../src/testfleet/testFleet.js';

export type TestTransport = 'openssh' | 'ssh2';

export function testTransport(env: NodeJS.ProcessEnv = process.env): TestTransport {
  const value = env.KONF_TEST_TRANSPORT ?? 'openssh';
  if (value === 'openssh' || value === 'ssh2') return value;
  throw new Error(`KONF_TEST_TRANSPORT=${value}: expected openssh or ssh2`);
}

const pools = new WeakMap<TestFleet, SshPool>();

/** One pool per fleet, closed when the fleet stops (before its sshd processes go). */
function poolFor(fleet: TestFleet): SshPool {
  let pool = pools.get(fleet);
  if (!pool) {
    const created = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null });
    const stop = fleet.stop.bind(fleet);
    fleet.stop = async (options) => {
      await created.closeAll();
      await stop(options);
    };
    pools.set(fleet, created);
    pool = created;
  }
  return pool;
}

export function channelFor(fleet: TestFleet, host: string): ExecChannel {
  return testTransport() === 'ssh2' ? poolFor(fleet).channel(host) : opensshChannel(fleet.sshConfig, host);
}

/** A RemoteHost for a fleet host, rooted at the host's own root folder by default. */
export function remoteFor(fleet: TestFleet, host: string, options: Partial<RemoteHostOptions> = {}): RemoteHost {
  return new RemoteHost(channelFor(fleet, host), { host, root: fleet.host(host).root, become: '', ...options });
}
