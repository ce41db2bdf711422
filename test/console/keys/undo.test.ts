/** `u` (state/undo.ts): the last konf operation on the host undone by a rollback to the snapshot taken before it, with the rollback's confirmation. */
import { describe, expect, it } from 'vitest';
import type { SnapshotInfo } from '../../../src/core/store/types.js';
import { reducer } from '../../../src/console/state/reducer.js';
import { activeContexts } from '../../../src/console/state/select.js';
import { undoTarget } from '../../../src/console/state/undo.js';
import { drained, effects, fake, init, keys } from '../../helpers/reducerTesting.js';

const snap = (id: string, reason: SnapshotInfo['reason'], time: string, operator = 'alice'): SnapshotInfo => ({ id: id.padEnd(40, '0'), host: 'web1', time, files: 3, changed: [], reason, operator, op: `op-${id}` });

describe('undo', () => {
  it('targets the newest snapshot taken before an operation (a newer manual snapshot changes nothing)', () => {
    const history = [snap('c', 'manual', '2026-05-01T11:00:00Z'), snap('b', 'pre-rollback', '2026-05-01T10:00:00Z', 'bob'), snap('a', 'pre-deploy', '2026-05-01T09:00:00Z')];
    const target = undoTarget(history)!;
    expect(target.index).toBe(1);
    expect(target.snapshot.id).toBe(history[1]!.id);
    expect(target.undoes).toMatch(/^the rollback of 2026-05-01 \d\d:00 by bob$/);
    expect(undoTarget([snap('m', 'manual', '2026-05-01T11:00:00Z'), snap('i', 'initial', '2026-04-01T11:00:00Z')])).toBeUndefined();
  });

  it('u reads the history if needed, previews the rollback in the History tab and asks as r does', async () => {
    let s = drained(init());
    s = keys(s, 'u');
    expect(effects(s)).toEqual([{ type: 'load-history', host: 'web1' }]);
    expect(s.notice).toBe('reading the history of web1\u2026');
    const snapshots = await fake.history('web1');
    expect(snapshots[0]!.reason).toBe('pre-deploy');
    s = drained(reducer(s, { type: 'history/result', host: 'web1', snapshots }));
    expect(s.tab).toBe('history');
    expect(activeContexts(s)[0]).toBe('preview');
    expect(s.preview).toMatchObject({ host: 'web1', snapshot: { id: snapshots[0]!.id }, confirmWhenLoaded: true });
    const diff = await fake.rollbackPreview('web1', snapshots[0]!.id);
    s = reducer(s, { type: 'preview/result', host: 'web1', snapshot: snapshots[0]!.id, diff });
    expect(s.confirm?.title).toBe(`Roll back web1 to snapshot ${snapshots[0]!.id.slice(0, 7)} (3 files)?`);
    expect(s.confirm?.lines[0]).toMatch(/^u undoes the deploy of 2026-05-01 \d\d:30 by alice, back to the snapshot before it:$/);
    expect(s.confirm?.lines.join('\n')).toContain('A pre-rollback snapshot is taken first, so this can be undone.');
    s = keys(s, 'y');
    expect(effects(s)).toEqual([{ type: 'run', local: 'c1', request: { kind: 'rollback', host: 'web1', snapshot: snapshots[0]!.id } }]);
  });

  it('says so when there is nothing to undo, and refuses a busy host', async () => {
    let s = drained(init());
    s = reducer(s, { type: 'history/result', host: 'web1', snapshots: [snap('m', 'manual', '2026-05-01T11:00:00Z')] });
    s = keys(s, 'u');
    expect(s.notice).toBe('web1: nothing to undo (no snapshot taken before a konf operation)');
    expect(s.confirm).toBeUndefined();
    s = drained(keys(s, 'S', 'y', 'u'));
    expect(s.notice).toBe('busy: web1');
  });
});
