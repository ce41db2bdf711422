/** The SSH transport: connect exactly as `ssh <host>` would, run commands, pool connections. */
export { SshPool, DEFAULT_CONNECT_CONCURRENCY, type SshPoolOptions } from './pool.js';
export { Connection } from './connection.js';
export { connect, connectChain, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_CHANNELS, type ConnectOptions } from './connect.js';
export { IdentityCache, type PassphraseProvider } from './auth.js';
export { SshConfig, type ResolvedHost, type ResolveOverrides, type StrictHostKeyChecking } from './sshConfig.js';
export { defaultConfigFiles, localEnv, type LocalEnv } from './sshTokens.js';
export { parseProxyJump, type JumpSpec } from './proxyJump.js';
export {
  HostKeyError,
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  knownHostName,
  verifyHostKey,
  type HostKeyCheck,
  type HostKeyErrorKind,
  type KnownHostRef,
} from './knownHosts.js';
