/**
 * Answering drift in the console (ink-testing-library, the real App on a FakeSession at
 * 80×24): `a` on a drifted or pending file opens the choice widget; every choice shows its
 * preview (konf adopt's repository edit and the other hosts' diffs, the exclude line, the
 * one-file deploy) before anything runs; a template offers $EDITOR (the console's input
 * is released while the editor runs, then the host and the hosts the edit concerns are
 * planned again); History offers a rebuild for a host whose files are mostly missing.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYMAP } from '../../src/console/keymap.js';
import { eventually, KEYS, renderConsole, waitForFrame, waitForText } from '../helpers/consoleTesting.js';

afterEach(() => cleanup());

/** A frame's text with the box borders and line breaks as single spaces (the widget wraps long lines). */
const flat = (frame: string) => frame.replace(/[\s│╭╮╰╯─]+/g, ' ');
const waitForFlat = (c: ReturnType<typeof renderConsole>, text: string) => waitForFrame(c.lastFrame, (f) => flat(f).includes(text), 15_000, text).then(flat);

/** Opens the Diff tab of web1 with the cursor on /etc/sysctl.conf (its last file). */
async function onSysctl(c: ReturnType<typeof renderConsole>): Promise<string> {
  await waitForText(c.lastFrame, 'web1     4 pending');
  await c.press('4');
  await waitForText(c.lastFrame, '/etc/nginx/nginx.conf');
  // ] moves file by file; the last one is sysctl.conf.
  await c.press(']', ']', ']');
  return waitForFrame(c.lastFrame, (f) => /─ \/etc\/sysctl\.conf/.test(f) && /vm\.swappiness = 60/.test(f), 15_000, 'the sysctl.conf diff');
}

/** Opens the Files tab of db1 with the cursor on its drifted template, postgresql.conf. */
async function onTemplate(c: ReturnType<typeof renderConsole>): Promise<void> {
  await waitForText(c.lastFrame, 'db1      1 drifted');
  await c.press('j', 'j', 'j', '3');
  await waitForText(c.lastFrame, '4 planned files');
  await c.press('j', 'j');
  await waitForText(c.lastFrame, '> M /etc/postgresql/16/main/postgresql.conf');
}

