/** `/` in the diff and the log (keys/search.ts, state/search.ts): n/N from match to match while a search is active; the log filtered by host and level. */
import { describe, expect, it } from 'vitest';
import { fileDoc } from '../../../src/console/diffRows.js';
import { reducer } from '../../../src/console/state/reducer.js';
import { filteredLog, parseLogQuery, rowText } from '../../../src/console/state/search.js';
import { activeContexts, diffEntries } from '../../../src/console/state/select.js';
import type { AppState } from '../../../src/console/state/types.js';
import { checked, init, keys, typed } from '../../helpers/reducerTesting.js';

/** The text of the diff row a search stopped at. */
function hitText(s: AppState): string {
  const hit = s.search.diffHit!;
  return rowText(fileDoc(diffEntries(s)[hit.file]!.change, s.layout).rows[hit.row]!);
}

describe('search in the diff', () => {
  it('jumps to matches as you type, n/N go from match to match across files, Esc gives n/N back to the hunks', async () => {
    let s = keys(await checked(init()), 'd', '/');
    expect(activeContexts(s)).toEqual(['search']);
    s = typed(s, 'n');
    s = typed(s, 'ginx'); // "nginx" — the n typed is text, not "next"
    expect(s.search.diff).toBe('nginx');
    expect(hitText(s)).toContain('nginx');
    s = keys(s, '<enter>');
    expect(activeContexts(s)[0]).toBe('diff');
    const first = s.search.diffHit!;
    s = keys(s, 'n');
    expect(s.search.diffHit!.row).toBeGreaterThan(first.row);
    expect(hitText(s)).toContain('nginx');
    s = keys(s, 'N');
    expect(s.search.diffHit).toEqual(first);
    // A match in another file: the motd says "Welcome".
    s = typed(keys(s, '/'), 'Welcome');
    expect(diffEntries(s)[s.search.diffHit!.file]!.change.path).toBe('/etc/motd');
    expect(s.diffCursor.file).toBe(s.search.diffHit!.file);
    s = keys(s, '<enter>', 'n', 'n', 'n', 'n');
    expect(s.notice).toBe('no more matches for Welcome');
    // Esc while typing clears the search: n is the next change again.
    s = keys(s, '/', '<esc>', '[');
    expect(s.search.diff).toBe('');
    expect(s.diffCursor.file).toBe(0);
    s = keys(s, 'n');
    expect(s.diffCursor).toMatchObject({ file: 0, top: Math.min(fileDoc(diffEntries(s)[0]!.change, s.layout).hunks[1]!, s.diffCursor.top) });
    expect(s.diffCursor.top).toBeGreaterThan(0); // the second hunk (as far as the view scrolls)
    expect(s.search.diffHit).toBeUndefined();
  });

  it('says when nothing matches', async () => {
    const s = typed(keys(await checked(init()), 'd', '/'), 'zzz-nowhere');
    expect(s.notice).toBe('no match for zzz-nowhere');
  });
});

describe('search and filter in the log', () => {
  const time = '2026-05-01T12:00:00Z';
  function withLines(): AppState {
    const lines = [
      { level: 'info' as const, host: 'web1', text: 'write /etc/motd' },
      { level: 'warn' as const, host: 'db1', text: 'hook slow: 3 s' },
      { level: 'error' as const, host: 'web1', text: 'write /etc/nginx/nginx.conf failed' },
      { level: 'info' as const, host: 'db1', text: 'write /etc/motd' },
      ...Array.from({ length: 30 }, (_, i) => ({ level: 'debug' as const, host: 'web2', text: `noise ${i}` })),
    ];
    return reducer(init(), { type: 'log/append', time, lines });
  }

  it('parses host= and level= words as filters, the rest as the searched text', () => {
    expect(parseLogQuery('host=web* level=warn write motd')).toEqual({ hosts: ['web*'], level: 'warn', text: 'write motd' });
  });

  it('filters by host and level as you type; n/N go from match to match', () => {
    let s = keys(withLines(), 'l', '/');
    expect(activeContexts(s)).toEqual(['search']);
    s = typed(s, 'host=web1');
    expect(filteredLog(s.log, s.search.log).lines.map((l) => l.text)).toEqual(['write /etc/motd', 'write /etc/nginx/nginx.conf failed']);
    s = typed(s, ' level=warn');
    expect(filteredLog(s.log, s.search.log).lines.map((l) => l.text)).toEqual(['write /etc/nginx/nginx.conf failed']);
    s = keys(s, '<esc>');
    expect(filteredLog(s.log, s.search.log).lines).toHaveLength(34);
    s = typed(keys(s, '/'), 'write');
    // The newest match first (the log reads upwards).
    expect(s.log.lines.find((l) => l.seq === s.search.logHit)?.host).toBe('db1');
    expect(s.log.follow).toBe(false);
    s = keys(s, '<enter>', 'N');
    expect(s.log.lines.find((l) => l.seq === s.search.logHit)?.text).toBe('write /etc/nginx/nginx.conf failed');
    s = keys(s, 'N', 'N');
    expect(s.notice).toBe('no more matches for write');
    s = keys(s, 'n');
    expect(s.log.lines.find((l) => l.seq === s.search.logHit)?.text).toBe('write /etc/nginx/nginx.conf failed');
  });
});
