import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import type { CommandOutputLine } from '../../../src/core/remote/types.js';
import { RemoteHost } from '../../../src/core/remote/remoteHost.js';
import { opensshChannel } from '../../../src/testfleet/opensshExec.js';
import { remoteFor } from '../../helpers/channel.js';
import { remoteGate } from '../../helpers/wait.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Hook temp files on the host (the same machine) whose script contains tag. */
function hookTemps(tag: string): string[] {
  const dir = process.env.TMPDIR ?? '/tmp';
  return readdirSync(dir).filter((n) => {
    if (!n.startsWith('konf-hook.')) return false;
    try {
      return readFileSync(path.join(dir, n), 'utf8').includes(tag);
    } catch {
      return false;
    }
  });
}

describe('RemoteHost.run over real sshd', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['h1'] });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('streams lines while the script runs: the first line arrives before run() resolves', async () => {
    // The script waits at a gate the test opens only after the first line has arrived.
    const gate = remoteGate(fleet.dir);
    const events: string[] = [];
    const running = remoteFor(fleet, 'h1').run(`#!/bin/sh\necho one\n${gate.wait}\necho two\n`, {
      name: 'stream',
      onLine: (l) => events.push(`line:${l.line}`),
    });
    void running.then(() => events.push('resolved'));
    await waitUntil('the first line', () => events.includes('line:one'));
    expect(events).toEqual(['line:one']);
    await gate.open();
    const r = await running;
    expect(events).toEqual(['line:one', 'line:two', 'resolved']);
    expect(r).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: '' });
  });

  it('returns the exit code, separates stdout and stderr, passes env and stdin, honours any shebang', async () => {
    const lines: CommandOutputLine[] = [];
    const secret = "s3cr'et \"value\" $HOME `x`\nline2";
    const r = await remoteFor(fleet, 'h1').run(
      [
        '#!/usr/bin/env bash',
        'set -u',
        'echo "host=$KONF_HOST"',
        'printf "secret=%s\\n" "$DB_PASSWORD"',
        'echo to-stderr >&2',
        'read -r first; echo "stdin=$first"',
        'printf "no newline at end"',
        'exit 3',
      ].join('\n'),
      { name: '10-test', env: { KONF_HOST: 'h1', DB_PASSWORD: secret }, stdin: 'from stdin\nmore\n', onLine: (l) => lines.push(l) },
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`host=h1\nsecret=${secret}\nstdin=from stdin\nno newline at end\n`);
    expect(r.stderr).toBe('to-stderr\n');
    expect(lines).toContainEqual({ stream: 'stderr', line: 'to-stderr' });
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['host=h1', 'secret=s3cr\'et "value" $HOME `x`', 'line2', 'stdin=from stdin', 'no newline at end']);

    const py = await remoteFor(fleet, 'h1').run('#!/usr/bin/env perl\nprint "perl $ENV{X}\\n";\n', { env: { X: 'ok' } });
    expect(py.stdout).toBe('perl ok\n');
    const plain = await remoteFor(fleet, 'h1').run('echo no shebang; exit 0\n');
    expect(plain).toMatchObject({ code: 0, stdout: 'no shebang\n' });
  });

  it('never puts the environment on a command line', async () => {
    // The script looks at every process's argv on the host while it runs.
    const r = await remoteFor(fleet, 'h1').run('#!/bin/sh\ncat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " " | grep -c TOPSECRET-VALUE || true\n', {
      env: { API_TOKEN: 'TOPSECRET-VALUE' },
    });
    // only the grep itself mentions it
    expect(Number(r.stdout.trim())).toBeLessThanOrEqual(1);
  });

  it('times out: kills the remote process group and rejects with timeout', async () => {
    const marker = path.join(fleet.dir, `pid-${Date.now()}`);
    const tag = `# tag ${Date.now()}`;
    const running = remoteFor(fleet, 'h1').run(`#!/bin/sh\n${tag}\nsleep 30 &\necho $! > ${marker}\nwait\n`, { name: 'slow', timeoutMs: 5000 });
    await expect(running).rejects.toMatchObject({ kind: 'timeout' });
    await expect(running).rejects.toThrow(/slow timed out after 5000 ms/);
    const child = Number(readFileSync(marker, 'utf8'));
    await waitUntil('the remote sleep to be killed', () => !alive(child));
    await waitUntil('the hook temp file to be removed', () => hookTemps(tag).length === 0);
  });

  it('cancels via AbortSignal and kills the remote process group', async () => {
    const marker = path.join(fleet.dir, `pid-abort-${Date.now()}`);
    const ac = new AbortController();
    const lines: string[] = [];
    const running = remoteFor(fleet, 'h1').run(`#!/bin/sh\nsleep 30 &\necho $! > ${marker}\necho started\nwait\n`, {
      name: 'abortable',
      signal: ac.signal,
      onLine: (l) => lines.push(l.line),
    });
    await waitUntil('the script to start', () => lines.includes('started'));
    ac.abort();
    await expect(running).rejects.toMatchObject({ kind: 'cancelled' });
    const child = Number(readFileSync(marker, 'utf8'));
    await waitUntil('the remote sleep to be killed', () => !alive(child));
    await expect(remoteFor(fleet, 'h1').run('true', { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('a dropped connection stops the hook on the host (no pty, so the wrapper watches for it)', async () => {
    const marker = path.join(fleet.dir, `pid-drop-${Date.now()}`);
    const tag = `# drop ${Date.now()}`;
    const channel = opensshChannel(fleet.sshConfig, 'h1');
    const lines: string[] = [];
    const running = new RemoteHost(channel, { host: 'h1', root: fleet.host('h1').root, become: '' }).run(`#!/bin/sh\n${tag}\nsleep 30 &\necho $! > ${marker}\necho started\nwait\n`, {
      onLine: (l) => lines.push(l.line),
    });
    await waitUntil('the script to start', () => lines.includes('started'));
    // Kill the ssh client: no cancel, no kill command from konf; the host must notice alone.
    for (const pid of channel.running) process.kill(pid, 'SIGKILL');
    await expect(running).rejects.toThrow(/did not finish/);
    const child = Number(readFileSync(marker, 'utf8'));
    await waitUntil('the orphaned hook to be stopped', () => !alive(child));
    await waitUntil('the hook temp file to be removed', () => hookTemps(tag).length === 0);
  });

  it('rejects invalid environment names before running anything', async () => {
    await expect(remoteFor(fleet, 'h1').run('true', { env: { 'A;rm': 'x' } })).rejects.toThrow(/invalid environment variable name/);
    expect(existsSync(fleet.dir)).toBe(true);
  });
});

describe('RemoteHost.run on a host with a noisy login shell', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['noisy'], shellNoise: 'NOISE LINE from .bashrc' });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('shows only the script output', async () => {
    const lines: string[] = [];
    const r = await remoteFor(fleet, 'noisy').run('#!/bin/sh\necho real output\n', { onLine: (l) => lines.push(l.line) });
    expect(r.stdout).toBe('real output\n');
    expect(lines).toEqual(['real output']);
  });
});
