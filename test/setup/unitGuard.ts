/**
 * Setup file of the `unit` vitest project: a unit test starts no process and opens no
 * socket. Every way Node starts a child process (child_process's functions and
 * ChildProcess#spawn underneath them) and every way it opens a network or Unix socket
 * (net.Socket#connect, net.Server#listen, dgram) throws here, and the run fails even if
 * the code under test caught the error.
 *
 * Nor does it send a signal: unit test files share the test runner's process (worker
 * threads), so `process.kill(process.pid, …)` — what signal-exit does when it believes it
 * is the last SIGTERM listener — would end the whole run (it did: CI exit 143, no summary).
 * process.kill with a real signal throws here; signal 0 (is it alive?) is allowed.
 *
 * A test that needs sshd, git, ssh-keygen, the built binary or any other process belongs
 * in the `integration` project (`*.int.test.ts`), one that drives tmux in `e2e`
 * (`*.e2e.test.ts`). See README.md, "Development".
 */
import type * as ChildProcessModule from 'node:child_process';
import type * as DgramModule from 'node:dgram';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as NetModule from 'node:net';

const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as Record<string, unknown> & typeof ChildProcessModule;
const net = require('node:net') as typeof NetModule;
const dgram = require('node:dgram') as typeof DgramModule;

const RULE =
  'unit tests start no processes and open no sockets: name the test file *.int.test.ts (real sshd, git, ' +
  'another program or the built binary) or *.e2e.test.ts (tmux); see README.md, "Development"';

function refuse(what: string): never {
  const error = new Error(`${what}: ${RULE}`);
  // Thrown here, and raised once more as an uncaught error, which vitest reports against
  // the test file and which fails the run: code that catches the first (say, a probe that
  // decides to skip its tests) cannot hide it.
  setImmediate(() => {
    throw error;
  });
  throw error;
}

function describeCommand(args: unknown[]): string {
  const [file, rest] = args;
  const argv = Array.isArray(rest) ? rest.map(String) : [];
  return [String(file), ...argv].join(' ').slice(0, 200);
}

for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  childProcess[name] = ((...args: unknown[]) => refuse(`child_process.${name}(${describeCommand(args)})`)) as never;
}
// Underneath spawn/exec/execFile/fork, for code that kept a reference to the originals.
(childProcess.ChildProcess.prototype as unknown as { spawn: (options: { file?: string; args?: string[] }) => never }).spawn = (options) =>
  refuse(`ChildProcess#spawn(${[options?.file, ...(options?.args?.slice(1) ?? [])].join(' ')})`);
net.Socket.prototype.connect = function (this: unknown, ...args: unknown[]) {
  return refuse(`net.Socket#connect(${JSON.stringify(args[0])})`);
} as never;
net.Server.prototype.listen = function (this: unknown, ...args: unknown[]) {
  return refuse(`net.Server#listen(${JSON.stringify(args[0])})`);
} as never;
dgram.Socket.prototype.bind = function () {
  return refuse('dgram.Socket#bind');
} as never;
dgram.Socket.prototype.send = function () {
  return refuse('dgram.Socket#send');
} as never;
const realKill = process.kill.bind(process);
process.kill = ((pid: number, signal?: string | number) => {
  if (signal === 0) return realKill(pid, 0);
  // A plain throw (not refuse's second, uncaught one): the caller is often an event emitter
  // (signal-exit inside process.emit), and the error reaches the test that emitted.
  throw new Error(`process.kill(${pid}, ${String(signal ?? 'SIGTERM')})${pid === process.pid ? ' (the test runner itself)' : ''}: unit tests send no signals: they run inside the test runner's process`);
}) as typeof process.kill;

// `import { spawn } from 'node:child_process'` sees the guarded functions too.
syncBuiltinESMExports();
