/** Keys that answer drift (keys/choice.ts, driftAnswers.ts): `a` in Files and Diff, the choice widget, `B` in History. Pure. */
import { describe, expect, it } from 'vitest';
import { reducer } from '../../../src/console/state/reducer.js';
import { mostlyMissing } from '../../../src/console/state/driftAnswers.js';
import { activeContexts } from '../../../src/console/state/select.js';
import type { AppState } from '../../../src/console/state/types.js';
import { FakeSession } from '../../helpers/fakeSession.js';
import { drained, effects, keys } from '../../helpers/reducerTesting.js';
import { initialState } from '../../../src/console/state/init.js';

const fake = new FakeSession({ drift: true });

async function ready(): Promise<AppState> {
  let s = initialState({ repo: '/srv/fleet', hosts: fake.hosts(), size: { columns: 80, rows: 24 } });
  for (const host of fake.hosts()) if (!host.error) s = reducer(s, { type: 'check/result', check: await fake.check(host.name) });
  return drained(s);
}

/** web1's Diff tab at its last file, /etc/sysctl.conf (hand-edited). */
async function onSysctl(): Promise<AppState> {
  const s = drained(keys(await ready(), '4', ']', ']', ']'));
  return s;
}

describe('answering drift', () => {
  it('a opens the choices for the file under the cursor; the widget owns the keys; Esc closes it with nothing queued', async () => {
    let s = keys(await onSysctl(), 'a');
    expect(activeContexts(s)).toEqual(['choice']);
    expect(s.choice?.title).toBe('/etc/sysctl.conf on web1: changed on the host since konf wrote it');
    expect(s.choice?.items.map((i) => i.action.type)).toEqual(['adopt', 'adopt', 'revert']);
    s = keys(s, 'j', 'j', 'j');
    expect(s.choice?.index).toBe(2);
    s = keys(s, 'k');
    expect(s.choice?.index).toBe(1);
    // D (global) does nothing while the widget is open.
    expect(keys(s, 'D').confirm).toBeUndefined();
    s = keys(s, '<esc>');
    expect(s.choice).toBeUndefined();
    expect(effects(s)).toEqual([]);
  });

  it('Enter on adopt asks for its preview (nothing written); the confirmation opens when it arrives, y runs it', async () => {
    let s = keys(await onSysctl(), 'a', '<enter>');
    expect(effects(s)).toEqual([{ type: 'load-adopt', key: expect.any(String), host: 'web1', path: '/etc/sysctl.conf', to: 'repo' }]);
    const key = s.waiting!.key;
    s = drained(s);
    const preview = await fake.adoptPreview('web1', '/etc/sysctl.conf', 'repo');
    s = reducer(s, { type: 'adopt/preview', key: 'stale', preview });
    expect(s.confirm).toBeUndefined();
    s = reducer(s, { type: 'adopt/preview', key, preview });
    expect(s.confirm?.title).toBe('Adopt /etc/sysctl.conf from web1 into the repository, for every host?');
    s = keys(s, 'y');
    expect(effects(s)).toEqual([{ type: 'run', local: expect.any(String), request: { kind: 'adopt', host: 'web1', preview } }]);
  });

  it('Esc while a preview is computed drops it: its answer opens nothing', async () => {
    let s = keys(await onSysctl(), 'a', 'j', '<enter>');
    const key = s.waiting!.key;
    s = drained(keys(s, '<esc>'));
    expect(s.notice).toBe('dropped: keeping /etc/sysctl.conf on web1');
    s = reducer(s, { type: 'adopt/preview', key, preview: await fake.adoptPreview('web1', '/etc/sysctl.conf', 'exclude') });
    expect(s.confirm).toBeUndefined();
  });

  it('revert is a deploy of that one file, confirmed with that write only', async () => {
    const s = keys(await onSysctl(), 'a', 'j', 'j', '<enter>');
    expect(s.confirm?.title).toBe('Deploy /etc/sysctl.conf only to web1 (revert it)?');
    const action = s.confirm?.action;
    expect(action?.type === 'run' && action.request.kind === 'deploy' ? action.request.only : undefined).toEqual(['/etc/sysctl.conf']);
  });

  it('a template: edit in $EDITOR (an effect), and when the editor closes the repository is read again with every host it concerns', async () => {
    let s = drained(keys(await ready(), 'j', 'j', 'j', '3'));
    s = drained(reducer(s, { type: 'plan/result', host: 'db1', plan: await fake.plan('db1') }));
    s = keys(s, 'j', 'j', 'a');
    expect(s.choice?.items[0]?.label).toBe('Edit the template in $EDITOR');
    s = keys(s, '<enter>');
    expect(effects(s)).toEqual([{ type: 'edit', host: 'db1', source: 'etc/files/etc/postgresql/16/main/postgresql.conf.tmpl' }]);
    s = drained(s);
    s = reducer(s, { type: 'edit/done', host: 'db1', source: 'etc/files/etc/postgresql/16/main/postgresql.conf.tmpl', time: '' });
    expect(effects(s)).toEqual([{ type: 'reload', hosts: ['db1'], andAffected: true }]);
  });

  it('a file in sync, or an excluded one, has nothing to answer', async () => {
    const s = keys(await ready(), 'j', '4', 'a');
    expect(s.choice).toBeUndefined();
    expect(s.notice).toMatch(/nothing to answer|no file here/);
  });
});

describe('rebuild from History', () => {
  it('mostlyMissing: half or more of the planned files absent', async () => {
    expect(mostlyMissing(await fake.check('fresh1'))).toBe(true);
    expect(mostlyMissing(await fake.check('web1'))).toBe(false);
  });

  it('B asks for the rebuild preview of the selected snapshot; its confirmation carries what was confirmed', async () => {
    let s = await ready();
    s = drained(keys(s, 'G', '5'));
    expect(s.selected).toBe('fresh1');
    const snapshots = fake.snapshotsOf('fresh1').slice();
    s = reducer(s, { type: 'history/result', host: 'fresh1', snapshots });
    s = keys(s, 'B');
    expect(effects(s)).toEqual([{ type: 'load-rebuild', key: expect.any(String), host: 'fresh1', snapshot: snapshots[0]!.id }]);
    const key = s.waiting!.key;
    const diff = await fake.rebuildPreview('fresh1', snapshots[0]!.id);
    s = reducer(drained(s), { type: 'rebuild/preview', key, host: 'fresh1', snapshot: snapshots[0]!.id, diff });
    expect(s.confirm?.title).toBe(`Rebuild fresh1 from snapshot ${snapshots[0]!.id.slice(0, 7)} (3 files)?`);
    s = keys(s, 'y');
    expect(effects(s)).toEqual([{ type: 'run', local: expect.any(String), request: { kind: 'rebuild', host: 'fresh1', snapshot: snapshots[0]!.id, confirmed: diff.confirm } }]);
  });
});
