/**
 * One SSH connection per host, reused by every operation of a run. Connecting is shared
 * (concurrent callers of `get(host)` wait on the same attempt) and bounded across hosts;
 * a dropped connection is forgotten so the next `get` reconnects; `closeAll` closes
 * everything cleanly. Hosts behind the same ProxyJump chain share one connection to the
 * jump host (like OpenSSH's ControlMaster), each still verified and authenticated itself.
 */
import { setMaxListeners } from 'node:events';
import { HostError } from '../errors.js';
import type { ExecChannel, ExecOptions, ExecResult } from '../remote/types.js';
import { IdentityCache, type PassphraseProvider } from './auth.js';
import { connect, connectChain, DEFAULT_MAX_CHANNELS, type ConnectOptions } from './connect.js';
import { ConnectWindow } from './connectWindow.js';
import type { Connection } from './connection.js';
import { Limiter } from './limiter.js';
import { SshConfig, type ResolvedHost, type StrictHostKeyChecking } from './sshConfig.js';
import { defaultConfigFiles } from './sshTokens.js';

export const DEFAULT_CONNECT_CONCURRENCY = 16;

export interface SshPoolOptions {
  /** OpenSSH client config files, first value wins (default: ~/.ssh/config, /etc/ssh/ssh_config). */
  configFiles?: string[];
  /** An already loaded config (instead of configFiles). */
  config?: SshConfig;
  /**
   * Hosts connecting at once at most (default 16). The pool starts with fewer and ramps
   * up, and backs off when servers refuse handshakes (see ConnectWindow).
   */
  concurrency?: number;
  /** Handshakes at once to begin with (default 8). */
  initialConnects?: number;
  /** Shorthand for strictHostKeyChecking 'accept-new' (when true). */
  acceptNew?: boolean;
  /** Overrides StrictHostKeyChecking from the config for every host. */
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Connect timeout for hosts whose config sets no ConnectTimeout (default 15 s). */
  connectTimeoutMs?: number;
  /** Concurrent channels per connection; more wait (default 8). */
  maxChannelsPerConnection?: number;
  /** ssh-agent socket: undefined = IdentityAgent / SSH_AUTH_SOCK; null = no agent. */
  agentSocket?: string | null;
  /** Asked (once per file per pool) for passphrases of encrypted keys the agent lacks. */
  passphrase?: PassphraseProvider;
  /** Debug lines, each prefixed with the host (never secrets). */
  logger?: (line: string) => void;
  /** Match blocks in the ssh config: warn (default) or error. */
  matchBlocks?: 'warn' | 'error';
}

export class SshPool {
  readonly config: SshConfig;
  private readonly connecting: Limiter;
  /** The adaptive number of handshakes at once (drives `connecting`). */
  readonly window: ConnectWindow;
  private readonly identities = new IdentityCache();
  private readonly entries = new Map<string, Promise<Connection>>();
  private readonly live = new Set<Connection>();
  /** Shared connections to jump hosts, keyed by their chain. */
  private readonly jumps = new Map<string, Promise<Connection>>();
  private abort = sharedAbort();

  constructor(private readonly options: SshPoolOptions = {}) {
    this.config = options.config ?? SshConfig.fromFiles(options.configFiles ?? defaultConfigFiles());
    const max = Math.max(1, options.concurrency ?? DEFAULT_CONNECT_CONCURRENCY);
    this.window = new ConnectWindow({
      max,
      ...(options.initialConnects !== undefined ? { initial: options.initialConnects } : {}),
      onChange: (n) => {
        this.connecting.setLimit(n);
        options.logger?.(`pool: ${n} handshake(s) at once`);
      },
    });
    this.connecting = new Limiter(this.window.size);
  }

