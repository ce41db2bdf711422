import { describe, expect, test } from 'vitest';
import { diffHost } from '../../../src/core/diff/compare.js';
import { describeGroup, groupIdentical } from '../../../src/core/diff/group.js';
import type { HostDiff } from '../../../src/core/diff/types.js';
import { liveFile, missing, wantFile } from './helpers.js';

const NGINX = '/etc/nginx/nginx.conf';

function hostWith(host: string, live: string, desired: string, extra: { motdLive?: string; mode?: number; liveMode?: number } = {}): HostDiff {
  return diffHost(
    host,
    [wantFile(NGINX, desired, extra.mode === undefined ? {} : { mode: extra.mode }), wantFile('/etc/motd', `welcome to ${host}\n`)],
    [liveFile(NGINX, live, extra.liveMode === undefined ? {} : { mode: extra.liveMode }), extra.motdLive === undefined ? missing('/etc/motd') : liveFile('/etc/motd', extra.motdLive)],
    { secrets: ['topsecret1', 'topsecret2'] },
  );
}

describe('groupIdentical', () => {
  test('identical changes grouped across hosts, unique changes are groups of one', () => {
    const diffs = [
      hostWith('web1', 'workers 1;\n', 'workers 4;\n'),
      hostWith('web2', 'workers 1;\n', 'workers 4;\n', { motdLive: 'welcome to web2\n' }),
      hostWith('web3', 'workers 2;\n', 'workers 4;\n'),
      hostWith('web4', 'workers 1;\n', 'workers 4;\n'),
    ];
    const groups = groupIdentical(diffs);
    expect(groups.map((g) => [g.path, g.kind, g.hosts])).toEqual([
      // motd differs per host (its content names the host): one group each; web2 is in sync
      ['/etc/motd', 'new', ['web1']],
      ['/etc/motd', 'new', ['web3']],
      ['/etc/motd', 'new', ['web4']],
      [NGINX, 'modified', ['web1', 'web2', 'web4']],
      [NGINX, 'modified', ['web3']],
    ]);
    const big = groups[3];
    expect(big?.change).toBe(diffs[0]?.files.find((f) => f.path === NGINX));
    expect(big && describeGroup(big)).toBe('3 hosts: identical change to /etc/nginx/nginx.conf (modified)');
    expect(groups[0] && describeGroup(groups[0])).toBe('web1: new /etc/motd');
  });

  test('different metadata changes are different changes', () => {
    const groups = groupIdentical([
      hostWith('a', 'x\n', 'y\n', { mode: 0o600, liveMode: 0o644 }),
      hostWith('b', 'x\n', 'y\n', { mode: 0o600, liveMode: 0o600 }),
    ]).filter((g) => g.path === NGINX);
    expect(groups.map((g) => g.hosts)).toEqual([['a'], ['b']]);
  });

  test('metadata-only changes group regardless of content', () => {
    const groups = groupIdentical([
      hostWith('a', 'x\n', 'x\n', { mode: 0o600 }),
      hostWith('b', 'other\n', 'other\n', { mode: 0o600 }),
    ]).filter((g) => g.path === NGINX);
    expect(groups.map((g) => [g.kind, g.hosts])).toEqual([['metadata', ['a', 'b']]]);
  });

  test('secrets masked alike but different are not merged', () => {
    const groups = groupIdentical([
      hostWith('a', 'pw topsecret1\n', 'pw topsecret2\n'),
      hostWith('b', 'pw topsecret2\n', 'pw topsecret1\n'),
    ]).filter((g) => g.path === NGINX);
    expect(groups[0]?.change.unified).toBe(groups[1]?.change.unified);
    expect(groups.map((g) => g.hosts)).toEqual([['a'], ['b']]);
  });

  test('unchanged and excluded paths form no groups', () => {
    const d = diffHost('a', [wantFile('/s', 'same\n')], [liveFile('/s', 'same\n'), liveFile('/x', 'x')], {
      excluded: [{ path: '/x', rule: { pattern: '/x', file: 'e', line: 1 } }],
    });
    expect(groupIdentical([d, { ...d, host: 'b' }])).toEqual([]);
  });
});
