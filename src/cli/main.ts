#!/usr/bin/env node
/** The `konf` executable. Keep this file tiny: commands load what they need when they run. */
import { runCli } from './program.js';
import { outputClosed, writeErr, writeOut } from './interrupts.js';
import { askOnTerminal } from './confirm.js';

// `konf show web1 | head` closes the pipe early: that is not an error. While an operation
// works on hosts, it stops at a safe point instead (see interrupts.ts).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (!outputClosed('stdout')) process.exit(process.exitCode ?? 0);
});
process.stderr.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  outputClosed('stderr');
});

const code = await runCli(process.argv.slice(2), {
  stdout: writeOut,
  stderr: writeErr,
  env: process.env,
  cwd: process.cwd(),
  terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  stdoutTerminal: process.stdout,
  stderrTerminal: process.stderr,
  ...(process.stdin.isTTY && process.stderr.isTTY ? { ask: askOnTerminal } : {}),
});
process.exitCode = code;
