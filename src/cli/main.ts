#!/usr/bin/env node
/** The `konf` executable. Keep this file tiny: commands load what they need when they run. */
import { runCli } from './program.js';

// `konf show web1 | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
});
process.exitCode = code;
