/**
 * The one way konf runs anything on a host: a script sent over stdin (commandFor), its
 * output split at the run's marker into status lines, data and stderr lines; timeouts,
 * cancellation and a shell that never ran the script become HostErrors.
 */
import { HostError } from '../errors.js';
import { LineSplitter, MarkerFilter } from './framing.js';
import { commandFor } from './scripts/index.js';
import { LARGE_FILE_BYTES } from './types.js';
import type { ExecChannel, ExecResult } from './types.js';

/** One script run: the script, its payload on stdin, and what to do with its output. */
export interface ScriptRun {
  marker: string;
  script: string;
  payload?: Buffer[];
  /** raw: stdout after the marker is data (collected, or given to onData); lines: stdout is lines (status or onStdoutLine). */
  stdout: 'raw' | 'lines';
  /** With stdout 'raw': each chunk of data as it comes (not collected); a returned promise pauses the output. */
  onData?: (chunk: Buffer) => Promise<void> | undefined;
  onStatus?: (status: string) => void;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** What the call does, for messages: `reading files`. */
  what: string;
}

export interface ScriptOutput {
  code: number | null;
  signal?: string;
  data: Buffer;
  /** `<marker> …` lines of both streams, marker stripped. */
  status: string[];
  /** stderr lines after the marker that are not status lines. */
  errLines: string[];
}

/** Parts of at least this many bytes go out as they are (a large file is never copied). */
const KEEP_PART_BYTES = 64 * 1024;
/** Small parts are joined into writes of up to this many bytes. */
const JOIN_PART_BYTES = 256 * 1024;

/**
 * The parts of a large stdin as the channel should get them: big parts as they are (never
 * copied), runs of small ones (tar headers, small files, padding) joined into one write
 * each — every write becomes at least one encrypted SSH packet, and 15,000 parts of a
 * 5,000-file archive cost ~2 s of CPU as 15,000 packets.
 */
export function stdinParts(parts: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let run: Buffer[] = [];
  let runBytes = 0;
  const flush = () => {
    if (run.length === 1) out.push(run[0] as Buffer);
    else if (run.length > 1) out.push(Buffer.concat(run, runBytes));
    run = [];
    runBytes = 0;
  };
  for (const part of parts) {
    if (part.length === 0) continue;
    if (part.length >= KEEP_PART_BYTES) {
      flush();
      out.push(part);
      continue;
    }
    if (runBytes + part.length > JOIN_PART_BYTES) flush();
    run.push(part);
    runBytes += part.length;
  }
  flush();
  return out;
}

export async function runRemoteScript(channel: ExecChannel, host: string, become: '' | 'sudo', r: ScriptRun): Promise<ScriptOutput> {
  if (r.signal?.aborted) throw new HostError(host, 'cancelled', `${r.what}: cancelled`);
  const script = Buffer.from(r.script);
  // A large payload (a 200 MB file) goes out in its parts, never joined into a copy.
  const payloadBytes = r.payload?.reduce((n, b) => n + b.length, 0) ?? 0;
  const stdin = !r.payload?.length ? script : payloadBytes > LARGE_FILE_BYTES ? stdinParts([script, ...r.payload]) : Buffer.concat([script, ...r.payload]);
  const command = commandFor(script.length, become);
  const statusPrefix = `${r.marker} `;
  const status: string[] = [];
  const errLines: string[] = [];
  const data: Buffer[] = [];
  const outFilter = new MarkerFilter(r.marker);
  const errFilter = new MarkerFilter(r.marker);
  const statusOr = (other: (line: string) => void) => (line: string) => {
    if (line.startsWith(statusPrefix)) {
      const s = line.slice(statusPrefix.length);
      status.push(s);
      r.onStatus?.(s);
    } else other(line);
  };
  const outLines = new LineSplitter(statusOr((line) => r.onStdoutLine?.(line)));
  const errSplit = new LineSplitter(
    statusOr((line) => {
      errLines.push(line);
      if (errLines.length > 200) errLines.shift();
      r.onStderrLine?.(line);
    }),
  );

  const ac = new AbortController();
  let reason: 'timeout' | 'cancelled' | undefined;
  const stop = (why: 'timeout' | 'cancelled') => {
    if (reason) return;
    reason = why;
    ac.abort();
  };
  const onAbort = () => stop('cancelled');
  r.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = r.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), r.timeoutMs) : undefined;
  const aborted = new Promise<never>((_, reject) => {
    ac.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
  aborted.catch(() => undefined);

  let result: ExecResult;
  try {
    result = await Promise.race([
      channel.exec(command, {
        stdin,
        signal: ac.signal,
        onStdout: (chunk) => {
          const rest = outFilter.push(chunk);
          if (!rest.length) return undefined;
          if (r.stdout === 'raw') {
            if (r.onData) return r.onData(rest);
            data.push(rest);
          } else outLines.push(rest);
          return undefined;
        },
        onStderr: (chunk) => {
          const rest = errFilter.push(chunk);
          if (rest.length) errSplit.push(rest);
        },
      }),
      aborted,
    ]);
  } catch (err) {
    if (reason === 'timeout') throw new HostError(host, 'timeout', `${r.what}: timed out after ${r.timeoutMs} ms`, { cause: err });
    if (reason === 'cancelled') throw new HostError(host, 'cancelled', `${r.what}: cancelled`, { cause: err });
    if (err instanceof HostError) throw err;
    throw new HostError(host, 'unreachable', `${r.what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    if (timer) clearTimeout(timer);
    r.signal?.removeEventListener('abort', onAbort);
  }
  if (r.stdout === 'lines') outLines.end();
  errSplit.end();

  if (!outFilter.seen) {
    const said = `${errFilter.unmarked()}\n${outFilter.unmarked()}`.trim();
    const sudoLine = said.split('\n').find((l) => l.startsWith('sudo:'));
    if (become === 'sudo' && sudoLine) {
      throw new HostError(
        host,
        'sudo-failed',
        `sudo -n failed (${sudoLine.replace(/^sudo:\s*/, '')}): konf_become=sudo needs passwordless sudo (NOPASSWD) for the SSH user; nothing was done`,
      );
    }
    const how = result.code === null ? (result.signal ? `killed by ${result.signal}` : 'the connection closed') : `exit ${result.code}`;
    throw new HostError(host, 'remote-failed', `${r.what}: the remote shell did not run konf's script (${how})${said ? `: ${lastLines(said)}` : ''}`);
  }
  return { code: result.code, ...(result.signal ? { signal: result.signal } : {}), data: Buffer.concat(data), status, errLines };
}

/** A script that found no konf_root on the host said `noroot`. */
export function checkRoot(host: string, root: string, out: ScriptOutput): void {
  if (out.status.includes('noroot')) throw new HostError(host, 'remote-failed', `konf_root ${root} does not exist on the host (or cannot be entered)`);
}

export function tail(lines: string[]): string {
  return lines.filter((l) => l.trim() !== '').slice(-3).join(' | ');
}

function lastLines(text: string): string {
  return tail(text.split('\n'));
}
