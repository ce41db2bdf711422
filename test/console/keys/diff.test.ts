/** Keys in the Diff tab (keys/diff.ts): files of the selected or marked hosts, hunks, layout, paging. */
import { describe, expect, it } from 'vitest';
import { fileDoc } from '../../../src/console/diffRows.js';
import { diffEntries, diffViewRows } from '../../../src/console/state/select.js';
import { checked, drained, effects, init, keys } from '../../helpers/reducerTesting.js';

describe('diff view state', () => {
  it('shows the selected (or marked) hosts\u2019 pending files', async () => {
    let s = await checked(init());
    s = keys(s, 'd');
    expect(s.tab).toBe('diff');
    expect(s.focus).toBe('detail');
    expect(effects(s)).toEqual([{ type: 'check', hosts: ['web1'], priority: true }]);
    // /etc/hosts is excluded on web1: one collapsed row, listed by x
    expect(diffEntries(s).map((e) => e.change.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/motd', '/etc/ssh/sshd_config']);
    expect(diffEntries(keys(s, 'x')).map((e) => e.change.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/motd', '/etc/ssh/sshd_config', '/etc/hosts']);
    s = keys(drained(s), '<esc>', ' ', 'j', ' ', 'd');
    expect(s.diffHosts).toEqual(['web1', 'web3']);
    expect(diffEntries(s).map((e) => `${e.host}:${e.change.path}`)).toContain('web3:/usr/local/share/konf/logo.png');
  });

  it('moves between files and hunks, across files at the ends', async () => {
    let s = keys(await checked(init()), 'd');
    expect(s.diffCursor).toEqual({ file: 0, top: 0, left: 0 });
    s = keys(s, 'n');
    expect(s.diffCursor.top).toBeGreaterThan(0); // second hunk of nginx.conf
    s = keys(s, 'n');
    expect(s.diffCursor.file).toBe(1); // no more hunks: next file
    s = keys(s, 'N');
    expect(s.diffCursor.file).toBe(0);
    s = keys(s, ']', ']', ']', ']', ']');
    expect(s.diffCursor.file).toBe(2); // the excluded /etc/hosts is not a stop
    expect(s.notice).toBe('last file \u00b7 1 excluded file not shown (x shows them)');
    s = keys(s, '[');
    expect(s.diffCursor).toEqual({ file: 1, top: 0, left: 0 });
  });

  it('toggles the layout and keeps the hunk in view', async () => {
    // 80×18 with an empty log: the diff body is 9 rows, shorter than nginx.conf's diff
    let s = keys(await checked(init({ size: { columns: 80, rows: 18 } })), 'd', 'j', 'j', 'j');
    const change = diffEntries(s)[0]!.change;
    const inView = (row: number) => row >= s.diffCursor.top && row < s.diffCursor.top + diffViewRows(s);
    expect(s.diffCursor.top).toBe(3);
    s = keys(s, 'v');
    expect(s.layout).toBe('side-by-side');
    expect(s.diffCursor.top).toBe(3); // same hunk (the first), same distance into it
    s = keys(s, 'n');
    expect(inView(fileDoc(change, 'side-by-side').hunks[1]!)).toBe(true);
    s = keys(s, 'v');
    expect(s.layout).toBe('unified');
    expect(inView(fileDoc(change, 'unified').hunks[1]!)).toBe(true);
  });

  it('pages through a 20,000-line file', async () => {
    let s = await checked(init({ lastHost: 'big1' }));
    s = keys(s, 'd', '<pgdn>');
    expect(s.diffCursor.top).toBeGreaterThan(5);
    s = keys(s, 'G');
    expect(s.diffCursor.top).toBeGreaterThan(19_980);
    s = keys(s, 'g');
    expect(s.diffCursor.top).toBe(0);
  });
});
