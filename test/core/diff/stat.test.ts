import { describe, expect, test } from 'vitest';
import { diffHost } from '../../../src/core/diff/compare.js';
import { describeChange, diffStat, formatStat } from '../../../src/core/diff/stat.js';
import { liveFile, liveLink, missing, unreadable, wantAbsent, wantFile, wantLink } from './helpers.js';

const diff = diffHost(
  'web1',
  [
    wantFile('/etc/app.conf', 'a\nB\nc\nd\n', { mode: 0o640 }),
    wantFile('/etc/new', 'one\ntwo\n', { mode: 0o600, owner: 'app' }),
    wantFile('/etc/same', 's\n'),
    wantFile('/bin/tool', Buffer.from([0, 1, 2])),
    wantLink('/etc/link', '/new'),
    wantAbsent('/etc/gone'),
    wantFile('/etc/u', 'u\n'),
  ],
  [
    liveFile('/etc/app.conf', 'a\nb\nc\n'),
    missing('/etc/new'),
    liveFile('/etc/same', 's\n'),
    liveFile('/bin/tool', Buffer.from([0, 9])),
    liveLink('/etc/link', '/old'),
    liveFile('/etc/gone', 'bye\n'),
    unreadable('/etc/u', 'Permission denied'),
    liveFile('/etc/shadow', 'x'),
  ],
  { excluded: [{ path: '/etc/shadow', rule: { pattern: '/etc/shadow', file: 'etc/serverconfig/exclude/web1', line: 3 } }] },
);

describe('stat', () => {
  test('diffStat entries (unchanged left out) and totals', () => {
    const { entries, totals } = diffStat(diff);
    expect(entries.map((e) => [e.path, e.kind, e.added, e.removed, e.meta])).toEqual([
      ['/bin/tool', 'binary', 0, 0, ''],
      ['/etc/app.conf', 'modified', 2, 1, 'mode 0644 → 0640'],
      ['/etc/gone', 'removed', 0, 1, ''],
      ['/etc/link', 'link-changed', 0, 0, ''],
      ['/etc/new', 'new', 2, 0, ''],
      ['/etc/shadow', 'excluded', 0, 0, ''],
      ['/etc/u', 'unreadable', 0, 0, ''],
    ]);
    expect(totals).toEqual({
      pending: 5,
      added: 4,
      removed: 2,
      byKind: { binary: 1, modified: 1, removed: 1, 'link-changed': 1, new: 1, excluded: 1, unreadable: 1, unchanged: 1 },
    });
    expect(diffStat(diff, { includeUnchanged: true }).entries).toHaveLength(8);
  });

  test('formatStat lines', () => {
    expect(formatStat(diff)).toEqual([
      ' /bin/tool      binary',
      ' /etc/app.conf  modified     +2 -1 (mode 0644 → 0640)',
      ' /etc/gone      removed      +0 -1',
      ' /etc/link      link-changed',
      ' /etc/new       new          +2 -0',
      ' /etc/shadow    excluded',
      ' /etc/u         unreadable',
      ' 5 pending (1 new, 1 modified, 1 binary, 1 link-changed, 1 removed), 1 excluded, 1 unreadable, +4 -2',
    ]);
    expect(formatStat(diffHost('h', [wantFile('/a', 'a')], [liveFile('/a', 'a')]))).toEqual([' in sync, +0 -0']);
  });

  test('describeChange for each kind', () => {
    const by = new Map(diff.files.map((f) => [f.path, describeChange(f)]));
    expect(Object.fromEntries(by)).toEqual({
      '/bin/tool': `binary: 2 bytes (sha256 ${diff.files[0]?.binary?.fromSha?.slice(0, 12)}) → 3 bytes (sha256 ${diff.files[0]?.binary?.toSha?.slice(0, 12)})`,
      '/etc/app.conf': 'modified +2 -1; mode 0644 → 0640',
      '/etc/gone': 'will be removed (file, 1 line(s))',
      '/etc/link': 'symlink /old → /new',
      '/etc/new': 'new file, 2 line(s); mode 0600, owner app',
      '/etc/same': 'unchanged',
      '/etc/shadow': 'excluded by /etc/shadow (etc/serverconfig/exclude/web1:3): never written',
      '/etc/u': 'unreadable: Permission denied',
    });
  });

  test('describeChange: metadata-only, type change, whole-file note', () => {
    const d = diffHost(
      'h',
      [wantFile('/m', 'x\n', { owner: 'www' }), wantLink('/t', '/target'), wantFile('/w', 'A\nB\nC\n')],
      [liveFile('/m', 'x\n'), liveFile('/t', 'old\n'), liveFile('/w', 'a\nb\nc\n')],
      { maxEditLength: 2 },
    );
    expect(d.files.map(describeChange)).toEqual([
      'metadata only; owner root → www',
      'type changes: file becomes symlink → /target; +0 -1',
      'modified +3 -3; too many changes: whole file replaced',
    ]);
  });
});
