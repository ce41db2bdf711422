import { describe, expect, test } from 'vitest';
import { desiredFromPlan, desiredFromSnapshot } from '../../../src/core/diff/desired.js';
import type { PlannedFile } from '../../../src/core/fleet/types.js';
import { liveDir, liveFile, liveLink, makePlan, missing, unreadable } from './helpers.js';

describe('desiredFromPlan', () => {
  test('files with declared metadata, symlinks, provenance kept; undeclared metadata stays undefined', () => {
    const conf: PlannedFile = { kind: 'file', path: '/etc/app.conf', source: 'etc/files/etc/app.conf.tmpl', content: Buffer.from('x\n'), template: true, switchesUsed: ['port'], mode: 0o640, owner: 'app', group: 'adm' };
    const motd: PlannedFile = { kind: 'file', path: '/etc/motd', source: 'etc/files/etc/motd', content: Buffer.from('hi\n'), template: false, switchesUsed: [] };
    const link: PlannedFile = { kind: 'symlink', path: '/etc/localtime', source: 'etc/files/etc/localtime', target: '/usr/share/zoneinfo/UTC', owner: 'root' };
    const out = desiredFromPlan(makePlan('web1', { files: [conf, motd, link] }));
    expect(out).toEqual([
      { path: '/etc/app.conf', state: 'file', content: Buffer.from('x\n'), mode: 0o640, owner: 'app', group: 'adm', planned: conf },
      { path: '/etc/motd', state: 'file', content: Buffer.from('hi\n'), planned: motd },
      { path: '/etc/localtime', state: 'symlink', target: '/usr/share/zoneinfo/UTC', owner: 'root', planned: link },
    ]);
    expect(Object.keys(out[1] ?? {})).not.toContain('mode');
  });
});

describe('desiredFromSnapshot', () => {
  test('file with full metadata, symlink, missing → absent; dir/unreadable left out', () => {
    const out = desiredFromSnapshot([
      liveFile('/a', 'A\n', { mode: 0o4750, owner: 'bob', group: 'staff' }),
      liveLink('/l', '/t', { owner: 'www', group: 'www' }),
      missing('/gone'),
      liveDir('/d'),
      unreadable('/u', 'denied'),
    ]);
    expect(out).toEqual([
      { path: '/a', state: 'file', content: Buffer.from('A\n'), mode: 0o4750, owner: 'bob', group: 'staff' },
      { path: '/l', state: 'symlink', target: '/t', owner: 'www', group: 'www' },
      { path: '/gone', state: 'absent' },
    ]);
  });
});
