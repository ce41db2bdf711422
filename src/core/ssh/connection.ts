/**
 * One authenticated SSH connection to a host (through its jump chain), running commands
 * on exec channels: many at once, at most `maxChannels` open (the rest wait in order),
 * output streamed as it arrives, cancellation and timeouts that close the channel and
 * signal the remote command.
 */
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { HostError } from '../errors.js';
import type { ExecChannel, ExecOptions, ExecResult } from '../remote/types.js';
import { Limiter } from './limiter.js';
import { trace, traceId } from './trace.js';
import type { ResolvedHost } from './sshConfig.js';

export interface ConnectionOptions {
  maxChannels: number;
  log?: (line: string) => void;
}

type CloseListener = (reason: HostError) => void;

/** Best-effort: ask sshd to deliver a signal to the command (works after stdin was closed too). */
function signalChannel(ch: ClientChannel, sig: string): void {
  try {
    if (ch.writable) {
      ch.signal(sig);
      return;
    }
    // ssh2's public signal() refuses once our side sent EOF, but SSH allows the request.
    const internals = ch as unknown as {
      outgoing?: { id?: number; state?: string };
      _client?: { _protocol?: { signal?: (id: number, s: string) => void } };
    };
    const id = internals.outgoing?.id;
    const state = internals.outgoing?.state;
    const proto = internals._client?._protocol;
    if (typeof id === 'number' && (state === 'open' || state === 'eof') && typeof proto?.signal === 'function') proto.signal(id, sig);
  } catch {
    // the channel is going away anyway
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

export class Connection implements ExecChannel {
  private readonly channels: Limiter;
  private closedReason: HostError | undefined;
  private closing = false;
  private readonly listeners = new Set<CloseListener>();
  private readonly closedPromise: Promise<void>;
  private lastError: string | undefined;

  constructor(
    /** The host alias (named in every error). */
    readonly host: string,
    /** Every hop resolved (jump hops first), the host itself last. */
    readonly chain: readonly ResolvedHost[],
    /** The clients this connection owns (its jump hops', unless shared, then its own). */
    private readonly clients: readonly Client[],
    private readonly options: ConnectionOptions,
  ) {
    this.channels = new Limiter(Math.max(1, options.maxChannels));
    const target = clients[clients.length - 1];
    if (!target) throw new Error('Connection needs at least one client');
    for (const c of clients) {
      c.on('error', (err: Error) => {
        this.lastError = err.message;
        options.log?.(`connection error: ${err.message}`);
      });
    }
    this.closedPromise = new Promise((resolve) => {
      target.once('close', () => {
        const r = this.resolved;
        const why = this.lastError ? `: ${this.lastError}` : '';
        this.markClosed(
          this.closing
            ? new HostError(host, 'cancelled', 'connection closed by konf')
            : new HostError(host, 'unreachable', `connection to ${r.hostName} port ${r.port} lost${why}`),
        );
        // A jump chain is useless without its last hop.
        for (const c of clients.slice(0, -1)) c.end();
        resolve();
      });
    });
    // If a jump hop drops, the target's transport stream ends too, closing it.
  }

  /** The ssh2 client of the host's own hop (for forwarding and other low-level uses). */
  get sshClient(): Client {
    return this.client;
  }

  /** The host's resolved configuration. */
  get resolved(): ResolvedHost {
    return this.chain[this.chain.length - 1] as ResolvedHost;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Channels open now / waiting for a slot. */
  get load(): { open: number; queued: number } {
    return { open: this.channels.running, queued: this.channels.queued };
  }

  /** Called once when the connection ends (dropped: kind 'unreachable'; closed by us: 'cancelled'). */
  onClose(listener: CloseListener): () => void {
    if (this.closedReason) {
      listener(this.closedReason);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private markClosed(reason: HostError): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.options.log?.(reason.message);
    for (const l of [...this.listeners]) l(reason);
    this.listeners.clear();
  }

  private closedError(): HostError {
    const r = this.closedReason;
    return new HostError(this.host, r?.kind ?? 'unreachable', r?.message ?? 'connection closed');
  }

  private get client(): Client {
    return this.clients[this.clients.length - 1] as Client;
  }

  /**
   * Runs a command (through the login shell, as `ssh host command`). Resolves with the
   * exit status once the channel closed and all output was delivered; rejects with a
   * HostError: 'cancelled' (signal), 'timeout', 'unreachable' (connection lost) or
   * 'remote-failed' (the server refused a channel). An error thrown by onStdout/onStderr
   * closes the channel and rejects with that error.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { signal, timeoutMs } = options;
    if (this.closedReason) throw this.closedError();
    const started = Date.now();
    const cancelledErr = () => new HostError(this.host, 'cancelled', 'command cancelled');
    const release = await this.channels.acquire(signal, cancelledErr);
    try {
      if (this.closedReason) throw this.closedError();
      const remaining = timeoutMs !== undefined ? Math.max(0, timeoutMs - (Date.now() - started)) : undefined;
      return await this.runExec(command, options, remaining, timeoutMs);
    } finally {
      release();
    }
  }

  private runExec(command: string, options: ExecOptions, remainingMs: number | undefined, timeoutMs: number | undefined): Promise<ExecResult> {
    const { signal, onStdout, onStderr, stdin } = options;
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let settled = false;
      let exit: ExecResult | undefined;
      let timer: NodeJS.Timeout | undefined;

      let offClose: () => void = () => undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        offClose();
      };
      const stop = (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (channel) {
          signalChannel(channel, 'TERM');
          channel.close();
        }
        reject(err);
      };
      const onAbort = () => stop(new HostError(this.host, 'cancelled', 'command cancelled'));
      offClose = this.onClose(() => stop(this.closedError()));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (remainingMs !== undefined) {
        timer = setTimeout(() => stop(new HostError(this.host, 'timeout', `command timed out after ${seconds(timeoutMs ?? remainingMs)}`)), remainingMs);
      }
      if (settled) return;

      const traced = traceId();
      if (traced) trace({ kind: 'exec', exec: traced, host: this.host });
      try {
        this.client.exec(command, (err, ch) => {
          if (traced) {
            trace({ kind: 'exec-open', exec: traced });
            let bytes = 0;
            ch?.on('data', (d: Buffer) => (bytes += d.length));
            ch?.once('close', () => trace({ kind: 'exec-close', exec: traced, bytes }));
          }
          if (settled) {
            ch?.close();
            return;
          }
          if (err) {
            settled = true;
            cleanup();
            if (this.closedReason) return reject(this.closedError());
            reject(new HostError(this.host, 'remote-failed', `could not open a session channel: ${err.message.replace(/^\(SSH\) /, '')}`, { cause: err }));
            return;
          }
          channel = ch;
          // A throwing consumer fails its own command (the channel is closed), nothing else.
          const deliver = (fn: ((chunk: Buffer) => unknown) | undefined, d: Buffer) => {
            if (!fn || settled) return;
            try {
              const wait = fn(d);
              // The consumer is busy (e.g. writing a large file to disk): hold the output
              // until it is ready; the SSH window then stops the sender.
              if (wait instanceof Promise) {
                ch.pause();
                wait.then(
                  () => ch.resume(),
                  (e: unknown) => stop(e),
                );
              }
            } catch (e) {
              stop(e);
            }
          };
          ch.on('data', (d: Buffer) => deliver(onStdout, d));
          ch.stderr.on('data', (d: Buffer) => deliver(onStderr, d));
          ch.on('exit', (code: number | null, sig?: string) => {
            exit = code === null || code === undefined ? { code: null, ...(sig ? { signal: sig } : {}) } : { code };
          });
          ch.on('error', (e: Error) => this.options.log?.(`channel error: ${e.message}`));
          ch.on('close', () => {
            if (settled) return;
            settled = true;
            cleanup();
            resolve(exit ?? { code: null });
          });
          if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
            if (stdin.length > 0) ch.end(stdin);
            else ch.end();
          } else if (stdin !== undefined) {
            // Each part as it is (a large file is not copied); ssh2 sends them as the window allows.
            for (const part of stdin) if (part.length > 0) ch.write(part);
            ch.end();
          } else ch.end();
        });
      } catch (err) {
        stop(this.closedReason ? this.closedError() : new HostError(this.host, 'unreachable', `connection to ${this.resolved.hostName} port ${this.resolved.port} lost: ${(err as Error).message}`, { cause: err }));
      }
    });
  }

  /**
   * An SFTP session on this connection (it holds one channel slot until it closes).
   * Rejects with a HostError when the server refuses it.
   */
  async sftp(signal?: AbortSignal): Promise<SFTPWrapper> {
    if (this.closedReason) throw this.closedError();
    const release = await this.channels.acquire(signal, () => new HostError(this.host, 'cancelled', 'sftp cancelled'));
    return new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        this.client.sftp((err, sftp) => {
          if (err) {
            release();
            reject(this.closedReason ? this.closedError() : new HostError(this.host, 'remote-failed', `sftp: ${err.message.replace(/^\(SSH\) /, '')}`, { cause: err }));
            return;
          }
          sftp.once('close', release);
          resolve(sftp);
        });
      } catch (err) {
        release();
        reject(this.closedReason ? this.closedError() : new HostError(this.host, 'unreachable', (err as Error).message, { cause: err }));
      }
    });
  }

  /** Closes the connection (and its jump hops); commands still running reject with 'cancelled'. */
  async close(): Promise<void> {
    if (!this.closedReason) {
      this.closing = true;
      this.client.end();
      const timer = setTimeout(() => {
        for (const c of this.clients) c.destroy();
      }, 2000);
      await this.closedPromise;
      clearTimeout(timer);
    }
    for (const c of this.clients.slice(0, -1)) c.end();
  }
}
