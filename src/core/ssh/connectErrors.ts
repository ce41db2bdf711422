/**
 * What a failed connect means, said as OpenSSH says it: socket and ssh2 errors become
 * one-line HostErrors naming the host (and the jump hop), and a handshake refused before
 * the banner (MaxStartups) is told apart so it can be retried.
 */
import { HostError } from '../errors.js';
import type { ResolvedHost } from './sshConfig.js';

/**
 * The server closed the connection before the SSH version exchange: what sshd does to a
 * connection beyond `MaxStartups` (and a host's sshd that is restarting, or a per-source
 * penalty). Worth another try after a pause, unlike a refused TCP connect.
 */
export class HandshakeRefused extends HostError {}

/** Backoff before retry `attempt` (1-based) of a refused handshake: 250 ms doubling, at most 4 s, ±50 % jitter. */
export function refusedBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(4000, 250 * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random()));
}

type SshError = Error & { code?: string | number; level?: string; reason?: number };

export function hopLabel(hop: ResolvedHost, target: string): string {
  return hop.alias === target ? '' : `jump host ${hop.alias}: `;
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  EPIPE: 'Broken pipe',
  ETIMEDOUT: 'Connection timed out',
  EADDRNOTAVAIL: 'Cannot assign requested address',
};

/** Maps a socket/ssh2 error on one hop to a one-line HostError for the target. */
export function mapConnectError(err: SshError, hop: ResolvedHost, target: string, extra: { timeoutMs?: number; methods?: string[] | null; hints?: string[] } = {}): HostError {
  const pre = hopLabel(hop, target);
  const where = `${hop.hostName} port ${hop.port}`;
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return new HostError(target, 'unreachable', `${pre}ssh: Could not resolve hostname ${hop.hostName}: Name or service not known`, { cause: err });
  }
  if (code === 'EAI_AGAIN') {
    return new HostError(target, 'unreachable', `${pre}ssh: Could not resolve hostname ${hop.hostName}: Temporary failure in name resolution`, { cause: err });
  }
  if (code === 'ETIMEDOUT') return new HostError(target, 'timeout', `${pre}ssh: connect to host ${where}: Connection timed out`, { cause: err });
  if (code && ERRNO_TEXT[code]) return new HostError(target, 'unreachable', `${pre}ssh: connect to host ${where}: ${ERRNO_TEXT[code]}`, { cause: err });
  if (err.level === 'client-timeout') {
    const secs = extra.timeoutMs !== undefined ? ` (no SSH session within ${Math.round(extra.timeoutMs / 100) / 10}s)` : '';
    return new HostError(target, 'timeout', `${pre}ssh: connect to host ${where}: Connection timed out${secs}`, { cause: err });
  }
  if (err.level === 'client-authentication') {
    const methods = extra.methods && extra.methods.length ? extra.methods.join(',') : 'publickey';
    const hints = extra.hints && extra.hints.length ? ` ${extra.hints.join('; ')}` : '';
    return new HostError(target, 'auth-failed', `${pre}${hop.user}@${hop.hostName}: Permission denied (${methods}).${hints}`, { cause: err });
  }
  if (err.level === 'handshake') {
    return new HostError(target, 'unreachable', `${pre}Unable to negotiate with ${where}: ${err.message}`, { cause: err });
  }
  if (typeof err.code === 'number') {
    // A DISCONNECT from the server (e.g. too many authentication failures).
    return new HostError(target, /auth/i.test(err.message) ? 'auth-failed' : 'unreachable', `${pre}Received disconnect from ${where}: ${err.message}`, { cause: err });
  }
  return new HostError(target, 'unreachable', `${pre}ssh: ${where}: ${err.message.split('\n')[0] ?? 'connection failed'}`, { cause: err });
}

export function cancelled(target: string): HostError {
  return new HostError(target, 'cancelled', 'connection cancelled');
}
