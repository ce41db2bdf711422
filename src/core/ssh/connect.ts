/**
 * Opens an SSH connection to a host exactly as `ssh <host>` would: resolved through the
 * ssh config (every ProxyJump hop too), host keys verified against known_hosts, keys from
 * the agent then identity files. Failures become one-line HostErrors that read like
 * OpenSSH and name the host.
 */
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, Client as ClientType, ConnectConfig, NegotiatedAlgorithms, VerifyCallback } from 'ssh2';
import { HostError } from '../errors.js';
import { IdentityCache, planAuth, type PassphraseProvider } from './auth.js';
import { Connection } from './connection.js';
import { HostKeyError, knownHostName, knownKeyTypes, verifyHostKey } from './knownHosts.js';
import { trace, traceId } from './trace.js';
import { hostKeyAlgorithmOrder, KEX_ORDER } from './algorithms.js';
import { cancelled, HandshakeRefused, hopLabel, mapConnectError, refusedBackoffMs } from './connectErrors.js';
import { dialTcp, forward } from './dial.js';
import type { ResolvedHost, SshConfig, StrictHostKeyChecking } from './sshConfig.js';

const { Client } = ssh2;

/** Used when neither the options nor the ssh config set ConnectTimeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Concurrent channels per connection (sshd's MaxSessions defaults to 10). */
export const DEFAULT_MAX_CHANNELS = 8;

export interface ConnectOptions {
  /** The loaded ssh config; resolves the host and every jump hop. */
  config: SshConfig;
  /** Overrides StrictHostKeyChecking of the config (e.g. `accept-new` from the command line). */
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Connect timeout when the config sets no ConnectTimeout (default 15 s). */
  connectTimeoutMs?: number;
  /** ssh-agent socket: undefined = IdentityAgent / SSH_AUTH_SOCK; null = do not use an agent. */
  agentSocket?: string | null;
  /** Asked for the passphrase of an encrypted identity file the agent does not hold. */
  passphrase?: PassphraseProvider;
  /** Shares decrypted identities between connections (a pool passes one). */
  identities?: IdentityCache;
  /** Concurrent exec/sftp channels on the connection; more wait in a queue (default 8). */
  maxChannels?: number;
  /** Debug lines (never secrets). */
  log?: (line: string) => void;
  /** Include ssh2's protocol-level debug output in the log. */
  protocolDebug?: boolean;
  /** Match blocks in the config: warn (default) or error. */
  matchBlocks?: 'warn' | 'error';
  /**
   * Supplies an open connection to the last jump hop of a chain (the pool shares one per
   * jump chain); without it each connection dials its own jump hops.
   */
  jumpVia?: (jumps: ResolvedHost[]) => Promise<Connection>;
  /** Told of every completed handshake and every handshake refused before the banner (a pool adapts its connect window). */
  throttle?: { opened(): void; refused(): void };
  /** Attempts per hop when the server closes the connection before the SSH banner (default 7). */
  handshakeAttempts?: number;
  signal?: AbortSignal;
}

type SshError = Error & { code?: string | number; level?: string; reason?: number };

// Kept importable from here (tests and the pool use these names).
export { hostKeyAlgorithmOrder, KEX_ORDER } from './algorithms.js';
export { HandshakeRefused, mapConnectError, refusedBackoffMs } from './connectErrors.js';

interface HopContext {
  target: string;
  options: ConnectOptions;
  identities: IdentityCache;
  log: (line: string) => void;
}