describe('answering a drifted plain file', () => {
  it('a opens the choices (adopt for every host, keep on this host, revert) in the choice widget; Esc closes it, nothing called', async () => {
    const c = renderConsole({ drift: true });
    await onSysctl(c);
    await c.press('a');
    const frame = await waitForFlat(c, '/etc/sysctl.conf on web1: changed on the host since konf wrote it');
    expect(frame).toContain('from etc/files/etc/sysctl.conf');
    expect(frame).toContain("▸ 1. Adopt it for every host (web1's version)");
    expect(frame).toContain('2. Keep it on web1 only');
    expect(frame).toContain('3. Revert web1: deploy this file only');
    // What the highlighted choice does, and the keys from the keymap's `choice` context.
    expect(flat(frame)).toContain('every other host this changes is shown first');
    expect(frame).toMatch(/Enter choose/);
    expect(frame).toMatch(/Esc back/);
    await c.press('j');
    const second = await waitForFlat(c, '▸ 2. Keep it on web1 only');
    expect(second).toContain('adds /etc/sysctl.conf to etc/serverconfig/exclude/web1, with your name and the time');
    await c.press(KEYS.escape);
    await waitForFrame(c.lastFrame, (f) => !f.includes('Keep it on web1 only'));
    expect(c.session.callsOf('adoptPreview')).toHaveLength(0);
    expect(c.session.callsOf('adopt')).toHaveLength(0);
  });

  it('adopt for every host: the preview shows the repository edit and each other host it changes, with its diff; y writes it and the other hosts are re-checked', async () => {
    const c = renderConsole({ drift: true, rows: 40, columns: 100 });
    await onSysctl(c);
    await c.press('a', KEYS.enter);
    let frame = await waitForText(c.lastFrame, 'Adopt /etc/sysctl.conf from web1 into the repository, for every host?');
    expect(c.session.callsOf('adoptPreview').map((call) => call.args)).toEqual([['web1', '/etc/sysctl.conf', 'repo']]);
    expect(frame).toContain('edit etc/files/etc/sysctl.conf  (the live /etc/sysctl.conf of web1)');
    expect(frame).toContain('-vm.swappiness = 10');
    expect(frame).toContain('+vm.swappiness = 60');
    expect(frame).toContain('web1 after the edit: in sync');
    expect(frame).toContain('Other hosts this changes on their next deploy (2): web2, cache1');
    expect(frame).toContain('web2: M /etc/sysctl.conf');
    expect(frame).toContain('(the same change as on web2)');
    expect(c.session.callsOf('adopt')).toHaveLength(0);
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('adopt').map((call) => call.args)).toEqual([['web1', [['/etc/sysctl.conf', 'repo']]]]));
    frame = await waitForText(c.lastFrame, 'adopt done');
    // The repository change re-checks the hosts it concerns: web2 and cache1 now differ, web1's file is in sync.
    await waitForText(c.lastFrame, 'web2     1 pending', 'cache1   1 pending', 'web1     3 pending');
  });

  it('keep it on this host: the preview shows the exclude line and no other host affected; y excludes it', async () => {
    const c = renderConsole({ drift: true, rows: 30 });
    await onSysctl(c);
    await c.press('a', 'j', KEYS.enter);
    const frame = await waitForText(c.lastFrame, 'Keep /etc/sysctl.conf on web1 only (exclude it there)?');
    expect(frame).toContain('new file etc/serverconfig/exclude/web1');
    expect(frame).toMatch(/\+# kept on this host only \(konf adopt\): \/etc\/sysctl\.conf, by tester/);
    expect(frame).toContain('No other host is affected');
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('adopt').map((call) => call.args)).toEqual([['web1', [['/etc/sysctl.conf', 'exclude']]]]));
    await waitForText(c.lastFrame, 'web1     3 pending', 'web2     in sync', 'cache1   in sync');
  });

  it('revert: the confirmation is a deploy of that one file, warning of the hand edit; n runs nothing, y deploys --only that file', async () => {
    const c = renderConsole({ drift: true, rows: 30 });
    await onSysctl(c);
    await c.press('a', 'j', 'j', KEYS.enter);
    let frame = await waitForText(c.lastFrame, 'Deploy /etc/sysctl.conf only to web1 (revert it)?');
    expect(frame).toContain('web1: writes 1 file');
    expect(frame).toContain('M /etc/sysctl.conf  (+1 -1)');
    expect(frame).toContain('Overwrites the hand edit made on web1');
    await c.press('n');
    await waitForFrame(c.lastFrame, (f) => !f.includes('(revert it)?'));
    expect(c.session.callsOf('deploy')).toHaveLength(0);
    await c.press('a', 'j', 'j', KEYS.enter);
    await waitForText(c.lastFrame, '(revert it)?');
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('deploy')).toHaveLength(1));
    const [hosts, options] = c.session.callsOf('deploy')[0]!.args as [string[], { only?: string[]; confirmed?: Record<string, { writes?: string[] }> }];
    expect(hosts).toEqual(['web1']);
    expect(options.only).toEqual(['/etc/sysctl.conf']);
    // What was confirmed is that one write, not the host's whole diff.
    expect(options.confirmed?.web1?.writes?.map((w) => w.split('\t')[0])).toEqual(['/etc/sysctl.conf']);
    frame = await waitForText(c.lastFrame, 'deploy done', 'web1     3 pending');
  });

  it('Esc while the preview is computed drops it: no dialog opens', async () => {
    const c = renderConsole({ drift: true, checkDelayMs: 0 });
    await onSysctl(c);
    await c.press('a');
    await waitForText(c.lastFrame, 'Adopt it for every host');
    // Enter and Esc in one chunk: the preview is asked for, then dropped before it arrives.
    await c.press(`${KEYS.enter}${KEYS.escape}`);
    await eventually(() => expect(c.session.callsOf('adoptPreview')).toHaveLength(1));
    await waitForText(c.lastFrame, 'dropped: adopting /etc/sysctl.conf for every host');
    expect(c.lastFrame()).not.toContain('into the repository, for every host?');
  });

  it('a on a file in sync says so; nothing opens', async () => {
    const c = renderConsole({ drift: true });
    await waitForText(c.lastFrame, 'web2     in sync');
    await c.press('j', '3');
    await waitForText(c.lastFrame, '/etc/ntp.conf');
    await c.press('a');
    await waitForText(c.lastFrame, 'in sync on web2: nothing to answer');
    expect(c.lastFrame()).not.toContain('Keep it on web2 only');
  });
});

