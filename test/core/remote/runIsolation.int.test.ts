/**
 * The hook wrapper cannot be steered by switches or by what the host reports (issue 11):
 * - item 5: switches reach the hook's own environment only. A switch named `M` (the
 *   wrapper's framing marker), `PATH`, `IFS` or `LC_ALL` must not change what the wrapper
 *   does: its control lines stay out of the hook output, the hook's pid is still known (a
 *   timeout still stops it), and the uploaded script is removed.
 * - item 7: a process group id reported by the host is used only when it is greater than 1
 *   and belongs to the hook konf started: a reported `1` never becomes `kill -TERM -1`, and
 *   a reported pid of some other process group never gets a signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { RemoteHost } from '../../../src/core/remote/remoteHost.js';
import type { ExecChannel, ExecOptions, ExecResult } from '../../../src/core/remote/types.js';
import { opensshChannel } from '../../../src/testfleet/opensshExec.js';
import { commandFor, HOOK_TAG_VAR, killScript } from '../../../src/core/remote/scripts/index.js';
import { newMarker } from '../../../src/core/remote/framing.js';
import { remoteFor } from '../../helpers/channel.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const HOSTILE_ENV = { M: 'not-the-marker', PATH: '/nonexistent-bin', IFS: '/', LC_ALL: 'xx_XX.bogus', CDPATH: '/', ENV: '/nonexistent' };

describe('switches reach the hook only, never the wrapper (item 5)', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['h1'] });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('the hook sees M, PATH, IFS and LC_ALL as switches; the wrapper keeps its framing and cleans up', async () => {
    const lines: string[] = [];
    const r = await remoteFor(fleet, 'h1').run(
      // The environment exactly as the hook gets it (perl: sh would reset IFS on start).
      ['#!/usr/bin/perl', 'print "$_=$ENV{$_}\\n" for sort grep { /^(M|PATH|IFS|LC_ALL)$/ } keys %ENV;', 'print "self=$0\\n";'].join('\n'),
      { name: '10-env', env: { ...HOSTILE_ENV, PERL_BADLANG: '0' }, onLine: (l) => lines.push(`${l.stream}:${l.line}`) },
    );
    expect(r.code).toBe(0);
    const self = /self=(\S+)/.exec(r.stdout)?.[1] ?? '';
    expect(r.stdout).toBe(`IFS=/\nLC_ALL=xx_XX.bogus\nM=not-the-marker\nPATH=/nonexistent-bin\nself=${self}\n`);
    // Nothing of the wrapper's own (pid reports, ticks, shell errors) shows up as hook output.
    expect(r.stderr).toBe('');
    expect(lines.filter((l) => l.startsWith('stderr:'))).toEqual([]);
    // The uploaded script was removed (rm still found with PATH=/nonexistent-bin as a switch).
    expect(self).toMatch(/konf-hook\./);
    expect(existsSync(self)).toBe(false);
  });

  it('a timeout still finds and stops the hook, with the same switches set', async () => {
    const marker = path.join(fleet.dir, `pid-env-${Date.now()}`);
    const running = remoteFor(fleet, 'h1').run(`#!/bin/sh\n/bin/sleep 30 &\n/bin/echo $! > ${marker}\n/bin/echo "$0" >> ${marker}\nwait\n`, {
      name: 'slow',
      env: HOSTILE_ENV,
      timeoutMs: 3000,
    });
    await expect(running).rejects.toMatchObject({ kind: 'timeout' });
    const [child, self] = readFileSync(marker, 'utf8').trim().split('\n');
    await waitUntil('the hook to be stopped', () => !alive(Number(child)));
    await waitUntil('the uploaded script to be removed', () => !existsSync(self as string));
  });
});

/** An ExecChannel standing for a host that lies about the hook's process group. */
class LyingChannel implements ExecChannel {
  readonly host = 'h1';
  readonly killScripts: string[] = [];
  constructor(
    private readonly inner: ExecChannel,
    private readonly pgid: () => number,
  ) {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin === undefined ? '' : options.stdin.toString();
    if (/kill -(TERM|KILL) -1\b/.test(stdin)) {
      // Never run it: this would signal every process of the user (of root, under sudo).
      this.killScripts.push(stdin);
      return { code: 0 };
    }
    if (/kill -TERM -\d+/.test(stdin) && !stdin.includes('konf-hook')) this.killScripts.push(stdin);
    let partial = '';
    return this.inner.exec(command, {
      ...options,
      onStderr: (chunk) => {
        partial += chunk.toString('latin1');
        const cut = partial.lastIndexOf('\n');
        if (cut < 0) return;
        const complete = partial.slice(0, cut + 1);
        partial = partial.slice(cut + 1);
        const rewritten = complete.replace(/^(KONF[0-9a-f]+) pid (\d+) (\d+)$/m, (_all, m: string, _p: string, w: string) => `${m} pid ${this.pgid()} ${w}`);
        options.onStderr?.(Buffer.from(rewritten, 'latin1'));
      },
    });
  }
}

