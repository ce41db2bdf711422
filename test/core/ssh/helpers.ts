/** Helpers for the SSH tests: config variants of a test fleet, a real ssh-agent. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExecOptions, ExecResult } from '../../../src/core/remote/types.js';
import type { Connection } from '../../../src/core/ssh/connection.js';
import type { TestFleet } from '../../../src/testfleet/testFleet.js';

export const run = promisify(execFile);

/**
 * Writes an ssh_config made of `prefix` followed by the fleet's own config: since the
 * first obtained value wins, the prefix blocks override the fleet's settings.
 */
export async function configWith(fleet: TestFleet, name: string, prefix: string): Promise<string> {
  const base = await readFile(fleet.sshConfig, 'utf8');
  const file = path.join(fleet.dir, name);
  await writeFile(file, `${prefix.trim()}\n\n${base}`);
  return file;
}

/** A `Host *` block that lets any address of the fleet be reached (for user@host:port jumps). */
export function anyHostBlock(fleet: TestFleet): string {
  return [
    'Host *',
    `  User ${fleet.user}`,
    `  IdentityFile ${fleet.clientKey}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${fleet.knownHosts}`,
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
  ].join('\n');
}

/**
 * An ssh_config for some fleet hosts written from scratch (not layered on the fleet's), so
 * that IdentityFile, which accumulates across blocks, holds only what the test says.
 */
export async function standaloneConfig(fleet: TestFleet, name: string, hosts: string[], lines: string[]): Promise<string> {
  const file = path.join(fleet.dir, name);
  const blocks = hosts.map((h) =>
    [
      `Host ${h}`,
      '  HostName 127.0.0.1',
      `  Port ${fleet.host(h).port}`,
      `  User ${fleet.user}`,
      `  UserKnownHostsFile ${fleet.knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      ...lines.map((l) => `  ${l}`),
    ].join('\n'),
  );
  await writeFile(file, `${blocks.join('\n\n')}\n`);
  return file;
}

/** Generates an ed25519 key (optionally encrypted) and returns its path. */
export async function keygen(file: string, passphrase = ''): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', path.basename(file), '-f', file]);
  return file;
}

/** Lets a key log in to every host of the fleet (they share one authorized_keys file). */
export async function authorize(fleet: TestFleet, keyFile: string): Promise<void> {
  await appendFile(path.join(fleet.dir, 'authorized_keys'), await readFile(`${keyFile}.pub`));
}

export interface Agent {
  socket: string;
  add(keyFile: string, passphrase?: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real ssh-agent on a socket in dir; stop() kills it by pid. */
export async function startAgent(dir: string): Promise<Agent> {
  const socket = path.join(dir, `agent.${process.pid}.${Date.now()}.sock`);
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('ssh-agent did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socket,
    async add(keyFile, passphrase) {
      const askpass = path.join(dir, 'askpass.sh');
      await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${passphrase ?? ''}'\n`, { mode: 0o700 });
      await run('ssh-add', [keyFile], {
        env: { ...process.env, SSH_AUTH_SOCK: socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      });
    },
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}

/** Runs fn and returns the error it rejects with (fails if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * Runs `echo started; COMMAND`: `started` resolves once that line has arrived, i.e. the
 * command is running on the host (it rejects if the command ends first).
 */
export function startCommand(conn: Connection, command: string, options: ExecOptions = {}): { started: Promise<void>; result: Promise<ExecResult> } {
  let seen = '';
  let markStarted: () => void = () => undefined;
  const marker = new Promise<void>((resolve) => (markStarted = resolve));
  const result = conn.exec(`echo started; ${command}`, {
    ...options,
    onStdout: (chunk) => {
      seen += chunk.toString();
      if (seen.startsWith('started\n')) markStarted();
      options.onStdout?.(chunk);
    },
  });
  const ended = result.then(
    () => Promise.reject(new Error(`${command} ended before it started`)),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  ended.catch(() => undefined);
  return { started: Promise.race([marker, ended]), result };
}
