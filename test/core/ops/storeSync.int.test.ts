/**
 * pushAfter (ops/storeSync.ts): the push that follows a deploy, snapshot or rollback never
 * changes its outcome. Real git, a bare remote on a path; the operation's outcome is decided
 * before the push, so only the push is exercised here (the whole runs are in
 * test/ops/team.int.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OpsRuntime } from '../../../src/core/ops/runtime.js';
import { OpEmitter } from '../../../src/core/ops/emitter.js';
import type { OpEvent } from '../../../src/core/ops/events.js';
import { pushAfter } from '../../../src/core/ops/storeSync.js';
import { file, rawGit, tempDir } from '../store/helpers.js';

describe('pushAfter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let shared: string;
  let rt: OpsRuntime;
  let events: OpEvent[];
  const emitter = () => new OpEmitter('op1', [(e) => events.push(e)]);
  const onRemote = async () => (await rawGit(shared, 'for-each-ref', '--format=%(refname)', 'refs/konf/')).trim();
  const sync = () => events.map((e) => (e.type === 'log' && e.phase === 'sync' ? `${e.level}: ${e.text}` : '')).filter(Boolean);

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    shared = path.join(dir, 'shared.git');
    await rawGit(shared, 'init', '--bare', '--quiet', shared);
    const repo = path.join(dir, 'repo');
    await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
    await writeFile(path.join(repo, 'etc/serverconfig/default'), '');
    await writeFile(path.join(repo, 'etc/serverconfig/web1'), '');
    await writeFile(path.join(repo, 'etc/konf.conf'), `store_remote = ${shared}\nstore_timeout = 5\n`);
    rt = await OpsRuntime.open({ repo, stateDir: path.join(dir, 'state') });
    await (await rt.store()).save('web1', [file('/etc/motd', 'v1\n')], { reason: 'manual', operator: 'alice', op: 'op1' });
    events = [];
  });
  afterEach(async () => {
    await rt.close();
    await cleanup();
  });

  it('an interrupted operation does not wait for the remote: it says so, and the next push sends what it recorded', async () => {
    const cancel = new AbortController();
    cancel.abort();
    await pushAfter(rt, emitter(), cancel.signal);
    expect(sync()).toEqual([expect.stringMatching(/^warn: interrupted: not shared with .*shared\.git now; the next konf run pushes it$/)]);
    expect(await onRemote()).toBe('');

    events = [];
    await pushAfter(rt, emitter());
    expect(sync()).toEqual([expect.stringMatching(/^info: shared with .*shared\.git: 1 host history\(ies\)$/)]);
    expect(await onRemote()).toBe('refs/konf/hosts/web1');
  });

  it('a push that breaks is a warning, never an exception that would turn a finished operation into a failure', async () => {
    // The local store vanished under the push (a disk problem, a careless rm): git cannot read it.
    await rm(path.join(dir, 'state', 'store'), { recursive: true, force: true });
    await expect(pushAfter(rt, emitter())).resolves.toBeUndefined();
    expect(sync()).toEqual([expect.stringMatching(/^warn: could not push to the shared snapshot store .*shared\.git \(etc\/konf\.conf:1\): .+; the next konf run tries again$/)]);
    expect(await onRemote()).toBe('');
  });
});
