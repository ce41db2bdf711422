/**
 * The diff view at 80×24 (issue 13): n/N bring a change far to the right into view, wrap,
 * excluded files collapsed per host and skipped by n/N/], identical changes across hosts
 * listed once.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { changedSpan, diffTextWidth, fileDoc, viewDoc } from '../../../src/console/diffRows.js';
import { diffEntries, diffViewWidth, shownExcluded } from '../../../src/console/state/select.js';
import type { AppState } from '../../../src/console/state/types.js';
import { reducer } from '../../../src/console/state/reducer.js';
import { diffHost } from '../../../src/core/diff/compare.js';
import type { LiveEntry } from '../../../src/core/remote/types.js';
import { checked, drained, init, keys } from '../../helpers/reducerTesting.js';

function live(path: string, text: string): LiveEntry {
  const content = Buffer.from(text);
  return { path, state: 'file', content, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' };
}

/** A host whose /etc/app.conf has one change at column 240 of a long line, and a second file; plus 3 excluded paths. */
function withLongLine(state: AppState): AppState {
  const head = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
  const long = (value: string) => `${'k'.repeat(240)}=${value}${'.'.repeat(40)}`;
  const rule = { pattern: '/etc/local/*', file: 'etc/excludes/web2', line: 1 };
  const diff = diffHost(
    'web2',
    [
      { path: '/etc/app.conf', state: 'file', content: Buffer.from(`${head}\n${long('old')}\n${head}\n`.replace('line 3\n', 'line three\n')) },
      { path: '/etc/other.conf', state: 'file', content: Buffer.from('b\n') },
    ],
    [live('/etc/app.conf', `${head}\n${long('new')}\n${head}\n`), live('/etc/other.conf', 'a\n')],
    { excluded: ['/etc/local/1', '/etc/local/2', '/etc/local/3'].map((path) => ({ path, rule })) },
  );
  return drained(reducer({ ...state, selected: 'web2' }, { type: 'check/result', check: { host: 'web2', status: { kind: 'pending', count: 2 }, diff } }));
}

describe('n/N in a diff with a long line', () => {
  it('scroll sideways to the changed span (column 240), and back to 0 for a change near the start', async () => {
    let s = withLongLine(await checked(init()));
    s = keys(s, 'd');
    expect(diffEntries(s).map((e) => e.change.path)).toEqual(['/etc/app.conf', '/etc/other.conf']);
    s = keys(s, 'n');
    expect(s.diffCursor.file).toBe(0);
    const doc = fileDoc(diffEntries(s)[0]!.change, 'unified');
    const span = changedSpan(doc, doc.hunks[1]!)!;
    expect(span.column).toBe(241);
    const room = diffTextWidth('unified', diffViewWidth(s), doc.numberWidth);
    // the changed span is on screen now
    expect(s.diffCursor.left).toBeLessThanOrEqual(241);
    expect(s.diffCursor.left + room).toBeGreaterThanOrEqual(241 + span.width);
    // back to the first hunk (its change is at column 0): the view goes back to the start
    s = keys(s, 'N');
    expect(s.diffCursor.left).toBe(0);
  });

  it('in side-by-side too', async () => {
    let s = withLongLine(await checked(init({ layout: 'side-by-side' })));
    s = keys(s, 'd', 'n');
    const doc = fileDoc(diffEntries(s)[0]!.change, 'side-by-side');
    const room = diffTextWidth('side-by-side', diffViewWidth(s), doc.numberWidth);
    expect(s.diffCursor.left).toBeGreaterThan(0);
    expect(s.diffCursor.left + room).toBeGreaterThan(241);
  });

  it('W wraps long lines: no sideways offset, the long line on several rows, hunks still reached', async () => {
    let s = withLongLine(await checked(init()));
    s = keys(s, 'd', 'W');
    expect(s.diffWrap).toBe(true);
    const change = diffEntries(s)[0]!.change;
    const wrapped = viewDoc(change, 'unified', true, diffViewWidth(s));
    expect(wrapped.rows.length).toBeGreaterThan(fileDoc(change, 'unified').rows.length + 4);
    s = keys(s, 'n');
    expect(s.diffCursor.left).toBe(0);
    expect(s.diffCursor.top).toBe(Math.min(wrapped.hunks[1]!, wrapped.rows.length));
    s = keys(s, 'W');
    expect(s.diffWrap).toBe(false);
  });
});

describe('excluded files in the diff', () => {
  it('are one collapsed row per host; n, N and ] skip them; the end says so; x lists them', async () => {
    let s = withLongLine(await checked(init()));
    s = keys(s, 'd');
    expect(shownExcluded(s)).toEqual([{ host: 'web2', count: 3 }]);
    s = keys(s, 'n', 'n', 'n', 'n');
    expect(s.diffCursor.file).toBe(1);
    expect(s.notice).toBe('last change \u00b7 3 excluded files not shown (x shows them)');
    s = keys(s, ']');
    expect(s.diffCursor.file).toBe(1);
    expect(s.notice).toMatch(/^last file/);
    s = keys(s, 'x');
    expect(shownExcluded(s)).toEqual([]);
    expect(diffEntries(s).map((e) => e.change.kind)).toEqual(['modified', 'modified', 'excluded', 'excluded', 'excluded']);
    expect(s.diffCursor.file).toBe(1);
    // n still skips them (they are not changes); ] lists them now that they are shown
    s = keys(s, 'n');
    expect(s.diffCursor.file).toBe(1);
    expect(s.notice).toBe('last change');
    s = keys(s, ']');
    expect(s.diffCursor.file).toBe(2);
  });
});

describe('a multi-host diff', () => {
  it('shows a change identical on several hosts once, with its hosts', async () => {
    let s = await checked(init());
    // web2 gets exactly web1's changes but nginx.conf
    const web1 = s.checks.web1!.diff!;
    const files = web1.files.filter((f) => f.path !== '/etc/nginx/nginx.conf');
    s = drained(reducer(s, { type: 'check/result', check: { host: 'web2', status: { kind: 'pending', count: 2 }, diff: { host: 'web2', files, pending: 2 } } }));
    s = { ...s, marks: { web1: true, web2: true } };
    s = keys(s, 'd');
    expect(s.diffHosts).toEqual(['web1', 'web2']);
    const entries = diffEntries(s);
    const motd = entries.filter((e) => e.change.path === '/etc/motd');
    expect(motd).toHaveLength(1);
    expect(motd[0]!.hosts).toEqual(['web1', 'web2']);
    expect(entries.map((e) => e.change.path)).toEqual(['/etc/nginx/nginx.conf', '/etc/motd', '/etc/ssh/sshd_config']);
    // excluded files: one collapsed row per host
    expect(shownExcluded(s)).toEqual([
      { host: 'web1', count: 1 },
      { host: 'web2', count: 1 },
    ]);
    // a change only one host has keeps that host alone
    expect(entries.find((e) => e.change.path === '/etc/nginx/nginx.conf')?.hosts).toEqual(['web1']);
  });
});