  /** Hosts with a connection (or an attempt) in the pool. */
  get hosts(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * The host's connection, connecting on first use. The caller's signal only stops its
   * own wait; the shared attempt goes on for other callers.
   */
  get(host: string, signal?: AbortSignal): Promise<Connection> {
    let entry = this.entries.get(host);
    if (!entry) {
      entry = this.remember(this.entries, host, this.open(host));
    }
    if (!signal) return entry;
    if (signal.aborted) return Promise.reject(new HostError(host, 'cancelled', 'connection cancelled'));
    // One operation's signal is waited on by every host it works on at once: not a leak.
    setMaxListeners(0, signal);
    const shared = entry;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new HostError(host, 'cancelled', 'connection cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(
        (c) => {
          signal.removeEventListener('abort', onAbort);
          resolve(c);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  private connectOptions(signal: AbortSignal): ConnectOptions {
    const o = this.options;
    const strict = o.strictHostKeyChecking ?? (o.acceptNew ? 'accept-new' : undefined);
    return {
      config: this.config,
      identities: this.identities,
      signal,
      maxChannels: o.maxChannelsPerConnection ?? DEFAULT_MAX_CHANNELS,
      jumpVia: (jumps) => this.jumpConnection(jumps),
      throttle: this.window,
      ...(strict ? { strictHostKeyChecking: strict } : {}),
      ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      ...(o.agentSocket !== undefined ? { agentSocket: o.agentSocket } : {}),
      ...(o.passphrase ? { passphrase: o.passphrase } : {}),
      ...(o.logger ? { log: o.logger } : {}),
      ...(o.matchBlocks ? { matchBlocks: o.matchBlocks } : {}),
    };
  }

  private open(host: string): Promise<Connection> {
    const signal = this.abort.signal;
    return this.connecting.run(
      () => connect(host, this.connectOptions(signal)),
      signal,
      () => new HostError(host, 'cancelled', 'connection cancelled'),
    );
  }

  /**
   * Caches a connection attempt under key: a failed attempt or a closed connection is
   * forgotten (so the next use reconnects), and open connections are tracked for closeAll.
   */
  private remember(cache: Map<string, Promise<Connection>>, key: string, attempt: Promise<Connection>): Promise<Connection> {
    cache.set(key, attempt);
    const forget = () => {
      if (cache.get(key) === attempt) cache.delete(key);
    };
    attempt.then((conn) => {
      this.live.add(conn);
      conn.onClose(() => {
        this.live.delete(conn);
        forget();
      });
    }, forget);
    return attempt;
  }

  /** One shared connection per jump chain (it runs inside the connect slot of the host that needs it). */
  private jumpConnection(jumps: ResolvedHost[]): Promise<Connection> {
    const key = jumps.map((h) => `${h.alias}=${h.user}@${h.hostName}:${h.port}`).join(' > ');
    let entry = this.jumps.get(key);
    if (!entry) {
      const last = jumps[jumps.length - 1] as ResolvedHost;
      entry = this.remember(this.jumps, key, connectChain(last.alias, jumps, this.connectOptions(this.abort.signal)));
    }
    return entry;
  }

  /** Runs fn with the host's connection. */
  async withHost<T>(host: string, fn: (conn: Connection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return fn(await this.get(host, signal));
  }

  /**
   * An ExecChannel for the host that connects on first use and reconnects after a drop
   * (a command that was running when the connection dropped still fails).
   */
  channel(host: string): ExecChannel {
    return {
      host,
      exec: async (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
        const conn = await this.get(host, options.signal);
        return conn.exec(command, options);
      },
    };
  }

  /**
   * A NEW connection to the host, outside the pool: its own TCP connection, key exchange
   * and authentication, every jump hop dialled anew (nothing shared or multiplexed). It
   * proves the host can still be reached as `ssh host` would (confirm-or-revert's probe).
   * The caller closes it.
   */
  connectFresh(host: string, signal?: AbortSignal): Promise<Connection> {
    const { jumpVia: _shared, ...options } = this.connectOptions(signal ?? this.abort.signal);
    return connect(host, options);
  }

  /** Closes and forgets the host's connection (the next get reconnects). */
  drop(host: string): void {
    const entry = this.entries.get(host);
    if (!entry) return;
    this.entries.delete(host);
    entry.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  /** Cancels connects in progress and closes every connection. The pool can be used again afterwards. */
  async closeAll(): Promise<void> {
    this.abort.abort();
    const entries = [...this.entries.values()];
    const jumps = [...this.jumps.values()];
    this.entries.clear();
    this.jumps.clear();
    const hosts = new Set<Connection>();
    for (const s of await Promise.allSettled(entries)) if (s.status === 'fulfilled') hosts.add(s.value);
    const jumpConns = new Set<Connection>();
    for (const s of await Promise.allSettled(jumps)) if (s.status === 'fulfilled') jumpConns.add(s.value);
    for (const c of this.live) if (!jumpConns.has(c)) hosts.add(c);
    // Hosts first, then the jump hosts they went through.
    await Promise.all([...hosts].map((c) => c.close()));
    await Promise.all([...jumpConns].map((c) => c.close()));
    this.live.clear();
    this.abort = sharedAbort();
  }
}

/** The pool's own abort signal: every connect in progress listens to it (not a leak). */
function sharedAbort(): AbortController {
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  return ac;
}
