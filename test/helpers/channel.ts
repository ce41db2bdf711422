/**
 * The ExecChannel the remote-layer tests use for a test-fleet host: the OpenSSH client
 * by default, or the ssh2 connection pool with KONF_TEST_TRANSPORT=ssh2. One place to
 * swap transports.
 */
import type { ExecChannel } from '../../src/core/remote/types.js';
import { RemoteHost, type RemoteHostOptions } from '../../src/core/remote/remoteHost.js';
import { SshPool } from '../../src/core/ssh/pool.js';
import { opensshChannel } from '../../src/testfleet/opensshExec.js';
import type { TestFleet } from '../../src/testfleet/testFleet.js';

const pools = new WeakMap<TestFleet, SshPool>();

export function channelFor(fleet: TestFleet, host: string): ExecChannel {
  if (process.env.KONF_TEST_TRANSPORT === 'ssh2') {
    let pool = pools.get(fleet);
    if (!pool) {
      pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null });
      pools.set(fleet, pool);
    }
    return pool.channel(host);
  }
  return opensshChannel(fleet.sshConfig, host);
}

/** A RemoteHost for a fleet host, rooted at the host's own root folder by default. */
export function remoteFor(fleet: TestFleet, host: string, options: Partial<RemoteHostOptions> = {}): RemoteHost {
  return new RemoteHost(channelFor(fleet, host), { host, root: fleet.host(host).root, become: '', ...options });
}
