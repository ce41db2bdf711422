/**
 * RemoteHost over a local `sh -c` channel with stand-in tools on PATH: the failure
 * messages for hosts that lack what konf needs, without an sshd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RemoteHost } from '../../../src/core/remote/remoteHost.js';
import type { ExecChannel } from '../../../src/core/remote/types.js';

function localChannel(binDir: string): ExecChannel {
  return {
    host: 'local',
    exec: (command, o = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn('sh', ['-c', command], { env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}` } });
        child.stdout.on('data', (d: Buffer) => o.onStdout?.(d));
        child.stderr.on('data', (d: Buffer) => o.onStderr?.(d));
        child.stdin.on('error', () => undefined);
        child.once('error', reject);
        child.once('close', (code, signal) => resolve(signal ? { code: null, signal } : { code }));
        child.stdin.end(o.stdin ?? '');
      }),
  };
}

describe('RemoteHost failure messages (local channel, stand-in tools)', () => {
  let dir: string;
  let bin: string;
  let root: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'konf-local-'));
    bin = path.join(dir, 'bin');
    root = path.join(dir, 'root');
    mkdirSync(bin);
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc/a.conf'), 'a\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const tool = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };

  it('works with the real tools', async () => {
    const r = new RemoteHost(localChannel(path.join(dir, 'empty-bin')), { host: 'local', root, become: '' });
    const [a] = await r.readState(['/etc/a.conf']);
    expect(a).toMatchObject({ state: 'file', content: Buffer.from('a\n') });
  });

  it('says konf needs GNU tar when tar does not understand it', async () => {
    tool('tar', `echo "tar: unrecognized option: hard-dereference" >&2\necho "BusyBox v1.36 multi-call binary." >&2\nexit 1`);
    const r = new RemoteHost(localChannel(bin), { host: 'local', root, become: '' });
    await expect(r.readState(['/etc/a.conf'])).rejects.toThrow(/reading files failed: tar produced nothing: .*unrecognized option.*konf needs GNU tar/);
    rmSync(path.join(bin, 'tar'));
  });

  it('turns a sudo password prompt into a clear sudo-failed error', async () => {
    tool('sudo', 'echo "sudo: a password is required" >&2\nexit 1');
    const r = new RemoteHost(localChannel(bin), { host: 'local', root, become: 'sudo' });
    const err = await r.readState(['/etc/a.conf']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'sudo-failed' });
    expect((err as Error).message).toBe('sudo -n failed (a password is required): konf_become=sudo needs passwordless sudo (NOPASSWD) for the SSH user; nothing was done');
    rmSync(path.join(bin, 'sudo'));
  });

  it('reports a shell that cannot run the script', async () => {
    const broken: ExecChannel = {
      host: 'local',
      exec: async (_c, o = {}) => {
        o.onStderr?.(Buffer.from('bash: sh: command not found\n'));
        return { code: 127 };
      },
    };
    await expect(new RemoteHost(broken, { root: '/', become: '' }).readState(['/x'])).rejects.toThrow(
      "reading files: the remote shell did not run konf's script (exit 127): bash: sh: command not found",
    );
  });

  it('passes a channel error through as a HostError of the host', async () => {
    const failing: ExecChannel = {
      host: 'down1',
      exec: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
    };
    await expect(new RemoteHost(failing, { root: '/', become: '' }).readLock()).rejects.toMatchObject({ kind: 'unreachable', host: 'down1' });
  });
});