async function connectHop(hop: ResolvedHost, sock: Duplex | undefined, ctx: HopContext): Promise<ClientType> {
  const { target, options, log } = ctx;
  const pre = hop.alias === target ? '' : `[${hop.alias}] `;
  const hlog = (line: string) => log(`${pre}${line}`);
  for (const w of hop.warnings) hlog(`warning: ${w}`);

  const strict = options.strictHostKeyChecking ?? hop.strictHostKeyChecking;
  const timeoutMs = hop.connectTimeoutMs ?? options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const khName = hop.hostKeyAlias ?? knownHostName(hop.hostName, hop.port);
  const khFiles = [...hop.userKnownHostsFiles, ...hop.globalKnownHostsFiles];
  const started = Date.now();
  // A first hop is dialled before anything else: a host that refuses (or cannot be
  // reached) costs one failed TCP connect — no identity files, no known_hosts, no
  // passphrase prompt, no SSH client.
  if (!sock) hlog(`connecting to ${hop.hostName} port ${hop.port} as ${hop.user}`);
  const dialled = sock ? undefined : await dialTcp(hop, target, timeoutMs, options.signal);
  const dialMs = Date.now() - started;
  const socket: Duplex = sock ?? (dialled as net.Socket);
  // Until the client takes the socket over, its errors are ours to catch, and a server
  // that closes it meanwhile turned the connection away before its banner (retried).
  let closedEarly = false;
  const onEarlyClose = () => (closedEarly = true);
  const ignore = () => undefined;
  socket.on('error', ignore);
  socket.once('close', onEarlyClose);
  let plan: Awaited<ReturnType<typeof planAuth>>;
  let knownTypes: string[];
  try {
    [plan, knownTypes] = await Promise.all([
      planAuth(hop, { agentSocket: options.agentSocket, passphrase: options.passphrase, identities: ctx.identities, log: hlog }),
      knownKeyTypes(khName, khFiles),
    ]);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  socket.removeListener('close', onEarlyClose);
  if (options.signal?.aborted) {
    socket.destroy();
    throw cancelled(target);
  }
  if (closedEarly || socket.destroyed) {
    throw new HandshakeRefused(target, 'unreachable', `${hopLabel(hop, target)}ssh: kex_exchange_identification: Connection closed by ${hop.hostName} port ${hop.port}`);
  }
  // ConnectTimeout bounds the TCP connect and the handshake together, as before (the time
  // an admin takes to type a passphrase does not count).
  const readyTimeout = Math.max(1, timeoutMs - dialMs);

  return new Promise<ClientType>((resolve, reject) => {
    const client = new Client();
    const conn = traceId();
    if (conn) {
      trace({ kind: 'connect', conn, host: target, port: hop.port });
      client.once('handshake', () => trace({ kind: 'handshake', conn }));
      client.once('ready', () => trace({ kind: 'ready', conn }));
      client.once('close', () => trace({ kind: 'close', conn }));
    }
    let settled = false;
    let hostKeyError: HostKeyError | undefined;
    let methodsLeft: string[] | null = null;
    let handshook = false;
    // The TCP connect (or the jump channel) succeeded: only then can sshd turn us away before
    // its banner. A refused or failed TCP connect is final at once: no retry, no backoff
    // (dialTcp's rejection; the client is handed the socket already connected).
    let tcpConnected = false;
    // ssh2 records the server's version line here; none means sshd never sent its banner.
    const sawBanner = () => handshook || (client as unknown as { _remoteVer?: string })._remoteVer !== undefined;
    const refused = () =>
      new HandshakeRefused(target, 'unreachable', `${hopLabel(hop, target)}ssh: kex_exchange_identification: Connection closed by ${hop.hostName} port ${hop.port}`);
    const queue: AnyAuthMethod[] = plan.methods.length ? [...plan.methods] : [{ type: 'none', username: hop.user }];
    const describe = [...plan.describe];

    const cleanup = () => {
      options.signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
    };
    const fail = (err: HostError) => {
      if (settled) return;
      settled = true;
      cleanup();
      // Keep a listener so late errors of the dying client are not unhandled.
      client.on('error', () => undefined);
      client.end();
      socket.destroy();
      reject(err);
    };
    const onReady = () => {
      if (settled) return;
      settled = true;
      cleanup();
      hlog(`authenticated to ${hop.hostName} port ${hop.port} as ${hop.user}`);
      resolve(client);
    };
    const onClose = () =>
      fail(
        !tcpConnected
          ? new HostError(target, 'unreachable', `${hopLabel(hop, target)}ssh: connect to host ${hop.hostName} port ${hop.port}: Connection failed`)
          : sawBanner()
            ? new HostError(target, 'unreachable', `${hopLabel(hop, target)}Connection closed by ${hop.hostName} port ${hop.port}`)
            : refused(),
      );
    const onAbort = () => fail(cancelled(target));

    client.on('connect', () => (tcpConnected = true));
    client.on('ready', onReady);
    client.on('close', onClose);
    client.on('error', (err: SshError) => {
      if (err.level === 'agent') {
        hlog(`ssh-agent: ${err.message}`);
        return;
      }
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      // Closed or reset before the SSH banner came: sshd turned the connection away.
      if (tcpConnected && !sawBanner() && (err.message === 'Connection lost before handshake' || err.code === 'ECONNRESET' || err.code === 'EPIPE')) return fail(refused());
      fail(mapConnectError(err, hop, target, { timeoutMs, methods: methodsLeft, hints: plan.hints }));
    });
    client.on('handshake', (negotiated: NegotiatedAlgorithms) => {
      handshook = true;
      hlog(`key exchange ${negotiated.kex}, host key ${negotiated.serverHostKey}, cipher ${negotiated.cs.cipher}`);
    });
    client.on('banner', (msg: string) => hlog(`banner: ${msg.trim().split('\n')[0] ?? ''}`));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const hostVerifier = (key: Buffer, verify: VerifyCallback) => {
      verifyHostKey(
        {
          host: target,
          name: khName,
          userKnownHostsFiles: hop.userKnownHostsFiles,
          globalKnownHostsFiles: hop.globalKnownHostsFiles,
          strict,
          hashKnownHosts: hop.hashKnownHosts,
          log: hlog,
        },
        key,
      ).then(
        (verdict) => {
          if (verdict.ok) return verify(true);
          const e = verdict.error;
          hostKeyError = hop.alias === target ? e : new HostKeyError(target, e.keyKind, `jump host ${hop.alias}: ${e.message}`, e.longMessage, e.fingerprint, e.check);
          verify(false);
        },
        (err: unknown) => {
          hostKeyError = new HostKeyError(target, 'host-key-unknown', `${hopLabel(hop, target)}Host key verification failed: ${(err as Error).message}`, String(err), '', { status: 'unknown', otherTypes: [], notes: [] });
          verify(false);
        },
      );
    };

    const config: ConnectConfig = {
      host: hop.hostName,
      port: hop.port,
      username: hop.user,
      readyTimeout,
      keepaliveInterval: hop.serverAliveIntervalMs,
      keepaliveCountMax: hop.serverAliveCountMax,
      hostVerifier,
      algorithms: { serverHostKey: hostKeyAlgorithmOrder(knownTypes), kex: KEX_ORDER },
      authHandler: (left: AuthenticationType[] | null, _partial: boolean | null, _next: unknown) => {
        if (left) methodsLeft = left;
        const m = queue.shift();
        const d = describe.shift();
        if (m && d) hlog(`offering ${d}`);
        return m ?? false;
      },
      sock: socket,
      ...(options.protocolDebug ? { debug: (s: string) => hlog(`ssh2: ${s}`) } : {}),
    };
    if (socket !== dialled) hlog(`connecting to ${hop.hostName} port ${hop.port} as ${hop.user} (through the jump chain)`);
    try {
      client.connect(config);
      // No Nagle: SSH sends small packets back to back (NEWKEYS then a service request, a
      // channel request then its data); with Nagle each waits for the peer's delayed ACK,
      // ~40 ms per round trip on Linux (authentication took 3× as long). OpenSSH's client
      // sets TCP_NODELAY as well.
      client.setNoDelay(true);
    } catch (err) {
      fail(mapConnectError(err as SshError, hop, target));
    }
  });
}

/** Waits ms, or rejects with 'cancelled' when the signal aborts first. */
function pause(ms: number, target: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(target));
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled(target));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * connectHop, again after a backoff when the server turns the connection away before
 * the SSH banner (MaxStartups): each attempt dials afresh (a new TCP connection, or a
 * new channel through the previous hop). Other failures are final at once.
 */
