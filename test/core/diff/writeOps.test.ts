import { expect, test } from 'vitest';
import { diffHost, writeOpsFor as fromCompare } from '../../../src/core/diff/compare.js';
import { writeOpsFor } from '../../../src/core/diff/writeOps.js';
import { liveFile, liveLink, missing, unreadable, wantAbsent, wantFile, wantLink } from './helpers.js';

test('one op per pending change, with desired metadata, in path order; nothing for the rest', () => {
  const diff = diffHost(
    'web1',
    [
      wantFile('/a/new', 'n\n', { mode: 0o600 }),
      wantFile('/b/mod', 'm2\n'),
      wantFile('/c/bin', Buffer.from([0, 1])),
      wantFile('/d/meta', 'same\n', { mode: 0o640, owner: 'app' }),
      wantLink('/e/link', '/new-target'),
      wantLink('/f/type', '/t'),
      wantAbsent('/g/removed'),
      wantFile('/h/same', 's\n'),
      wantFile('/i/unreadable', 'u\n'),
      wantAbsent('/j/absent-too'),
    ],
    [
      missing('/a/new'),
      liveFile('/b/mod', 'm1\n', { mode: 0o600, owner: 'bob', group: 'staff' }),
      liveFile('/c/bin', Buffer.from([0, 2])),
      liveFile('/d/meta', 'same\n'),
      liveLink('/e/link', '/old-target', { owner: 'www', group: 'www' }),
      liveFile('/f/type', 'was a file\n'),
      liveFile('/g/removed', 'bye\n'),
      liveFile('/h/same', 's\n'),
      unreadable('/i/unreadable', 'denied'),
      missing('/j/absent-too'),
      liveFile('/k/excluded', 'x\n'),
    ],
    { excluded: [{ path: '/k/excluded', rule: { pattern: '/k/*', file: 'e', line: 1 } }] },
  );
  const ops = writeOpsFor(diff);
  expect(ops).toEqual([
    { action: 'file', path: '/a/new', content: Buffer.from('n\n'), mode: 0o600 },
    // undeclared metadata is kept explicitly from the live file
    { action: 'file', path: '/b/mod', content: Buffer.from('m2\n'), mode: 0o600, owner: 'bob', group: 'staff' },
    { action: 'file', path: '/c/bin', content: Buffer.from([0, 1]), mode: 0o644, owner: 'root', group: 'root' },
    { action: 'file', path: '/d/meta', content: Buffer.from('same\n'), mode: 0o640, owner: 'app', group: 'root' },
    { action: 'symlink', path: '/e/link', target: '/new-target', owner: 'www', group: 'www' },
    { action: 'symlink', path: '/f/type', target: '/t' },
    { action: 'remove', path: '/g/removed' },
  ]);
  expect(fromCompare).toBe(writeOpsFor);
});
