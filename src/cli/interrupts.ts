/**
 * How a CLI command that works on hosts is interrupted. SIGINT (Ctrl-C), SIGTERM, SIGHUP
 * (the terminal closed) and a closed output (EPIPE on stdout or stderr: `konf deploy … |
 * head -3`) all do the same: the operation's AbortSignal fires, every host in flight
 * stops at a safe point — before its first write, or restored from its journal after it
 * (never half written) — locks are released, the audit log records each host, and the
 * command exits with the signal's code (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 closed
 * output), never 0. Output to a closed stream stops (it is not retried).
 *
 * A second SIGINT or SIGTERM stops waiting and exits at once: hosts still in the middle
 * of a write keep their journal, and the next konf deploy or rollback on them puts them
 * back first (this jump host's lock is stale then, and is taken over).
 */

import { EXIT_CODES, SIGNAL_EXIT_CODES } from '../core/exitCodes.js';

export interface OutputState {
  stdoutClosed: boolean;
  stderrClosed: boolean;
}

/** Set once a stream's reader is gone; writers check it (see write()). */
export const outputs: OutputState = { stdoutClosed: false, stderrClosed: false };

type ClosedListener = (stream: 'stdout' | 'stderr') => void;
const closedListeners = new Set<ClosedListener>();

/**
 * Called by the entry point when a write to stdout/stderr failed with EPIPE. True when a
 * running operation takes care of it (it stops at a safe point); false when nothing runs
 * and the process may simply end.
 */
export function outputClosed(stream: 'stdout' | 'stderr'): boolean {
  if (stream === 'stdout') outputs.stdoutClosed = true;
  else outputs.stderrClosed = true;
  for (const listener of closedListeners) listener(stream);
  return closedListeners.size > 0;
}

/**
 * Declares that something running now handles a closed output itself (the console: it
 * stops its operations at a safe point when its terminal goes away), so the entry point
 * does not simply exit. Returns the function that takes it back.
 */
export function handleClosedOutput(listener: ClosedListener = () => undefined): () => void {
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

/** Writes to stdout unless its reader is gone. */
export function writeOut(text: string): void {
  if (outputs.stdoutClosed) return;
  try {
    process.stdout.write(text);
  } catch {
    outputs.stdoutClosed = true;
  }
}

/** Writes to stderr unless its reader is gone. */
export function writeErr(text: string): void {
  if (outputs.stderrClosed) return;
  try {
    process.stderr.write(text);
  } catch {
    outputs.stderrClosed = true;
  }
}

const SIGNAL_CODES = SIGNAL_EXIT_CODES;
export const CLOSED_OUTPUT_CODE = EXIT_CODES.closedOutput;

export interface Interrupts {
  /** Fires (reason: 'SIGINT', 'SIGTERM', 'SIGHUP' or 'closed output') on the first interruption. */
  signal: AbortSignal;
  /** The exit code the interruption asks for, or undefined when none came. */
  code(): number | undefined;
  dispose(): void;
}

export interface InterruptOptions {
  /** What a second Ctrl-C leaves behind, said on stderr (default: the journal note). */
  what?: string;
  /** Exits the process (tests replace it). */
  exit?: (code: number) => void;
}

export function interruptible(options: InterruptOptions = {}): Interrupts {
  const ac = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let code: number | undefined;
  let signals = 0;
  const stop = (reason: string, exitCode: number, note?: string) => {
    if (ac.signal.aborted) return;
    code = exitCode;
    if (note) writeErr(note);
    ac.abort(reason);
  };
  const onSignal = (name: keyof typeof SIGNAL_CODES) => {
    signals++;
    if (name === 'SIGHUP') {
      // The terminal is gone: nothing more can be shown there.
      outputs.stdoutClosed = outputs.stdoutClosed || Boolean(process.stdout.isTTY);
      outputs.stderrClosed = outputs.stderrClosed || Boolean(process.stderr.isTTY);
    }
    if (ac.signal.aborted && name !== 'SIGHUP' && signals > 1) {
      writeErr(`\nkonf: ${name} again: not waiting any longer. ${options.what ?? 'Hosts still in the middle of a write keep their journal: the next konf deploy or rollback on them puts them back first.'}\n`);
      exit(code ?? SIGNAL_CODES[name]);
      return;
    }
    stop(
      name,
      SIGNAL_CODES[name],
      `\nkonf: ${name}: stopping at a safe point — hosts not yet written are left alone, hosts in the middle of a write are put back and verified, locks are released (${name === 'SIGINT' ? 'Ctrl-C' : name} again to stop waiting)\n`,
    );
  };
  const handlers = {
    SIGINT: () => onSignal('SIGINT'),
    SIGTERM: () => onSignal('SIGTERM'),
    SIGHUP: () => onSignal('SIGHUP'),
  };
  for (const [name, handler] of Object.entries(handlers)) process.on(name, handler);
  const onClosed: ClosedListener = (stream) => stop('closed output', CLOSED_OUTPUT_CODE, stream === 'stdout' ? `konf: the output was closed: stopping at a safe point (hosts in the middle of a write are put back and verified)\n` : undefined);
  closedListeners.add(onClosed);
  if (outputs.stdoutClosed || outputs.stderrClosed) onClosed(outputs.stdoutClosed ? 'stdout' : 'stderr');
  return {
    signal: ac.signal,
    code: () => code,
    dispose() {
      for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
      closedListeners.delete(onClosed);
    },
  };
}
