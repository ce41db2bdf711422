/** Inventory columns in the rendered console: the session's addresses and last deploys in the host list, following a deploy's events. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, KEYS, renderConsole, waitForFrame, waitForText, type ConsoleHarness } from '../helpers/consoleTesting.js';

const NOW = new Date('2026-05-01T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const inventory = {
  web1: { address: '10.0.0.5:2222', lastDeploy: { time: hoursAgo(2), operator: 'alice', ok: true, kind: 'deploy' as const } },
  web2: { address: 'web2.example.net', lastDeploy: { time: hoursAgo(26), operator: 'bob', ok: true, kind: 'deploy' as const } },
};

let open: ConsoleHarness[] = [];
afterEach(() => {
  for (const c of open) c.unmount();
  open = [];
});
function start(columns: number, rows = 30): ConsoleHarness {
  const c = renderConsole({ now: NOW, columns, rows, inventory });
  open.push(c);
  return c;
}
const rowOf = (frame: string, host: string) => frame.split('\n').find((l) => new RegExp(`^[> ][ *]?${host} `).test(l.replace(/^\u2502/, ''))) ?? '';

describe('inventory columns in the console', () => {
  it('at 120 columns: the heading labels address and deployed, a row shows its address and "2h alice"', async () => {
    const c = start(120);
    const frame = await waitForText(c.lastFrame, '10.0.0.5:2222', '2h alice', 'web2.example.net', '1d bob');
    const heading = frame.split('\n').find((l) => l.includes('address')) ?? '';
    expect(heading).toContain('deployed');
    const web1 = rowOf(frame, 'web1');
    expect(web1).toMatch(/web1 .*10\.0\.0\.5:2222 +2h alice/);
    expect(c.session.callsOf('inventory')).toHaveLength(1);
  });

  it('a deploy\u2019s host-result updates the host\u2019s deployed cell without a reload', async () => {
    const c = start(120);
    await waitForText(c.lastFrame, '2h alice', 'web1     3 pending');
    await c.press('D', 'y');
    const frame = await waitForText(c.lastFrame, 'deploy done');
    // The fake's events carry the real clock, the console's "now" is the fake's: the age floors at 0s.
    expect(rowOf(frame, 'web1')).toMatch(/10\.0\.0\.5:2222 +0s tester/);
    expect(frame).not.toContain('2h alice');
    expect(c.session.callsOf('inventory')).toHaveLength(1); // from the events, not read again
  });

  it('after a rollback the header says "rolled back", not "deployed", and the cell says (rollback), as konf hosts does', async () => {
    const c = start(140);
    let frame = await waitForText(c.lastFrame, '2h alice', 'web1     3 pending');
    expect(frame).toContain('deployed 2h ago by alice');
    await c.press('u');
    await waitForText(c.lastFrame, 'Roll back web1 to snapshot');
    await c.press('y');
    frame = await waitForText(c.lastFrame, 'rollback done', 'rolled back 0s ago by tester');
    expect(frame).not.toContain('deployed 0s ago');
    expect(rowOf(frame, 'web1')).toMatch(/10\.0\.0\.5:2222 +0s tester \(rollback\)/);
  });

  it('at 100 columns the most wanted column shows (address), the least wanted drops; at 80 both drop and names and badges stay whole', async () => {
    const wide = start(100);
    const at100 = await waitForFrame(wide.lastFrame, (f) => /web1 +3 pending +10\.0\.0\.5:2222 /.test(f) && f.includes('web2.example.net'), 15_000, 'web1 checked, with its address');
    expect(rowOf(at100, 'web1')).toMatch(/web1 +3 pending +10\.0\.0\.5:2222 /);
    expect(at100.split('\n')[1]).toMatch(/status +address/);
    expect(at100.split('\n').map((l) => l.slice(0, 50)).join('\n')).not.toContain('alice');
    const c = start(80, 24);
    await waitForText(c.lastFrame, 'web1     3 pending');
    // The inventory has been answered (the detail header shows the address whole) ...
    const frame = await waitForFrame(c.lastFrame, (f) => f.includes('10.0.0.5:2222'), 15_000, 'the address in the detail header');
    // ... yet the list has no room for its columns: no heading label, no cell in the rows.
    const list = frame.split('\n').map((l) => l.slice(0, 40));
    expect(list.join('\n')).not.toMatch(/address|deployed|2h alice/);
    expect(rowOf(frame, 'web1')).toMatch(/web1 +3 pending/);
    expect(rowOf(frame, 'web2')).toMatch(/web2 +in sync/);
  });
});

describe('choosing the columns in the console (C)', () => {
  it('C lists address, deployed and the switches; Enter toggles one (the list shows it at once) and the preference is saved', async () => {
    const c = start(140);
    await waitForText(c.lastFrame, '10.0.0.5:2222', '2h alice');
    await c.press('C');
    let frame = await waitForText(c.lastFrame, 'Host list columns');
    expect(frame).toMatch(/\[x\] address/);
    expect(frame).toMatch(/\[x\] deployed/);
    for (const key of ['env', 'role', 'os']) expect(frame).toMatch(new RegExp(`\\[ \\] ${key}\\b`));
    // Down to "role" and show it: the list gains its column, after the others.
    const items = frame.split('\n').filter((l) => /\[[x ]\] /.test(l));
    const roleAt = items.findIndex((l) => /\[ \] role\b/.test(l));
    expect(roleAt).toBeGreaterThan(1);
    await c.press(...Array.from({ length: roleAt }, () => 'j'), KEYS.enter);
    frame = await waitForFrame(c.lastFrame, (f) => /\[x\] role/.test(f), 5000, 'role shown');
    // Saved by the App's effect, after the frame that shows it.
    await eventually(() => expect(c.prefs.saved.at(-1)).toEqual({ columns: ['address', 'deployed', 'role'] }));
    // Hide the address (the first row): saved, and the list loses the column once the chooser closes.
    await c.press('g', KEYS.enter, KEYS.escape);
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes('Host list columns') && !rowOf(f, 'web1').includes('10.0.0.5:2222'), 5000, 'address hidden');
    await eventually(() => expect(c.prefs.saved.at(-1)).toEqual({ columns: ['deployed', 'role'] }));
    expect(rowOf(frame, 'web1')).toMatch(/web1 .*2h alice +web\b/);
    expect(frame.split('\n')[1]).toMatch(/deployed +role/);
  });
});
