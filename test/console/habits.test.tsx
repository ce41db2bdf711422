/**
 * Habits from k9s and lazygit, on the real App through ink-testing-library at 80×24: the
 * `:` palette, status filters and sorting, search in the diff and the log, `u`, and D on
 * hosts not checked yet.
 */
import { cleanup } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS, renderConsole, waitForFrame, waitForText } from '../helpers/consoleTesting.js';

afterEach(() => cleanup());

const lines = (frame: string) => frame.split('\n');
const hostColumn = (frame: string) => lines(frame).map((l) => l.split('\u2502')[0] ?? '');
const hostNames = (frame: string) =>
  hostColumn(frame)
    .slice(2)
    .map((l) => /^[ >][ *](\S+)\s/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);

describe('command palette', () => {
  it('lists the keymap\u2019s commands, narrows as you type, owns the keys and runs the choice', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press(':');
    let frame = await waitForText(c.lastFrame, ':\u2588', 'commands \u00b7 \u2191\u2193 choose');
    expect(frame).toMatch(/\u276f \u2191 k +Move up \/ scroll up/);
    expect(lines(frame).at(-1)).toMatch(/Enter run/);
    await c.type('dep');
    frame = await waitForText(c.lastFrame, ':dep\u2588');
    expect(frame).toMatch(/\u276f D +Deploy the selected or marked hosts \(asks first\)/);
    await c.press(...Array(3).fill(KEYS.backspace));
    await c.type('snap');
    frame = await waitForText(c.lastFrame, ':snap\u2588');
    expect(frame).toMatch(/\u276f S +Snapshot the selected or marked hosts/);
    expect(frame).not.toContain('Deploy the selected');
    await c.press(KEYS.enter);
    frame = await waitForText(c.lastFrame, 'Snapshot 1 host: web1?');
    expect(frame).not.toContain(':snap');
    await c.press('n');
    // q typed in the palette is text, not quit.
    await c.press(':', 'q');
    frame = await waitForText(c.lastFrame, ':q\u2588');
    expect(c.exited()).toBe(false);
    await c.press(KEYS.down);
    frame = await waitForFrame(c.lastFrame, (f) => /\u276f Ctrl-C/.test(f), 15_000, 'the second match highlighted');
    await c.press(KEYS.escape);
    frame = await waitForFrame(c.lastFrame, (f) => !f.includes(':q\u2588') && f.includes('Hosts 9'));
    expect(c.exited()).toBe(false);
  });
});

describe('host list by status, sorted', () => {
  it('filters with /pending and /status=drifted; s sorts and says how in the heading', async () => {
    const c = renderConsole();
    let frame = await waitForText(c.lastFrame, 'web1     3 pending', 'db1      1 drifted', 'lb1      1 pending', 'gone1    unreachable', 'busy1    locked');
    // The default order is named only while the column labels fit (they do not in this list's width).
    expect(frame).toMatch(/Hosts 9( \u00b7 by name)?/);
    await c.press('/');
    await c.type('pending');
    frame = await waitForText(c.lastFrame, '/pending\u2588', 'Hosts 4/9');
    expect(hostNames(frame)).toEqual(['web1', 'web3', 'db1', 'lb1']);
    await c.press(...Array(7).fill(KEYS.backspace));
    await c.type('status=drifted');
    frame = await waitForText(c.lastFrame, 'Hosts 1/9');
    expect(hostNames(frame)).toEqual(['db1']);
    await c.press(KEYS.escape);
    await waitForText(c.lastFrame, 'Hosts 9');
    await c.press('s');
    frame = await waitForText(c.lastFrame, 'by status');
    expect(hostNames(frame).slice(0, 4)).toEqual(['bad1', 'gone1', 'busy1', 'db1']);
    await c.press('s');
    await waitForText(c.lastFrame, 'by change');
  });
});

describe('search', () => {
  it('/ in the diff jumps to the match and n goes on; the hint bar names the search', async () => {
    const c = renderConsole({ prefs: { lastHost: 'db1' } });
    await waitForText(c.lastFrame, 'db1      1 drifted');
    await c.press('d');
    await waitForText(c.lastFrame, 'shared_buffers = 4GB');
    await c.press('/');
    let frame = await waitForText(c.lastFrame, '/\u2588  Enter keeps (n/N: matches)');
    await c.type('max_conn');
    frame = await waitForText(c.lastFrame, '/max_conn\u2588');
    await c.press(KEYS.enter);
    frame = await waitForText(c.lastFrame, '/max_conn (n/N)');
    expect(frame).toContain('max_connections = 200');
    await c.press('n');
    frame = await waitForText(c.lastFrame, 'no more matches for max_conn');
  });

  it('/ in the log filters by host and level, and finds text', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('S', 'y');
    await waitForText(c.lastFrame, 'snapshot done', 'snapshot started on 1 host');
    await c.press('l', '/');
    await c.type('host=nobody');
    let frame = await waitForText(c.lastFrame, 'Log (follow) /host=nobody');
    expect(frame).not.toContain('snapshot started');
    await c.press(...Array(6).fill(KEYS.backspace));
    await c.type('web1');
    frame = await waitForText(c.lastFrame, '/host=web1\u2588');
    expect(frame).not.toContain('snapshot started'); // konf's own line (no host) is filtered out
    expect(frame).toMatch(/web1 +\u2502 /);
    await c.type(' level=error');
    frame = await waitForText(c.lastFrame, '/host=web1 level=error\u2588');
    expect(frame).not.toMatch(/web1 +\u2502 /);
    await c.press(KEYS.escape);
    frame = await waitForText(c.lastFrame, 'snapshot started on 1 host');
  });
});

describe('u: undo', () => {
  it('the History tab says what u would undo; u previews it and asks as a rollback does', async () => {
    const c = renderConsole();
    await waitForText(c.lastFrame, 'web1     3 pending');
    await c.press('5');
    let frame = await waitForText(c.lastFrame, 'u undoes the deploy');
    expect(frame).toMatch(/u undoes the deploy 1h ago by alice \u2192 [0-9a-f]{7}/);
    await c.press(KEYS.escape, 'u');
    frame = await waitForText(c.lastFrame, 'Roll back web1 to snapshot', 'u undoes the deploy of');
    expect(frame).toContain('A pre-rollback snapshot is taken first, so this can be undone.');
    await c.press('y');
    await waitForText(c.lastFrame, 'rollback done');
    expect(c.session.callsOf('rollback')).toHaveLength(1);
    // The rollback took a pre-rollback snapshot: u now undoes the rollback.
    frame = await waitForText(c.lastFrame, 'u undoes the rollback 0s ago by');
  });
});

describe('D before the check is in', () => {
  it('checks first and never offers "0+ files … not checked yet"', async () => {
    const c = renderConsole({ checkDelayMs: 300 });
    await waitForText(c.lastFrame, 'web1');
    await c.press('D');
    const frame = await waitForText(c.lastFrame, 'Deploy 3 files to 1 host: web1?');
    expect(frame).not.toMatch(/\+ files|not checked yet/);
    expect(c.frames.join('\n')).not.toMatch(/\d\+ files/);
  });
});