async function connectHopRetrying(hop: ResolvedHost, dial: () => Promise<Duplex | undefined>, ctx: HopContext): Promise<ClientType> {
  const { options, target } = ctx;
  const attempts = Math.max(1, options.handshakeAttempts ?? 7);
  const pre = hop.alias === target ? '' : `[${hop.alias}] `;
  for (let attempt = 1; ; attempt++) {
    const sock = await dial();
    try {
      const client = await connectHop(hop, sock, ctx);
      options.throttle?.opened();
      return client;
    } catch (err) {
      if (!(err instanceof HandshakeRefused)) throw err;
      options.throttle?.refused();
      if (attempt >= attempts) {
        throw new HostError(target, 'unreachable', `${err.message} (refused before the SSH banner ${attempt} times: the server's MaxStartups, or sshd is not accepting)`, { cause: err });
      }
      const wait = refusedBackoffMs(attempt);
      ctx.log(`${pre}connection closed by ${hop.hostName} port ${hop.port} before the SSH banner (MaxStartups?): attempt ${attempt + 1} of ${attempts} in ${wait} ms`);
      await pause(wait, target, options.signal);
    }
  }
}

/**
 * Connects to a host alias: resolves it (and its ProxyJump chain) through the config,
 * dials each hop through the previous one, verifies every host key. Rejects with a
 * HostError (or a ConfigError for a bad config).
 */
