/**
 * The console shows what is true now (issue 10, items 1, 2, 3 and 5, with ink-testing-library
 * on the fake session): an edit to the repository re-checks the hosts it concerns without
 * a key; `R` re-reads the repository; a deploy confirms exactly the plan it shows (and
 * names hand edits); History and previews follow the operations; a lock can be broken from
 * the console, naming its holder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, renderConsole, waitForFrame, waitForText, type ConsoleHarness } from '../helpers/consoleTesting.js';

let harness: ConsoleHarness | undefined;
afterEach(() => {
  harness?.unmount();
  harness = undefined;
});

function open(options: Parameters<typeof renderConsole>[0] = {}): ConsoleHarness {
  harness = renderConsole({ columns: 120, rows: 36, ...options });
  return harness;
}

describe('the repository as it is on disk', () => {
  it('an edit to the repository re-checks the host by itself; the next deploy lists and writes the new file, and the host ends in sync', async () => {
    const c = open();
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    await eventually(() => expect(c.session.watched()).toBe(true));
    const checksBefore = c.session.callsOf('check').filter((call) => call.args[0] === 'web1').length;

    c.session.editRepo(['web1'], { path: '/etc/big.conf', desired: 'big = yes\n' });
    await waitForFrame(c.lastFrame, (f) => /web1 +4 pending/.test(f), 15_000, 'web1 re-checked after the edit');
    expect(c.session.callsOf('check').filter((call) => call.args[0] === 'web1').length).toBeGreaterThan(checksBefore);
    expect(c.lastFrame()).toMatch(/repository changed \(etc\/files\/etc\/big\.conf\): re-checking 1 host/);

    await c.press('D');
    const dialog = await waitForText(c.lastFrame, 'Deploy 4 files to 1 host: web1?');
    expect(dialog).toContain('/etc/big.conf');
    await c.press('y');
    await waitForFrame(c.lastFrame, (f) => /web1 +in sync/.test(f), 15_000, 'web1 in sync');
    const deploy = c.session.callsOf('deploy')[0]!;
    // The deploy carries the plan the dialog was made from: the one with big.conf.
    expect(deploy.args[1]).toMatchObject({ confirmed: { web1: { plan: c.session.planPrint('web1') } } });
  });

  it('D right after an edit waits for the re-check, so the dialog never lists a stale plan', async () => {
    const c = open({ checkDelayMs: 30 });
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    await eventually(() => expect(c.session.watched()).toBe(true));
    c.session.editRepo(['web1'], { path: '/etc/big.conf', desired: 'big = yes\n' });
    await c.press('D');
    const dialog = await waitForText(c.lastFrame, 'Deploy 4 files to 1 host: web1?');
    expect(dialog).toContain('/etc/big.conf');
  });

  it('a deploy confirmed before the repository changed stops the host ("the repository changed after you confirmed")', async () => {
    const c = open({ holdOperations: false });
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    await c.press('D');
    await waitForText(c.lastFrame, 'Deploy 3 files to 1 host: web1?');
    // The file changes between the dialog and `y`, unseen by the console's watcher.
    c.session.editRepo(['web1'], { path: '/etc/motd', desired: 'a newer motd\n' }, false);
    await c.press('y');
    await waitForText(c.lastFrame, 'the repository changed after you confirmed');
  });

  it('R re-reads the repository, re-checks, and its notice goes once the checks are in', async () => {
    const c = open();
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    c.session.editRepo(['web1'], { path: '/etc/big.conf', desired: 'big = yes\n' }, false);
    await c.press('R');
    await eventually(() => expect(c.session.callsOf('reload')).toHaveLength(1));
    await waitForFrame(c.lastFrame, (f) => /web1 +4 pending/.test(f), 15_000, 'web1 re-checked after R');
    // No key pressed since R: the "re-checking" notice went away by itself.
    await waitForFrame(c.lastFrame, (f) => !f.includes('re-reading the repository'), 15_000, 'the notice to clear');
  });

  it('names the hand edit a deploy overwrites', async () => {
    const c = open({ prefs: { lastHost: 'db1' } });
    await waitForFrame(c.lastFrame, (f) => /db1 +1 drifted/.test(f), 15_000, 'db1 checked');
    await c.press('D');
    const dialog = await waitForText(c.lastFrame, 'Deploy 1 file to 1 host: db1?');
    expect(dialog).toMatch(/postgresql\.conf .*overwrites a hand edit/);
    expect(dialog).toMatch(/Overwrites 1 hand edit made on the host since konf wrote it: db1:\/etc\/postgresql/);
  });
});

describe('views follow the operations', () => {
  it('History shows a deploy’s snapshot at the top at once; a rollback closes its stale preview and shows its own', async () => {
    const c = open();
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    await c.press('5');
    await waitForText(c.lastFrame, '3 snapshots, newest first');
    await c.press('D');
    await waitForText(c.lastFrame, 'Deploy 3 files to 1 host: web1?');
    await c.press('y');
    // No key after the deploy: History lists the new pre-deploy snapshot on top.
    const frame = await waitForText(c.lastFrame, '4 snapshots, newest first');
    const newest = c.session.snapshotsOf('web1')[0]!;
    expect(newest.reason).toBe('pre-deploy');
    const rows = frame.split('\n').filter((l) => /pre-deploy|manual|pre-rollback/.test(l));
    expect(rows[0]).toContain(newest.id.slice(0, 7));

    // Preview the deploy's snapshot, roll back to it: the preview closes, History gains the pre-rollback snapshot.
    await c.press('\r');
    await waitForText(c.lastFrame, 'Rollback preview: web1');
    await c.press('r');
    await waitForText(c.lastFrame, 'Roll back web1 to snapshot');
    await c.press('y');
    const after = await waitForText(c.lastFrame, '5 snapshots, newest first');
    expect(after).not.toContain('Rollback preview:');
    expect(c.session.snapshotsOf('web1')[0]?.reason).toBe('pre-rollback');
    expect(after.split('\n').find((l) => l.includes('pre-rollback') && l.includes(c.session.snapshotsOf('web1')[0]!.id.slice(0, 7)))).toBeDefined();
  });

  it('a snapshot appears in History at once', async () => {
    const c = open({ prefs: { lastHost: 'web2' } });
    await waitForFrame(c.lastFrame, (f) => /web2 +in sync/.test(f), 15_000, 'web2 checked');
    await c.press('5');
    await waitForText(c.lastFrame, '3 snapshots, newest first');
    await c.press('S');
    await waitForText(c.lastFrame, 'Snapshot 1 host: web2?');
    await c.press('y');
    await waitForText(c.lastFrame, '4 snapshots, newest first');
  });
});

describe('locks', () => {
  it('U breaks a lock after a confirmation naming its holder; the host is checked again', async () => {
    const c = open({ prefs: { lastHost: 'busy1' } });
    const locked = await waitForFrame(c.lastFrame, (f) => /busy1 +locked by bob@/.test(f), 15_000, 'busy1 locked');
    expect(locked).toMatch(/locked by bob@jump2 \(pid 4242, deploy\) since .* U breaks it/);
    await c.press('U');
    const dialog = await waitForText(c.lastFrame, 'Break the lock of busy1 held by bob@jump2?');
    expect(dialog).toContain('Held by bob@jump2 (pid 4242, deploy)');
    await c.press('y');
    await eventually(() => expect(c.session.callsOf('breakLock')[0]?.args).toEqual(['busy1', 'op-bob']));
    await waitForFrame(c.lastFrame, (f) => /busy1 +1 pending/.test(f), 15_000, 'busy1 re-checked');
  });

  it('U on a host that is not locked says so and does nothing', async () => {
    const c = open();
    await waitForFrame(c.lastFrame, (f) => /web1 +3 pending/.test(f), 15_000, 'web1 checked');
    await c.press('U');
    await waitForText(c.lastFrame, 'web1 is not locked');
    expect(c.session.callsOf('breakLock')).toHaveLength(0);
  });
});
