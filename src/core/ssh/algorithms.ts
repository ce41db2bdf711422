/** The algorithm orders konf offers in a handshake: host key types and key exchanges. */
import type { KexAlgorithm, ServerHostKeyAlgorithm } from 'ssh2';

const HOST_KEY_ALGOS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_HOST_KEY_ORDER: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Key exchanges, cheapest first for the two sides together: with OpenSSH's sshd, ECDH on
 * P-256 (OpenSSL's assembly on both sides) reaches the handshake ~15–20 ms sooner than
 * curve25519 (sshd's portable C), measured side by side (test/bench/kex.mjs); the rest is
 * ssh2's own order. The server picks the first one it also allows, so a server that only
 * allows curve25519 (or DH) still gets it.
 */
export const KEX_ORDER: KexAlgorithm[] = [
  'ecdh-sha2-nistp256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group15-sha512',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group17-sha512',
  'diffie-hellman-group18-sha512',
];

/** Host key algorithms with the types already in known_hosts first, as OpenSSH orders them. */
export function hostKeyAlgorithmOrder(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const first = knownTypes.flatMap((t) => HOST_KEY_ALGOS[t] ?? []);
  return [...new Set([...first, ...DEFAULT_HOST_KEY_ORDER])];
}
