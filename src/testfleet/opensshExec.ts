/**
 * An ExecChannel over the OpenSSH client: each exec is `ssh -F CONFIG HOST COMMAND`, a new
 * connection. For tests and benchmarks (and as the yardstick the ssh2 pool is compared
 * with); the product uses the pooled ssh2 connections.
 */
import { spawn } from 'node:child_process';
import { HostError } from '../core/errors.js';
import type { ExecChannel, ExecOptions, ExecResult } from '../core/remote/types.js';

export interface OpensshChannel extends ExecChannel {
  /** Pids of the ssh client processes currently running (tests kill them to drop a connection). */
  readonly running: ReadonlySet<number>;
}

export interface OpensshChannelOptions {
  /** Feed stdin at about this many bytes per second (simulates a slow link in tests). */
  stdinBytesPerSecond?: number;
}

export function opensshChannel(sshConfigPath: string, host: string, options: OpensshChannelOptions = {}): OpensshChannel {
  const running = new Set<number>();
  return {
    host,
    running,
    exec(command: string, o: ExecOptions = {}): Promise<ExecResult> {
      return new Promise<ExecResult>((resolve, reject) => {
        if (o.signal?.aborted) {
          reject(new HostError(host, 'cancelled', 'cancelled'));
          return;
        }
        const child = spawn('ssh', ['-F', sshConfigPath, host, command], { stdio: ['pipe', 'pipe', 'pipe'] });
        const pid = child.pid;
        if (pid !== undefined) running.add(pid);
        let errTail = '';
        let settled = false;
        let why: 'timeout' | 'cancelled' | undefined;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const kill = (reason: 'timeout' | 'cancelled') => {
          why = reason;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        };
        const onAbort = () => kill('cancelled');
        o.signal?.addEventListener('abort', onAbort, { once: true });
        const timer = o.timeoutMs !== undefined ? setTimeout(() => kill('timeout'), o.timeoutMs) : undefined;

        child.stdout.on('data', (d: Buffer) => {
          const wait = o.onStdout?.(d);
          if (wait instanceof Promise) {
            child.stdout.pause();
            void wait.finally(() => child.stdout.resume());
          }
        });
        child.stderr.on('data', (d: Buffer) => {
          errTail = (errTail + d.toString('utf8')).slice(-2000);
          o.onStderr?.(d);
        });
        // The remote side may exit before reading all of stdin (an early failure).
        child.stdin.on('error', () => undefined);
        child.once('error', (err) => {
          if (pid !== undefined) running.delete(pid);
          finish(() => reject(new HostError(host, 'unreachable', `cannot run ssh: ${err.message}`, { cause: err })));
        });
        child.once('close', (code, signal) => {
          if (pid !== undefined) running.delete(pid);
          if (why) {
            finish(() => reject(new HostError(host, why as 'timeout' | 'cancelled', why === 'timeout' ? `timed out after ${o.timeoutMs} ms` : 'cancelled')));
            return;
          }
          if (code === 255) {
            const kind = classify(errTail);
            if (kind) {
              finish(() => reject(new HostError(host, kind, lastLine(errTail))));
              return;
            }
          }
          finish(() => resolve(signal ? { code: null, signal } : { code }));
        });
        const input = typeof o.stdin === 'string' ? Buffer.from(o.stdin) : Array.isArray(o.stdin) ? Buffer.concat(o.stdin as readonly Buffer[]) : ((o.stdin as Buffer | undefined) ?? Buffer.alloc(0));
        if (options.stdinBytesPerSecond) feedSlowly(child.stdin, input, options.stdinBytesPerSecond, () => settled);
        else child.stdin.end(input);
      });
    },
  };
}

function feedSlowly(stdin: NodeJS.WritableStream, input: Buffer, rate: number, done: () => boolean): void {
  const chunk = 64 * 1024;
  const delay = Math.max(1, Math.round((chunk / rate) * 1000));
  let at = 0;
  const next = () => {
    if (done()) return;
    if (at >= input.length) {
      stdin.end();
      return;
    }
    stdin.write(input.subarray(at, at + chunk));
    at += chunk;
    setTimeout(next, delay);
  };
  next();
}

function classify(stderr: string): HostError['kind'] | undefined {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr)) return 'host-key-mismatch';
  if (/Host key verification failed/.test(stderr)) return 'host-key-unknown';
  if (/Permission denied \(/.test(stderr)) return 'auth-failed';
  if (/Connection timed out|Operation timed out/.test(stderr)) return 'timeout';
  if (/Connection refused|Could not resolve|No route to host|Connection closed by|Connection reset|kex_exchange_identification/.test(stderr)) return 'unreachable';
  return undefined;
}

function lastLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop() ?? 'ssh failed'
  );
}