export async function connect(host: string, options: ConnectOptions): Promise<Connection> {
  const chain = options.config.resolveChain(host, options.matchBlocks ? { matchBlocks: options.matchBlocks } : {});
  return connectChain(host, chain, options);
}

/** A jump-chain error restated for the target host (kind and OpenSSH text kept). */
function viaJumpError(host: string, jump: string, err: unknown): unknown {
  if (!(err instanceof HostError) || err.host === host) return err;
  const message = `jump host ${jump}: ${err.message}`;
  if (err instanceof HostKeyError) return new HostKeyError(host, err.keyKind, message, err.longMessage, err.fingerprint, err.check);
  return new HostError(host, err.kind, message, { cause: err });
}

/** Connects along an already resolved chain (jump hops first, the host last). */
export async function connectChain(host: string, chain: ResolvedHost[], options: ConnectOptions): Promise<Connection> {
  const log = options.log ?? (() => undefined);
  const identities = options.identities ?? new IdentityCache();
  const ctx: HopContext = { target: host, options, identities, log: (l) => log(`${host}: ${l}`) };
  const maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
  const target = chain[chain.length - 1];
  if (!target) throw new Error('empty hop chain');

  if (chain.length > 1 && options.jumpVia) {
    const jumps = chain.slice(0, -1);
    const last = jumps[jumps.length - 1] as ResolvedHost;
    let via: Connection;
    try {
      via = await options.jumpVia(jumps);
    } catch (err) {
      throw viaJumpError(host, last.alias, err);
    }
    if (options.signal?.aborted) throw cancelled(host);
    ctx.log(`through the shared connection to ${last.alias}`);
    const timeoutMs = target.connectTimeoutMs ?? options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = await connectHopRetrying(target, () => forward(via.sshClient, last, target, host, timeoutMs, options.signal), ctx);
    return new Connection(host, chain, [client], { maxChannels, log: ctx.log });
  }

  const clients: ClientType[] = [];
  try {
    for (let i = 0; i < chain.length; i++) {
      const hop = chain[i] as ResolvedHost;
      if (options.signal?.aborted) throw cancelled(host);
      const prev = i > 0 ? { hop: chain[i - 1] as ResolvedHost, client: clients[i - 1] as ClientType } : undefined;
      const timeoutMs = hop.connectTimeoutMs ?? options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
      const dial = prev ? () => forward(prev.client, prev.hop, hop, host, timeoutMs, options.signal) : async () => undefined;
      clients.push(await connectHopRetrying(hop, dial, ctx));
    }
  } catch (err) {
    for (const c of clients.reverse()) {
      c.on('error', () => undefined);
      c.end();
    }
    throw err;
  }
  return new Connection(host, chain, clients, { maxChannels, log: ctx.log });
}