describe('a reported process group is checked before any signal (item 7)', () => {
  let fleet: TestFleet;
  let bystander: ChildProcess | undefined;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['h1'] });
  });
  afterAll(async () => {
    if (bystander?.pid !== undefined && alive(bystander.pid)) process.kill(bystander.pid, 'SIGKILL');
    await fleet?.stop();
  });

  const slowHook = (marker: string) => `#!/bin/sh\nsleep 30 &\necho $! > ${marker}\nwait\n`;

  it('the kill script signals exactly the processes that carry the hook tag (their group when they lead one)', async () => {
    const tag = `t${Date.now()}`;
    const leader = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { ...process.env, [HOOK_TAG_VAR]: tag } });
    const loner = spawn('sleep', ['60'], { stdio: 'ignore', env: { ...process.env, [HOOK_TAG_VAR]: tag } });
    const other = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { ...process.env, [HOOK_TAG_VAR]: `${tag}x` } });
    try {
      const marker = newMarker();
      const script = killScript(marker, tag);
      const out = await fleet.ssh('h1', commandFor(Buffer.byteLength(script), ''), { input: script });
      expect(out.code).toBe(0);
      expect(out.stdout.toString()).toContain(`${marker} stopped 2\n`);
      await waitUntil('the tagged processes to stop', () => !alive(leader.pid as number) && !alive(loner.pid as number));
      expect(alive(other.pid as number)).toBe(true);
    } finally {
      for (const c of [leader, loner, other]) if (c.pid !== undefined && alive(c.pid)) process.kill(c.pid, 'SIGKILL');
    }
  });

  it('a reported pgid of 1 never becomes kill -1; the hook is still stopped', async () => {
    const channel = new LyingChannel(opensshChannel(fleet.sshConfig, 'h1'), () => 1);
    const marker = path.join(fleet.dir, `pid-one-${Date.now()}`);
    const running = new RemoteHost(channel, { host: 'h1', root: fleet.host('h1').root, become: '' }).run(slowHook(marker), { name: 'slow', timeoutMs: 3000 });
    await expect(running).rejects.toMatchObject({ kind: 'timeout' });
    expect(channel.killScripts.filter((s) => /kill -(TERM|KILL) -1\b/.test(s))).toEqual([]);
    const child = Number(readFileSync(marker, 'utf8'));
    await waitUntil('the hook to be stopped', () => !alive(child));
  });

  it('a reported pgid of another process group gets no signal', async () => {
    bystander = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const victim = bystander.pid as number;
    expect(alive(victim)).toBe(true);
    const channel = new LyingChannel(opensshChannel(fleet.sshConfig, 'h1'), () => victim);
    const marker = path.join(fleet.dir, `pid-other-${Date.now()}`);
    const running = new RemoteHost(channel, { host: 'h1', root: fleet.host('h1').root, become: '' }).run(slowHook(marker), { name: 'slow', timeoutMs: 3000 });
    await expect(running).rejects.toMatchObject({ kind: 'timeout' });
    const child = Number(readFileSync(marker, 'utf8'));
    await waitUntil('the hook to be stopped', () => !alive(child));
    // The kill script (if any) has finished: the bystander got nothing.
    expect(alive(victim)).toBe(true);
  });
});
