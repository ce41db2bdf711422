/**
 * The transport under one SSH hop: a TCP connect of a first hop, or a direct-tcpip channel
 * through the hop before it (a jump host). Failures are HostErrors in OpenSSH's words.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client as ClientType } from 'ssh2';
import { HostError } from '../errors.js';
import { cancelled, mapConnectError } from './connectErrors.js';
import type { ResolvedHost } from './sshConfig.js';

type SshError = Error & { code?: string | number; level?: string; reason?: number };

/** Opens a direct-tcpip channel through `via` to the next hop. */
export function forward(via: ClientType, viaHop: ResolvedHost, hop: ResolvedHost, target: string, timeoutMs: number, signal?: AbortSignal): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: HostError | undefined, stream?: Duplex) => {
      if (done) {
        stream?.destroy();
        return;
      }
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(stream as Duplex);
    };
    const onAbort = () => finish(cancelled(target));
    const pre = hop.alias === target ? '' : `jump host ${hop.alias}: `;
    const timer = setTimeout(
      () => finish(new HostError(target, 'timeout', `${pre}ssh: connect to host ${hop.hostName} port ${hop.port} via ${viaHop.alias}: Connection timed out`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      via.forwardOut('127.0.0.1', 0, hop.hostName, hop.port, (err, stream) => {
        if (err) {
          const reason = err.message.replace(/^\(SSH\) Channel open failure: ?/, '') || 'open failed';
          finish(new HostError(target, 'unreachable', `${pre}ssh: connect to host ${hop.hostName} port ${hop.port} via ${viaHop.alias}: ${reason}`, { cause: err }));
        } else {
          finish(undefined, stream);
        }
      });
    } catch (err) {
      finish(new HostError(target, 'unreachable', `${pre}ssh: connection to ${viaHop.alias} lost: ${(err as Error).message}`, { cause: err }));
    }
  });
}

/**
 * The TCP connect of a first hop, on its own: resolves with the connected socket (Nagle
 * off: SSH sends small packets back to back, each would wait ~40 ms for the peer's delayed
 * ACK; OpenSSH sets TCP_NODELAY too), or rejects with the HostError OpenSSH's words give
 * (refused, no route, name not resolved, timed out after ConnectTimeout, cancelled).
 */
export function dialTcp(hop: ResolvedHost, target: string, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(target));
    const socket = net.connect({ host: hop.hostName, port: hop.port });
    const finish = (err?: HostError) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      if (!err) return resolve(socket);
      socket.on('error', () => undefined);
      socket.destroy();
      reject(err);
    };
    const onConnect = () => {
      socket.setNoDelay(true);
      finish();
    };
    const onError = (err: SshError) => finish(mapConnectError(err, hop, target));
    const onAbort = () => finish(cancelled(target));
    const timer = setTimeout(() => finish(mapConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), hop, target, { timeoutMs })), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
