/**
 * Issue 15, item 1: what konf last wrote lives on the host (`<konf_root>/var/lib/konf/
 * deployed.json`), written by the same journaled batch as the files, so drift is judged
 * from the host whichever jump host looks; a record an older konf kept on the jump host is
 * used until the host holds one, then carried there once. Through the built CLI, against a
 * real OpenSSH host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface RecordDoc {
  v: number;
  host: string;
  op: string;
  operator: string;
  files: Record<string, { sha256?: string; target?: string; mode?: string; created: boolean }>;
}

describe('the deployed record lives on the host', { timeout: 180_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  const stateA = () => path.join(tmp, 'jumpA');
  const stateB = () => path.join(tmp, 'jumpB');
  const konfA = (args: string[]) => runKonf(['--repo', repo, '--state', stateA(), ...args]);
  const konfB = (args: string[]) => runKonf(['--repo', repo, '--state', stateB(), ...args]);
  const onHost = (p: string) => path.join(fleet.host('web1').root, p);
  const recordFile = () => onHost('var/lib/konf/deployed.json');
  const record = async () => JSON.parse(await readFile(recordFile(), 'utf8')) as RecordDoc;

  beforeAll(async () => {
    await ensureBuilt();
    fleet = await startTestFleet({ hosts: ['web1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-host-record-'));
    repo = path.join(tmp, 'repo');
    await put(path.join(repo, 'etc/serverconfig/default'), '');
    await put(path.join(repo, 'etc/serverconfig/web1'), '');
    await put(path.join(repo, 'etc/files/etc/app/app.conf'), 'port=80\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await put(path.join(repo, 'etc/permissions'), '/etc/app/app.conf 0640\n');
    await put(
      path.join(repo, 'hooks/post-deploy/10-check'),
      '#!/bin/sh\nif [ -f "$KONF_ROOT/etc/fail-post" ]; then echo "check failed" >&2; exit 1; fi\n',
      0o755,
    );
    await bindRepoToFleet(repo, fleet);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a deploy writes the record on the host (0600, hash and mode of each file); another jump host judges drift from it', async () => {
    const dep = await konfA(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    const doc = await record();
    expect(doc.v).toBe(1);
    expect(doc.host).toBe('web1');
    expect(doc.files['/etc/app/app.conf']).toEqual({ sha256: sha('port=80\n'), mode: '0640', created: true });
    expect(doc.files['/etc/motd']).toEqual({ sha256: sha('welcome\n'), mode: '0644', created: true });
    expect((await stat(recordFile())).mode & 0o777).toBe(0o600);
    // Nothing is kept on the jump host any more.
    expect(existsSync(path.join(stateA(), 'deployed'))).toBe(false);

    // Jump host B never deployed: it sees web1 in sync, and a hand edit as drift.
    expect((await konfB(['diff', 'web1'])).code).toBe(0);
    await put(onHost('etc/motd'), 'edited by hand\n');
    const drift = await konfB(['diff', 'web1', '--json']);
    expect(drift.code).toBe(1);
    const json = JSON.parse(drift.stdout) as { hosts: { drifted: number; files: { path: string; state?: string }[] }[] };
    expect(json.hosts[0]?.drifted).toBe(1);
    expect(json.hosts[0]?.files.find((f) => f.path === '/etc/motd')?.state).toBe('drifted');

    // B deploys over the hand edit: the record now says what B wrote, and A sees it in sync.
    expect((await konfB(['deploy', 'web1', '--yes'])).code).toBe(0);
    expect((await record()).files['/etc/motd']?.sha256).toBe(sha('welcome\n'));
    expect((await konfA(['diff', 'web1', '--drift'])).code).toBe(0);
  });

  it('a deploy that is restored puts the old record back with the files (one journaled batch)', async () => {
    const before = await readFile(recordFile());
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome, version 2\n');
    await put(onHost('etc/fail-post'), '');
    try {
      const dep = await konfA(['deploy', 'web1', '--yes']);
      expect(dep.code, dep.stdout + dep.stderr).toBe(3);
      expect(dep.stdout).toMatch(/restored \(verified\)/);
      expect(await readFile(onHost('etc/motd'), 'utf8')).toBe('welcome\n');
      expect(await readFile(recordFile())).toEqual(before);
    } finally {
      await rm(onHost('etc/fail-post'), { force: true });
    }
    const dep = await konfA(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect((await record()).files['/etc/motd']?.sha256).toBe(sha('welcome, version 2\n'));
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    expect((await konfA(['deploy', 'web1', '--yes'])).code).toBe(0);
  });

  it("a jump host's old local record is used while the host has none, then carried to the host once", async () => {
    // As an older konf left things: the files deployed, the record only on jump host C.
    await rm(recordFile());
    const stateC = path.join(tmp, 'jumpC');
    await put(onHost('etc/extra.conf'), 'created by konf long ago\n');
    await put(
      path.join(stateC, 'deployed/web1.json'),
      JSON.stringify({
        '/etc/motd': { sha256: sha('welcome\n'), mode: 0o644, created: false },
        '/etc/app/app.conf': { sha256: sha('port=80\n'), mode: 0o640, created: true },
        '/etc/extra.conf': { sha256: sha('created by konf long ago\n'), mode: 0o644, created: true },
      }),
    );
    const konfC = (args: string[]) => runKonf(['--repo', repo, '--state', stateC, ...args]);
    await put(onHost('etc/motd'), 'edited by hand again\n');
    const drift = await konfC(['diff', 'web1', '--json']);
    const json = JSON.parse(drift.stdout) as { hosts: { files: { path: string; state?: string }[] }[] };
    expect(json.hosts[0]?.files.find((f) => f.path === '/etc/motd')?.state).toBe('drifted');
    // B has no local record and the host none: the same edit is only "pending" there.
    const fromB = JSON.parse((await konfB(['diff', 'web1', '--json'])).stdout) as typeof json;
    expect(fromB.hosts[0]?.files.find((f) => f.path === '/etc/motd')?.state).toBe('pending');

    expect((await konfC(['deploy', 'web1', '--yes'])).code).toBe(0);
    const doc = await record();
    expect(doc.files['/etc/motd']).toEqual({ sha256: sha('welcome\n'), mode: '0644', created: false });
    // Entries the deploy did not touch are carried over, "created" included.
    expect(doc.files['/etc/extra.conf']).toEqual({ sha256: sha('created by konf long ago\n'), mode: '0644', created: true });
    expect(existsSync(path.join(stateC, 'deployed/web1.json'))).toBe(false);
  });
});
