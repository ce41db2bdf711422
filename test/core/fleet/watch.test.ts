/**
 * The repository watcher (inotify): what the console's "repository changed (…)" line names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchRepo, type RepoWatcher } from '../../../src/core/fleet/watch.js';
import { applyRepoEdits } from '../../../src/core/fleet/repoEdit.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
let watcher: RepoWatcher | undefined;
afterEach(async () => {
  watcher?.close();
  watcher = undefined;
  await fixture?.remove();
  fixture = undefined;
});

describe('watchRepo', () => {
  it("an edit konf writes (temp file renamed over the file) is reported as the file, never as konf's .konf-edit-* temp name", async () => {
    fixture = await makeRepo({ 'etc/files/etc/motd': 'old\n', 'etc/serverconfig/exclude/web1': '' });
    const root = fixture.root;
    const batches: string[][] = [];
    let seen: (() => void) | undefined;
    const sawMotd = new Promise<void>((resolve) => (seen = resolve));
    watcher = watchRepo(root, (paths) => {
      batches.push(paths);
      if (paths.includes('etc/files/etc/motd')) seen?.();
    }, { debounceMs: 50 });
    await applyRepoEdits(root, [
      { file: 'etc/files/etc/motd', before: { kind: 'file', content: Buffer.from('old\n') }, after: { kind: 'file', content: Buffer.from('new\n') }, why: 'test' },
      { file: 'etc/serverconfig/exclude/web1', before: { kind: 'file', content: Buffer.from('') }, after: { kind: 'file', content: Buffer.from('/etc/x\n') }, why: 'test' },
    ]);
    await sawMotd;
    const all = batches.flat();
    expect(all).toContain('etc/files/etc/motd');
    expect(all.filter((p) => p.includes('.konf-edit-'))).toEqual([]);
  });
});
