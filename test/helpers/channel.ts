/**
 * The ExecChannel the remote-layer tests use for a test-fleet host. One place to swap
 * the OpenSSH client adapter for the ssh2 connection pool.
 */
import type { ExecChannel } from '../../src/core/remote/types.js';
import { RemoteHost, type RemoteHostOptions } from '../../src/core/remote/remoteHost.js';
import { opensshChannel } from '../../src/testfleet/opensshExec.js';
import type { TestFleet } from '../../src/testfleet/testFleet.js';

export function channelFor(fleet: TestFleet, host: string): ExecChannel {
  return opensshChannel(fleet.sshConfig, host);
}

/** A RemoteHost for a fleet host, rooted at the host's own root folder by default. */
export function remoteFor(fleet: TestFleet, host: string, options: Partial<RemoteHostOptions> = {}): RemoteHost {
  return new RemoteHost(channelFor(fleet, host), { host, root: fleet.host(host).root, become: '', ...options });
}
