import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  appendKnownHost,
  checkHostKey,
  fingerprintSha256,
  hashHostName,
  HostKeyError,
  knownHostName,
  verifyHostKey,
  type HostKeyContext,
} from '../../../src/core/ssh/knownHosts.js';

const run = promisify(execFile);

interface Key {
  /** `type base64` line. */
  pub: string;
  blob: Buffer;
  pubFile: string;
}

describe('known_hosts', () => {
  let dir: string;
  let ed1: Key;
  let ed2: Key;
  let ecdsa: Key;
  const file = (name: string) => path.join(dir, name);

  async function keygen(name: string, type: string): Promise<Key> {
    const f = file(name);
    await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', f]);
    const pub = (await readFile(`${f}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    return { pub, blob: Buffer.from(pub.split(' ')[1] as string, 'base64'), pubFile: `${f}.pub` };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'konf-kh-'));
    [ed1, ed2, ecdsa] = await Promise.all([keygen('ed1', 'ed25519'), keygen('ed2', 'ed25519'), keygen('ec', 'ecdsa')]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names hosts as OpenSSH does: bare on port 22, [host]:port otherwise, lower case', () => {
    expect(knownHostName('Web1.Example.com', 22)).toBe('web1.example.com');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('computes the SHA256 fingerprint exactly like ssh-keygen -l', async () => {
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', ed1.pubFile]);
    expect(stdout.split(' ')[1]).toBe(fingerprintSha256(ed1.blob));
    expect(fingerprintSha256(ed1.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches plain names, comma lists, [host]:port, wildcards and negations', async () => {
    const kh = file('plain');
    await writeFile(
      kh,
      [
        '# a comment',
        '',
        `web1,10.0.0.1 ${ed1.pub}`,
        `[127.0.0.1]:2222 ${ed2.pub} some comment`,
        `*.example.com,!db.example.com ${ecdsa.pub}`,
      ].join('\n'),
    );
    expect(await checkHostKey('web1', ed1.blob, [kh])).toMatchObject({ status: 'match', ref: { file: kh, line: 3 } });
    expect(await checkHostKey('10.0.0.1', ed1.blob, [kh])).toMatchObject({ status: 'match' });
    expect(await checkHostKey('[127.0.0.1]:2222', ed2.blob, [kh])).toMatchObject({ status: 'match', ref: { line: 4 } });
    // The port matters: the same address on port 22 is another name.
    expect(await checkHostKey('127.0.0.1', ed2.blob, [kh])).toMatchObject({ status: 'unknown' });
    expect(await checkHostKey('[127.0.0.1]:2223', ed2.blob, [kh])).toMatchObject({ status: 'unknown' });
    expect(await checkHostKey('app.example.com', ecdsa.blob, [kh])).toMatchObject({ status: 'match', ref: { line: 5 } });
    expect(await checkHostKey('db.example.com', ecdsa.blob, [kh])).toMatchObject({ status: 'unknown' });
  });

  it('matches entries hashed by ssh-keygen -H, and our hashed entries are found by ssh-keygen -F', async () => {
    const kh = file('hashed');
    await writeFile(kh, `[127.0.0.1]:2222 ${ed1.pub}\nweb1 ${ed2.pub}\n`);
    await run('ssh-keygen', ['-H', '-f', kh]);
    const text = await readFile(kh, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    expect(text).toMatch(/^\|1\|/);
    expect(await checkHostKey('[127.0.0.1]:2222', ed1.blob, [kh])).toMatchObject({ status: 'match', ref: { line: 1 } });
    expect(await checkHostKey('web1', ed2.blob, [kh])).toMatchObject({ status: 'match' });
    expect(await checkHostKey('web1', ed1.blob, [kh])).toMatchObject({ status: 'mismatch' });
    expect(await checkHostKey('web2', ed2.blob, [kh])).toMatchObject({ status: 'unknown' });

    const ours = file('ours-hashed');
    await writeFile(ours, `${hashHostName('[10.1.1.1]:2200')} ${ed1.pub}\n`);
    const found = await run('ssh-keygen', ['-F', '[10.1.1.1]:2200', '-f', ours]);
    expect(found.stdout).toContain('found: line 1');
  });

  it('refuses @revoked keys even when another line accepts them, and ignores @cert-authority (with a note)', async () => {
    const kh = file('revoked');
    await writeFile(kh, `web1 ${ed1.pub}\n@cert-authority *.example.com ${ed2.pub}\n@revoked * ${ed1.pub}\n`);
    expect(await checkHostKey('web1', ed1.blob, [kh])).toMatchObject({ status: 'revoked', ref: { file: kh, line: 3 } });
    const ca = await checkHostKey('x.example.com', ed2.blob, [kh]);
    expect(ca.status).toBe('unknown');
    expect(ca.notes).toEqual([`${kh}:2: @cert-authority line ignored (konf does not accept host certificates)`]);
  });

  it('reports a mismatch with the expected key file:line, and unknown with other known types', async () => {
    const user = file('user_kh');
    const global = file('global_kh');
    await writeFile(user, `other ${ed2.pub}\n[h]:2222 ${ecdsa.pub}\n`);
    await writeFile(global, `\n[h]:2222 ${ed2.pub}\n`);
    const mm = await checkHostKey('[h]:2222', ed1.blob, [user, file('missing'), global]);
    expect(mm).toMatchObject({ status: 'mismatch', expected: [{ file: global, line: 2, keyType: 'ssh-ed25519' }] });
    const unknown = await checkHostKey('[h]:2222', ecdsa.blob.subarray(0), [global]);
    expect(unknown).toMatchObject({ status: 'unknown', otherTypes: [{ file: global, line: 2 }] });
  });

  function ctx(over: Partial<HostKeyContext>): HostKeyContext {
    return { host: 'web1', name: '[127.0.0.1]:2222', userKnownHostsFiles: [], globalKnownHostsFiles: [], strict: 'yes', hashKnownHosts: false, ...over };
  }

  it('refuses a changed key with OpenSSH wording: offered SHA256 fingerprint and the offending file:line', async () => {
    const kh = file('changed');
    await writeFile(kh, `# header\n[127.0.0.1]:2222 ${ed2.pub}\n`);
    const v = await verifyHostKey(ctx({ userKnownHostsFiles: [kh] }), ed1.blob);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const e = v.error;
    expect(e).toBeInstanceOf(HostKeyError);
    expect(e.kind).toBe('host-key-mismatch');
    const { stdout } = await run('ssh-keygen', ['-lf', ed1.pubFile]);
    const fp = stdout.split(' ')[1] as string;
    expect(e.message).toContain('WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!');
    expect(e.message).toContain(`The fingerprint for the ED25519 key sent by the remote host is ${fp}.`);
    expect(e.message).toContain('Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.');
    expect(e.message).toContain(`Offending ED25519 key in ${kh}:2`);
    expect(e.message).not.toContain('\n');
    expect(e.format()).toMatch(/^web1: WARNING/);
    expect(e.longMessage).toContain(`${fp}.\nPlease contact your system administrator.`);
    expect(e.longMessage).toContain('@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @');
    expect(e.fingerprint).toBe(fp);
    // The expected key's fingerprint and OpenSSH's line to remove the stale entry.
    const expected = (await run('ssh-keygen', ['-lf', ed2.pubFile])).stdout.split(' ')[1] as string;
    expect(e.message).toContain(`Offending ED25519 key in ${kh}:2 (${expected}); remove with: ssh-keygen -f '${kh}' -R '[127.0.0.1]:2222'. `);
    expect(e.longMessage).toContain(`Offending ED25519 key in ${kh}:2\n  remove with:\n  ssh-keygen -f '${kh}' -R '[127.0.0.1]:2222'\n`);
  });

  it('refuses a changed key whatever StrictHostKeyChecking says (no, accept-new), with the same wording', async () => {
    const kh = file('changed-lax');
    await writeFile(kh, `[127.0.0.1]:2222 ${ed2.pub}\n`);
    for (const strict of ['no', 'accept-new'] as const) {
      const lines: string[] = [];
      const v = await verifyHostKey(ctx({ userKnownHostsFiles: [kh], strict, log: (l) => lines.push(l) }), ed1.blob);
      expect(v.ok, `StrictHostKeyChecking ${strict} let a changed key through`).toBe(false);
      if (v.ok) continue;
      expect(v.error.kind).toBe('host-key-mismatch');
      expect(v.error.message).toMatch(/^WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The fingerprint for the ED25519 key sent by the remote host is SHA256:\S+\. /);
      expect(v.error.message).toContain(`remove with: ssh-keygen -f '${kh}' -R '[127.0.0.1]:2222'.`);
      expect(v.error.message).toContain(`Host key for [127.0.0.1]:2222 has changed and konf refuses a changed host key whatever StrictHostKeyChecking says (it is ${strict} here). Host key verification failed.`);
      expect(lines.join('\n')).not.toMatch(/continuing/);
    }
    // The file was left alone (nothing appended, nothing replaced).
    expect(await readFile(kh, 'utf8')).toBe(`[127.0.0.1]:2222 ${ed2.pub}\n`);
    // The printed line does what it says.
    const v = await verifyHostKey(ctx({ userKnownHostsFiles: [kh], strict: 'no' }), ed1.blob);
    const line = v.ok ? '' : (/remove with: (ssh-keygen .*?)\. Host key/.exec(v.error.message)?.[1] ?? '');
    await run('sh', ['-c', line]);
    expect(await checkHostKey('[127.0.0.1]:2222', ed2.blob, [kh])).toMatchObject({ status: 'unknown' });
  });

  it('refuses a revoked key even with StrictHostKeyChecking no', async () => {
    const kh = file('revoked2');
    await writeFile(kh, `@revoked [127.0.0.1]:2222 ${ed1.pub}\n`);
    const v = await verifyHostKey(ctx({ userKnownHostsFiles: [kh], strict: 'no' }), ed1.blob);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error.kind).toBe('host-key-revoked');
      expect(v.error.message).toMatch(/^WARNING: REVOKED HOST KEY DETECTED! The ED25519 host key for \[127\.0\.0\.1\]:2222 \(SHA256:\S+\) is marked as revoked in .*revoked2:1/);
    }
  });

  it('refuses an unknown host under yes, naming the host and the files searched', async () => {
    const kh = file('empty');
    await writeFile(kh, '');
    const v = await verifyHostKey(ctx({ userKnownHostsFiles: [kh], globalKnownHostsFiles: ['/nonexistent/kh'] }), ed1.blob);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.error.kind).toBe('host-key-unknown');
      expect(v.error.message).toMatch(/^Host key verification failed: no ED25519 host key is known for \[127\.0\.0\.1\]:2222 in .*empty, \/nonexistent\/kh/);
      expect(v.error.message).toContain(fingerprintSha256(ed1.blob));
    }
    expect(await readFile(kh, 'utf8')).toBe('');
  });

  it('accept-new records the key in the first UserKnownHostsFile, once, in a form OpenSSH reads', async () => {
    const kh = path.join(dir, 'newdir', 'known_hosts');
    const second = file('second_kh');
    const lines: string[] = [];
    const c = ctx({ userKnownHostsFiles: [kh, second], strict: 'accept-new', log: (l) => lines.push(l) });
    const [a, b] = await Promise.all([verifyHostKey(c, ed1.blob), verifyHostKey(c, ed1.blob)]);
    expect(a.ok && b.ok).toBe(true);
    expect(await readFile(kh, 'utf8')).toBe(`[127.0.0.1]:2222 ${ed1.pub}\n`);
    expect(lines.join('\n')).toContain("Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts");
    const found = await run('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', kh]);
    expect(found.stdout).toContain('found: line 1');
    // Now it is known: strict checking passes, and another key is a mismatch.
    expect((await verifyHostKey(ctx({ userKnownHostsFiles: [kh] }), ed1.blob)).ok).toBe(true);
    expect((await verifyHostKey(ctx({ userKnownHostsFiles: [kh], strict: 'accept-new' }), ed2.blob)).ok).toBe(false);
  });

  it('accept-new with HashKnownHosts writes a hashed name; appends after a file without a final newline', async () => {
    const kh = file('hash_append');
    await writeFile(kh, `web9 ${ecdsa.pub}`);
    expect(await appendKnownHost(kh, 'web1', ed1.blob, { hash: true })).toBe(true);
    expect(await appendKnownHost(kh, 'web1', ed1.blob, { hash: true })).toBe(false);
    const text = await readFile(kh, 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`web9 ${ecdsa.pub}`);
    expect(lines[1]).toMatch(/^\|1\|[^|]+\|[^ ]+ ssh-ed25519 /);
    expect(lines).toHaveLength(3);
    expect(await checkHostKey('web1', ed1.blob, [kh])).toMatchObject({ status: 'match', ref: { line: 2 } });
  });
});
