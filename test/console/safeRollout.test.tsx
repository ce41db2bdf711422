/**
 * Safe rollouts on screen (issue 12), the real App on a FakeSession through
 * ink-testing-library: `D` on marked hosts offers waves in its confirmation (an
 * ink-select-input list driven by the keymap), the log pane shows wave progress and
 * counts down each armed revert, the host's badge counts down too, and `V` shows the
 * etc/validate file checks on staged copies. Frames are awaited, never slept for.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, renderConsole, waitForFrame, waitForText } from '../helpers/consoleTesting.js';

afterEach(() => cleanup());

const START = Date.parse('2026-05-01T12:00:00Z');
/** The host list column of a frame's row for `host`. */
const hostRow = (frame: string, host: string) => frame.split('\n').find((l) => new RegExp(`^[ >][ *]${host} `).test(l)) ?? '';

describe('D on marked hosts offers a rollout in waves', () => {
  it('chooses waves with the arrow keys, deploys wave after wave, and shows wave progress and the revert countdown', async () => {
    let clock = START;
    const c = renderConsole({ confirmWithin: 30, holdConfirm: true, app: { now: () => new Date(clock) } });
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press(' ', 'j', ' ', 'D'); // web1 and web3
    let frame = await waitForText(c.lastFrame, 'Deploy 4 files to 2 hosts: web1, web3?', 'Rollout', '\u276f all 2 hosts at once', 'waves 1,100%: 1 + 1');
    // The dialog's key hints come from the keymap, like every other hint.
    expect(frame).toContain('\u2192/w rollout');
    await c.press(KEYS.right);
    frame = await waitForText(c.lastFrame, '\u276f waves 1,100%: 1 + 1');
    expect(frame).not.toContain('\u276f all 2 hosts at once');
    await c.press(KEYS.left, KEYS.right, 'y');
    // Wave 1 (web1) waits with its revert armed: the log pane's heading shows the wave, its
    // last row and web1's badge count down.
    frame = await waitForText(c.lastFrame, 'wave 1/2: 0/1 done', '\u23f1 web1 reverts itself in 30 s unless konf gets in');
    expect(hostRow(frame, 'web1')).toContain('confirm 30s');
    expect(hostRow(frame, 'web3')).toContain('running start');
    expect(c.session.callsOf('deploy')[0]?.args[1]).toMatchObject({ waves: '1,100%' });
    clock += 12_000;
    frame = await waitForText(c.lastFrame, 'reverts itself in 18 s');
    expect(hostRow(frame, 'web1')).toContain('confirm 18s');
    c.session.releaseConfirm();
    frame = await waitForFrame(c.lastFrame, (f) => /deploy done/.test(f) && !f.includes('\u23f1'));
    expect(hostRow(frame, 'web1')).not.toMatch(/confirm \d+s/);
    await c.press('z');
    frame = await waitForText(c.lastFrame, 'wave 1/2: 1 of 1 host(s) done', 'wave 2/2: web3', 'wave 2/2: 1 of 1 host(s) done');
    expect(frame.indexOf('wave 1/2: 1 of 1 host(s) done')).toBeLessThan(frame.indexOf('wave 2/2: web3'));
  });

  it('offers no rollout choice for one host', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('D');
    const frame = await waitForText(c.lastFrame, 'Deploy 3 files to 1 host: web1?');
    expect(frame).not.toContain('Rollout');
    await c.press('y');
    await waitForText(c.lastFrame, 'deploy done');
    expect(c.session.callsOf('deploy')[0]?.args[1]).not.toHaveProperty('waves');
  });
});

describe('V runs the etc/validate file checks on staged copies', () => {
  it('shows each check and the validator’s own words in the log, and the verdict on the title bar', async () => {
    const c = renderConsole({ columns: 100 });
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('V');
    let frame = await waitForText(c.lastFrame, 'web1: 1 of 2 file checks failed: a deploy would be refused');
    await c.press('z');
    frame = await waitForText(c.lastFrame, '\u2717 /etc/sudoers.d/ops: etc/validate:3 visudo -cf %s on the staged copy: exit 1', '/etc/sudoers.d/.konf-tmp-1-ops:2:16: syntax error');
    expect(frame).toContain('\u2713 /etc/nginx/nginx.conf: etc/validate:5 nginx -t -c %s on the staged copy: passed');
    expect(c.session.callsOf('validate').map((call) => call.args[0])).toEqual(['web1']);
    // Nothing was deployed: the badge still says what is pending.
    expect(c.session.callsOf('deploy')).toEqual([]);
  });
});
