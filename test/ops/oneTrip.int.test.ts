/**
 * A deploy without hooks around the write takes two round trips per host after
 * connecting: the read, then one script that takes the lock, checks the host still holds
 * what was read, writes (journaled), closes the journal and releases the lock. Each sshd
 * of this fleet runs every command through a ForceCommand wrapper that counts it and, for
 * a chosen command number, acts first (a hand edit, another admin's lock) — the real
 * moment between konf's read and its write.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { ensureBuilt, konf as runKonf } from '../helpers/konfBin.js';
import { filesOf, readTree } from '../helpers/tree.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

async function leftovers(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.konf-tmp-')) out.push(path.join(dir, e.name));
    if (e.isDirectory()) out.push(...(await leftovers(path.join(dir, e.name))));
  }
  return out;
}

describe('a deploy in two round trips (real sshd, commands counted by a ForceCommand wrapper)', () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  let count: string;
  let act: string;
  const konf = (args: string[]) => runKonf(['--repo', repo, '--state', state, ...args]);
  const root = () => fleet.host('web1').root;
  const commands = async () => Number((await readFile(count, 'utf8').catch(() => '0')).trim() || '0');

  beforeAll(async () => {
    await ensureBuilt();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-onetrip-'));
    count = path.join(tmp, 'count');
    act = path.join(tmp, 'act');
    const wrapper = path.join(tmp, 'wrap.sh');
    await put(
      wrapper,
      [
        '#!/bin/sh',
        `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 ))`,
        `echo "$n" > ${count}`,
        `if [ -f ${act}.$n ]; then sh ${act}.$n; fi`,
        'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"',
        '',
      ].join('\n'),
      0o755,
    );
    fleet = await startTestFleet({ hosts: ['web1'], extraSshdConfig: [`ForceCommand ${wrapper}`] });
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'workers=2\n');
    await put(path.join(repo, 'etc/serverconfig/web1'), '');
    await put(path.join(repo, 'etc/files/etc/app/app.conf.tmpl'), 'workers={{ workers }}\n');
    await put(path.join(repo, 'etc/files/etc/app/conf.d/extra.conf'), 'extra=1\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await put(path.join(repo, 'etc/permissions'), '/etc/app/app.conf 0640\n');
    await bindRepoToFleet(repo, fleet);
  });

  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // web1 as a host konf has not written yet: an old motd, nothing else.
    await rm(path.join(root(), 'etc'), { recursive: true, force: true });
    await rm(path.join(root(), 'var'), { recursive: true, force: true });
    await put(path.join(root(), 'etc/motd'), 'old motd\n', 0o644);
    await rm(path.join(repo, 'etc/validate'), { force: true });
    for (const f of await readdir(tmp)) if (f.startsWith('act.')) await rm(path.join(tmp, f));
    await writeFile(count, '0\n');
  });

  it('takes two commands: the read, then lock + check + write + unlock in one script', async () => {
    const dep = await konf(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect(await commands()).toBe(2);
    expect(await readFile(path.join(root(), 'etc/app/app.conf'), 'utf8')).toBe('workers=2\n');
    expect(await readFile(path.join(root(), 'etc/app/conf.d/extra.conf'), 'utf8')).toBe('extra=1\n');
    expect(await readFile(path.join(root(), 'etc/motd'), 'utf8')).toBe('welcome\n');
    // The lock and the journal are gone, and so is every temp and backup.
    expect(existsSync(path.join(root(), 'var/lib/konf/lock'))).toBe(false);
    expect(existsSync(path.join(root(), 'var/lib/konf/journal'))).toBe(false);
    expect(await leftovers(root())).toEqual([]);
    const hist = JSON.parse((await konf(['history', 'web1', '--json'])).stdout) as { reason: string; files: number }[];
    expect(hist[0]?.reason).toBe('pre-deploy');
    const clean = await konf(['diff', 'web1']);
    expect(clean.code, clean.stdout).toBe(0);
    // A rollback puts the host back exactly (the snapshot from the read was the host's state).
    const rb = await konf(['rollback', 'web1', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(await readFile(path.join(root(), 'etc/motd'), 'utf8')).toBe('old motd\n');
    expect(existsSync(path.join(root(), 'etc/app/app.conf'))).toBe(false);
  });

  it('a hand edit between the read and the write: nothing is written on the stale read; the long way snapshots the edit and deploys', async () => {
    // Right before konf's second command, an admin edits motd on the host.
    await writeFile(`${act}.2`, `printf 'edited by hand\\n' > ${path.join(root(), 'etc/motd')}\n`);
    const historyBefore = JSON.parse((await konf(['history', 'web1', '--json'])).stdout) as { id: string }[];
    await writeFile(count, '0\n');
    const dep = await konf(['deploy', 'web1', '--yes', '--json']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    // read, the refused one-trip write, then lock, read, write, unlock.
    expect(await commands()).toBe(6);
    expect(dep.stdout).toContain('taking the lock first');
    expect(await readFile(path.join(root(), 'etc/motd'), 'utf8')).toBe('welcome\n');
    expect(await leftovers(root())).toEqual([]);
    // History gains exactly the snapshot the deploy used: the one taken for the write that
    // was not taken (the stale read) is not left behind as a pre-deploy of nothing.
    const historyAfter = JSON.parse((await konf(['history', 'web1', '--json'])).stdout) as { id: string; reason: string }[];
    expect(historyAfter.length).toBe(historyBefore.length + 1);
    expect(historyAfter[0]?.reason).toBe('pre-deploy');
    // The snapshot the deploy used holds the hand edit: undoing the deploy brings it back.
    const rb = await konf(['rollback', 'web1', '--yes']);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    expect(await readFile(path.join(root(), 'etc/motd'), 'utf8')).toBe('edited by hand\n');
  });

  it('another admin takes the lock between the read and the write: refused with the holder, nothing written, their lock kept', async () => {
    const lock = JSON.stringify({ operator: 'bob', jumpHost: 'jump-b', pid: 4242, operation: 'deploy', opId: 'bobs-op', since: new Date().toISOString() });
    await writeFile(`${act}.2`, `mkdir -p ${path.join(root(), 'var/lib/konf')} && printf '%s\\n' '${lock}' > ${path.join(root(), 'var/lib/konf/lock')}\n`);
    const before = filesOf(await readTree(path.join(root(), 'etc')));
    const historyBefore = (await konf(['history', 'web1', '--json'])).stdout;
    await writeFile(count, '0\n');
    const dep = await konf(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(3);
    expect(dep.stdout + dep.stderr).toMatch(/locked by bob@jump-b \(pid 4242, deploy\)/);
    // Nothing was written, so History shows nothing new (no pre-deploy snapshot of a deploy that did not happen).
    expect((await konf(['history', 'web1', '--json'])).stdout).toBe(historyBefore);
    expect(filesOf(await readTree(path.join(root(), 'etc')))).toEqual(before);
    expect(await readFile(path.join(root(), 'var/lib/konf/lock'), 'utf8')).toContain('"opId":"bobs-op"');
    expect(await leftovers(root())).toEqual([]);
  });

  it('a failing set check in the one-trip write swaps every file back, releases the lock, exit 3', async () => {
    await put(path.join(repo, 'etc/validate'), '/etc/app/** sh -c "echo app config rejected >&2; exit 1"\n');
    const before = filesOf(await readTree(path.join(root(), 'etc')));
    const dep = await konf(['deploy', 'web1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(3);
    expect(dep.stdout + dep.stderr).toContain('app config rejected');
    expect(filesOf(await readTree(path.join(root(), 'etc')))).toEqual(before);
    expect(existsSync(path.join(root(), 'var/lib/konf/lock'))).toBe(false);
    expect(existsSync(path.join(root(), 'var/lib/konf/journal'))).toBe(false);
    expect(await leftovers(root())).toEqual([]);
  });
});
