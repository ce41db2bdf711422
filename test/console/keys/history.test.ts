/** Keys in the History tab and the rollback preview (keys/history.ts, keys/preview.ts). */
import { describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../../src/core/store/types.js';
import { reducer } from '../../../src/console/state/reducer.js';
import { activeContexts } from '../../../src/console/state/select.js';
import { drained, effects, fake, init, keys } from '../../helpers/reducerTesting.js';

describe('history and rollback', () => {
  const snapshots: SnapshotInfo[] = fake.snapshotsOf('web1').slice();

  it('previews with Enter and asks before rolling back, stating host, snapshot and file count', async () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = keys(s, 'j', '<enter>');
    expect(effects(s)).toEqual([{ type: 'load-preview', host: 'web1', snapshot: snapshots[1]!.id }]);
    expect(activeContexts(s)[0]).toBe('preview');
    s = drained(s);
    const diff = await fake.rollbackPreview('web1', snapshots[1]!.id);
    s = reducer(s, { type: 'preview/result', host: 'web1', snapshot: snapshots[1]!.id, diff });
    s = keys(s, 'r');
    expect(s.confirm?.title).toBe(`Roll back web1 to snapshot ${snapshots[1]!.id.slice(0, 7)} (3 files)?`);
    expect(s.confirm?.lines.join('\n')).toContain('/etc/motd');
    s = keys(s, 'y');
    expect(s.confirm).toBeUndefined();
    expect(effects(s)).toEqual([{ type: 'run', local: 'c1', request: { kind: 'rollback', host: 'web1', snapshot: snapshots[1]!.id } }]);
    expect(s.status.web1).toEqual({ kind: 'running', phase: 'start' });
  });

  it('r on a snapshot without a preview loads it and asks once it is there', async () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = drained(keys(s, 'r'));
    expect(s.preview?.confirmWhenLoaded).toBe(true);
    expect(s.confirm).toBeUndefined();
    const diff = await fake.rollbackPreview('web1', snapshots[0]!.id);
    s = reducer(s, { type: 'preview/result', host: 'web1', snapshot: snapshots[0]!.id, diff });
    expect(s.confirm?.title).toContain('Roll back web1');
    s = keys(s, 'n');
    expect(s.confirm).toBeUndefined();
    expect(effects(s)).toEqual([]);
    s = keys(s, '<esc>');
    expect(s.preview).toBeUndefined();
  });

  it('ignores a preview that arrives for another snapshot', () => {
    let s = drained(keys(init(), '5'));
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots });
    s = keys(s, '<enter>');
    const after = reducer(s, { type: 'preview/result', host: 'web1', snapshot: 'other', diff: { host: 'web1', files: [], pending: 0 } });
    expect(after).toBe(s);
  });
});
