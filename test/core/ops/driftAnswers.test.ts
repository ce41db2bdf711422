/**
 * The pure parts of answering drift: which paths `konf adopt` and `konf deploy --only`
 * accept, how `--only` narrows a diff, and what `konf rebuild` writes (a snapshot's files
 * and symlinks with their metadata, the plan on top, nothing removed).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { checkAdoptPaths, plannedSignature } from '../../../src/core/ops/adoptPaths.js';
import { checkOnlyPaths, restrictDiff } from '../../../src/core/ops/onlyPaths.js';
import { rebuildDesired, recordsFiles } from '../../../src/core/ops/rebuild.js';
import type { HostPlan } from '../../../src/core/fleet/types.js';
import type { HostDiff } from '../../../src/core/diff/types.js';
import type { Snapshot } from '../../../src/core/store/types.js';
import type { LiveEntry } from '../../../src/core/remote/types.js';

function plan(files: HostPlan['files'], extra: Partial<HostPlan> = {}): HostPlan {
  return {
    host: 'web1',
    settings: { root: '/', become: '', watch: [] },
    switches: [],
    excludeRules: [],
    files,
    excluded: [],
    skipped: [],
    hooks: { 'pre-deploy': [], 'post-deploy': [], 'pre-rollback': [], 'post-rollback': [], health: [] },
    warnings: [],
    ...extra,
  };
}

const rule = { pattern: '/etc/ntp.conf', file: 'etc/serverconfig/exclude/web1', line: 3 };
const motd = { kind: 'file' as const, path: '/etc/motd', source: 'etc/files/etc/motd', content: Buffer.from('hi\n'), template: false, switchesUsed: [] };

function meta(mode: number, owner = 'root', group = 'root') {
  return { mode, uid: 0, gid: 0, owner, group };
}

function snapshot(entries: LiveEntry[]): Snapshot {
  return { info: { id: 'a'.repeat(40), host: 'web1', time: '2026-01-01T00:00:00Z', reason: 'manual', operator: 'alice', op: 'x', files: entries.length, changed: [] }, entries };
}

describe('paths konf adopt accepts', () => {
  it('absolute paths as on the host, normalised and without duplicates', () => {
    expect(checkAdoptPaths('web1', ['/etc/motd/', '/etc/motd', '/etc/issue'])).toEqual(['/etc/motd', '/etc/issue']);
  });

  it.each([
    ['etc/motd', /is not absolute/],
    ['/etc/../../x', /`\.\.` component/],
    ['/', /folder/],
    ['/var/lib/konf/journal', /reserved for konf/],
    ['/etc/.konf-tmp-9', /reserved for konf/],
    ['/etc/*.conf', /not glob patterns/],
  ])('refuses %s', (p, message) => {
    expect(() => checkAdoptPaths('web1', [p])).toThrow(ConfigError);
    expect(() => checkAdoptPaths('web1', [p])).toThrow(message);
  });

  it('and none at all', () => {
    expect(() => checkAdoptPaths('web1', [])).toThrow(/no paths given/);
  });
});

describe('how a plan treats a path (what adopt compares before and after its edit)', () => {
  it('tells content, metadata, excluded and absent apart', () => {
    const p = plan([{ ...motd, mode: 0o644 }], { excluded: [{ path: '/etc/ntp.conf', rule }] });
    const changed = plan([{ ...motd, content: Buffer.from('ho\n'), mode: 0o644 }]);
    const chmodded = plan([{ ...motd, mode: 0o600 }]);
    expect(plannedSignature(p, '/etc/motd')).not.toBe(plannedSignature(changed, '/etc/motd'));
    expect(plannedSignature(p, '/etc/motd')).not.toBe(plannedSignature(chmodded, '/etc/motd'));
    expect(plannedSignature(p, '/etc/ntp.conf')).toBe('excluded');
    expect(plannedSignature(p, '/etc/none')).toBe('absent');
  });
});

describe('deploy --only', () => {
  const plans = new Map([['web1', plan([motd], { excluded: [{ path: '/etc/ntp.conf', rule }] })]]);

  it('takes planned paths only, naming the host and the rule otherwise', () => {
    expect(checkOnlyPaths(plans, ['/etc/motd/', '/etc/motd'])).toEqual(['/etc/motd']);
    expect(() => checkOnlyPaths(plans, ['/etc/ntp.conf'])).toThrow(/--only \/etc\/ntp\.conf: excluded on web1 \(rule \/etc\/ntp\.conf at etc\/serverconfig\/exclude\/web1:3\)/);
    expect(() => checkOnlyPaths(plans, ['/etc/nope'])).toThrow(/not planned on web1/);
    expect(() => checkOnlyPaths(plans, ['/var/lib/konf/lock'])).toThrow(/reserved for konf/);
  });

  it('narrows the diff and its counts to those paths', () => {
    const diff: HostDiff = {
      host: 'web1',
      pending: 2,
      drifted: 1,
      files: [
        { path: '/etc/motd', kind: 'modified', meta: [], added: 1, removed: 1, drift: 'drifted' },
        { path: '/etc/issue', kind: 'new', meta: [], added: 1, removed: 0, drift: 'pending' },
      ],
    };
    expect(restrictDiff(diff, ['/etc/issue'])).toMatchObject({ pending: 1, drifted: 0, files: [{ path: '/etc/issue' }] });
    expect(restrictDiff(diff, undefined)).toBe(diff);
  });
});

describe('what rebuild writes', () => {
  const snap = snapshot([
    { path: '/etc/motd', state: 'file', content: Buffer.from('old\n'), size: 4, sha256: '', ...meta(0o664, 'daemon', 'adm') },
    { path: '/etc/hostname', state: 'file', content: Buffer.from('web1\n'), size: 5, sha256: '', ...meta(0o644) },
    { path: '/etc/localtime', state: 'symlink', target: '/usr/share/zoneinfo/UTC', ...meta(0o777) },
    { path: '/etc/gone', state: 'missing' },
    { path: '/etc/d', state: 'dir', ...meta(0o755) },
  ]);

  it('every file and symlink of the snapshot with its metadata, the plan on top (metadata it leaves open from the snapshot); nothing removed', () => {
    const desired = rebuildDesired(plan([{ ...motd, group: 'root' }]), snap);
    const byPath = Object.fromEntries(desired.map((d) => [d.path, d]));
    expect(Object.keys(byPath).sort()).toEqual(['/etc/hostname', '/etc/localtime', '/etc/motd']);
    expect(byPath['/etc/motd']).toMatchObject({ state: 'file', content: Buffer.from('hi\n'), mode: 0o664, owner: 'daemon', group: 'root' });
    expect(byPath['/etc/hostname']).toMatchObject({ state: 'file', content: Buffer.from('web1\n'), mode: 0o644, owner: 'root' });
    expect(byPath['/etc/localtime']).toMatchObject({ state: 'symlink', target: '/usr/share/zoneinfo/UTC' });
    expect(desired.some((d) => d.state === 'absent')).toBe(false);
  });

  it('refuses a snapshot recording a path in konf own space', () => {
    const bad = snapshot([{ path: '/var/lib/konf/lock', state: 'file', content: Buffer.from('x'), size: 1, sha256: '', ...meta(0o644) }]);
    expect(() => rebuildDesired(plan([]), bad)).toThrow(/records "\/var\/lib\/konf\/lock", which is reserved for konf/);
  });

  it('a snapshot of a wiped host records no file: not something to rebuild from', () => {
    expect(recordsFiles(snap)).toBe(true);
    expect(recordsFiles(snapshot([{ path: '/etc/motd', state: 'missing' }]))).toBe(false);
  });
});