describe('answering template drift', () => {
  it('shows the provenance, offers $EDITOR (not adopt); the editor gets the keyboard, then the host is planned and checked again', async () => {
    let closeEditor: (result: { error?: string }) => void = () => {};
    const opened: string[] = [];
    const c = renderConsole({
      drift: true,
      rows: 30,
      columns: 120,
      app: {
        edit: (file) => {
          opened.push(file);
          return new Promise((resolve) => (closeEditor = resolve));
        },
      },
    });
    await onTemplate(c);
    await c.press('a');
    let frame = await waitForFlat(c, '/etc/postgresql/16/main/postgresql.conf on db1: changed on the host since konf wrote it');
    expect(frame).toContain('rendered from the template etc/files/etc/postgresql/16/main/postgresql.conf.tmpl');
    expect(frame).toContain('reading pg_shared_buffers');
    expect(frame).toContain('live file (-) beside the rendered one (+); v: side by side');
    expect(frame).toContain('▸ 1. Edit the template in $EDITOR');
    expect(frame).toContain('2. Keep it on db1 only');
    expect(frame).not.toContain('Adopt it for every host');
    await c.press(KEYS.enter);
    await eventually(() => expect(opened).toEqual(['/srv/fleet/etc/files/etc/postgresql/16/main/postgresql.conf.tmpl']));
    // While the editor has the terminal the console reads no keys: q does not quit, j moves nothing.
    const reloadsBefore = c.session.callsOf('reload').length;
    await c.press('q', 'j');
    expect(c.exited()).toBe(false);
    expect(c.lastFrame()).not.toContain('Quit konf?');
    closeEditor({});
    await eventually(() => expect(c.session.callsOf('reload').length).toBe(reloadsBefore + 1));
    frame = await waitForText(c.lastFrame, 'edited etc/files/etc/postgresql/16/main/postgresql.conf.tmpl: planning again');
    await eventually(() => expect(c.session.callsOf('check').filter((call) => call.args[0] === 'db1').length).toBeGreaterThan(1));
    // The keys work again.
    await c.press('4');
    await waitForText(c.lastFrame, ' 4 Diff ');
  });

  it('an editor that fails is reported; nothing is planned again', async () => {
    const c = renderConsole({ drift: true, columns: 120, app: { edit: async () => ({ error: 'vi exited with status 1' }) } });
    await onTemplate(c);
    await c.press('a', KEYS.enter);
    await waitForText(c.lastFrame, 'editing etc/files/etc/postgresql/16/main/postgresql.conf.tmpl failed: vi exited with status 1');
    expect(c.session.callsOf('reload')).toHaveLength(0);
  });

  it('keep a template on this host: exclude, previewed first', async () => {
    const c = renderConsole({ drift: true, rows: 30 });
    await onTemplate(c);
    await c.press('a', 'j', KEYS.enter);
    await waitForText(c.lastFrame, 'Keep /etc/postgresql/16/main/postgresql.conf on db1 only (exclude it there)?');
    expect(c.session.callsOf('adoptPreview').map((call) => call.args)).toEqual([['db1', '/etc/postgresql/16/main/postgresql.conf', 'exclude']]);
  });
});

describe('rebuild from History', () => {
  it('a host whose files are mostly missing: History offers the rebuild; B previews, names what it writes, y rebuilds from that snapshot', async () => {
    const c = renderConsole({ drift: true, rows: 30 });
    await waitForText(c.lastFrame, 'fresh1   3 pending');
    const snapshot = c.session.snapshotsOf('fresh1')[0]!;
    await c.press('G');
    await waitForText(c.lastFrame, '> fresh1');
    await c.press('5');
    let frame = await waitForText(c.lastFrame, '3 of 3 files missing · B rebuilds');
    await c.press('B');
    frame = await waitForText(c.lastFrame, `Rebuild fresh1 from snapshot ${snapshot.id.slice(0, 7)} (3 files)?`);
    expect(c.session.callsOf('rebuildPreview').map((call) => call.args)).toEqual([['fresh1', snapshot.id]]);
    expect(frame).toContain('Writes 3 files on fresh1');
    expect(frame).toContain('+ /etc/motd');
    expect(frame).toContain('A pre-rebuild snapshot is taken first');
    expect(c.session.callsOf('rebuild')).toHaveLength(0);
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('rebuild').map((call) => call.args.slice(0, 2))).toEqual([['fresh1', snapshot.id]]));
    // What was confirmed goes with it (the plan and the writes).
    expect(c.session.callsOf('rebuild')[0]!.args[2]).toMatchObject({ plan: c.session.planPrint('fresh1') });
    await waitForText(c.lastFrame, 'rebuild done', 'fresh1   in sync');
  });

  it('a host with its files present: History shows no rebuild offer (B still asks, from the keymap)', async () => {
    const c = renderConsole({ drift: true });
    await waitForText(c.lastFrame, 'web2     in sync');
    await c.press('j', '5');
    const frame = await waitForText(c.lastFrame, '3 snapshots, newest first');
    expect(frame).not.toContain('B rebuilds');
  });
});

describe('keymap', () => {
  it('answer, choose and rebuild are in the one table, with hints', () => {
    const by = (command: string) => KEYMAP.find((b) => b.command === command);
    expect(by('answer')).toMatchObject({ keys: ['a'], contexts: ['files', 'diff'], hint: 'answer' });
    expect(by('choose')).toMatchObject({ keys: ['enter'], contexts: ['choice'] });
    expect(by('rebuild')).toMatchObject({ keys: ['B'], contexts: ['history', 'preview'] });
  });
});
