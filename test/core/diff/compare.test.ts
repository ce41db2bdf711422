import { describe, expect, test } from 'vitest';
import { diffHost, formatMode, isBinaryContent, isPending, WHOLE_FILE_NOTE } from '../../../src/core/diff/compare.js';
import type { FileChange, HostDiff } from '../../../src/core/diff/types.js';
import type { ExcludedPath } from '../../../src/core/fleet/types.js';
import { bigText, liveDir, liveFile, liveLink, missing, sha, unreadable, wantAbsent, wantFile, wantLink } from './helpers.js';

function only(d: HostDiff): FileChange {
  expect(d.files).toHaveLength(1);
  return d.files[0] as FileChange;
}

describe('classification', () => {
  test('new text file: unified from /dev/null, all lines added', () => {
    const f = only(diffHost('web1', [wantFile('/etc/motd', 'hello\nworld\n')], [missing('/etc/motd')]));
    expect(f.kind).toBe('new');
    expect(f.unified).toBe('--- /dev/null\n+++ b/etc/motd\n@@ -0,0 +1,2 @@\n+hello\n+world\n');
    expect([f.added, f.removed]).toEqual([2, 0]);
    expect(f.meta).toEqual([]);
  });

  test('modified text file: exact unified text with a/ b/ headers and 3 context lines', () => {
    const old = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n';
    const neu = 'l1\nl2\nl3\nl4\nL5\nl6\nl7\nl8\nl9\n';
    const f = only(diffHost('web1', [wantFile('/etc/app.conf', neu)], [liveFile('/etc/app.conf', old)]));
    expect(f.kind).toBe('modified');
    expect(f.unified).toBe(
      '--- a/etc/app.conf\n+++ b/etc/app.conf\n@@ -2,7 +2,7 @@\n l2\n l3\n l4\n-l5\n+L5\n l6\n l7\n l8\n',
    );
    expect([f.added, f.removed]).toEqual([1, 1]);
  });

  test('context option changes the context lines', () => {
    const f = only(diffHost('web1', [wantFile('/x', 'a\nb\nC\nd\ne\n')], [liveFile('/x', 'a\nb\nc\nd\ne\n')], { context: 1 }));
    expect(f.unified).toBe('--- a/x\n+++ b/x\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n');
  });

  test('unchanged: same bytes, no declared metadata difference', () => {
    const f = only(diffHost('web1', [wantFile('/etc/a', 'x\n', { mode: 0o644, owner: 'root' })], [liveFile('/etc/a', 'x\n')]));
    expect(f.kind).toBe('unchanged');
    expect(f.unified).toBeUndefined();
    expect(isPending(f.kind)).toBe(false);
  });

  test('metadata-only: mode as 4-digit octal, owner and group', () => {
    const f = only(
      diffHost('web1', [wantFile('/etc/a', 'x\n', { mode: 0o600, owner: 'www', group: 'www' })], [liveFile('/etc/a', 'x\n', { mode: 0o100644 })]),
    );
    expect(f.kind).toBe('metadata');
    expect(f.meta).toEqual([
      { field: 'mode', from: '0644', to: '0600' },
      { field: 'owner', from: 'root', to: 'www' },
      { field: 'group', from: 'root', to: 'www' },
    ]);
    expect(f.unified).toBeUndefined();
  });

  test('undeclared metadata is not compared', () => {
    const f = only(diffHost('web1', [wantFile('/etc/a', 'x\n')], [liveFile('/etc/a', 'x\n', { mode: 0o600, owner: 'bob', group: 'bob' })]));
    expect(f.kind).toBe('unchanged');
  });

  test('setuid bits are part of the compared mode', () => {
    const f = only(diffHost('web1', [wantFile('/usr/bin/t', 'x\n', { mode: 0o4755 })], [liveFile('/usr/bin/t', 'x\n', { mode: 0o755 })]));
    expect(f.meta).toEqual([{ field: 'mode', from: '0755', to: '4755' }]);
  });

  test('metadata reported alongside a content change', () => {
    const f = only(diffHost('web1', [wantFile('/etc/a', 'new\n', { mode: 0o640 })], [liveFile('/etc/a', 'old\n')]));
    expect(f.kind).toBe('modified');
    expect(f.meta).toEqual([{ field: 'mode', from: '0644', to: '0640' }]);
    expect(f.unified).toContain('-old\n+new\n');
  });

  test('binary (NUL byte): sizes and sha256 of both sides, no text', () => {
    const old = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]);
    const neu = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x02, 0x03]);
    const f = only(diffHost('web1', [wantFile('/usr/lib/x.so', neu)], [liveFile('/usr/lib/x.so', old)]));
    expect(f.kind).toBe('binary');
    expect(f.binary).toEqual({ fromSize: 6, fromSha: sha(old), toSize: 7, toSha: sha(neu) });
    expect(f.unified).toBeUndefined();
    expect([f.added, f.removed]).toEqual([0, 0]);
  });

  test('binary when only one side is invalid UTF-8', () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in latin-1
    const f = only(diffHost('web1', [wantFile('/etc/motd', 'café\n')], [liveFile('/etc/motd', latin1)]));
    expect(f.kind).toBe('binary');
    expect(f.binary?.fromSize).toBe(5);
    expect(f.binary?.toSize).toBe(6);
    expect(f.unified).toBeUndefined();
  });

  test('new binary file: only the "to" side', () => {
    const b = Buffer.from([0, 1, 2]);
    const f = only(diffHost('web1', [wantFile('/b', b)], [missing('/b')]));
    expect(f.kind).toBe('new');
    expect(f.binary).toEqual({ toSize: 3, toSha: sha(b) });
    expect(f.unified).toBeUndefined();
  });

  test('removed: desired absent, live present; unified to /dev/null', () => {
    const f = only(diffHost('web1', [wantAbsent('/etc/old.conf')], [liveFile('/etc/old.conf', 'a\nb\n')]));
    expect(f.kind).toBe('removed');
    expect(f.unified).toBe('--- a/etc/old.conf\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n');
    expect([f.added, f.removed]).toEqual([0, 2]);
  });

  test('removed symlink has no text', () => {
    const f = only(diffHost('web1', [wantAbsent('/l')], [liveLink('/l', '/t')]));
    expect(f.kind).toBe('removed');
    expect(f.unified).toBeUndefined();
  });

  test('unchanged: desired absent and live missing', () => {
    const f = only(diffHost('web1', [wantAbsent('/gone')], [missing('/gone')]));
    expect(f.kind).toBe('unchanged');
  });

  test('new symlink, link-changed, symlink owner metadata', () => {
    const d = diffHost(
      'web1',
      [wantLink('/a', '/t1'), wantLink('/b', '/t2'), wantLink('/c', '/t3', { owner: 'www' })],
      [missing('/a'), liveLink('/b', '/old'), liveLink('/c', '/t3')],
    );
    expect(d.files.map((f) => [f.path, f.kind])).toEqual([
      ['/a', 'new'],
      ['/b', 'link-changed'],
      ['/c', 'metadata'],
    ]);
    expect(d.files[2]?.meta).toEqual([{ field: 'owner', from: 'root', to: 'www' }]);
  });

  test('type-changed: file where a symlink is, symlink where a file is, file where a directory is', () => {
    const d = diffHost(
      'web1',
      [wantFile('/f', 'x\n'), wantLink('/l', '/t'), wantFile('/d', 'y\n')],
      [liveLink('/f', '/elsewhere'), liveFile('/l', 'old\n'), liveDir('/d')],
    );
    expect(d.files.map((f) => [f.path, f.kind])).toEqual([
      ['/d', 'type-changed'],
      ['/f', 'type-changed'],
      ['/l', 'type-changed'],
    ]);
    const f = d.files.find((x) => x.path === '/f');
    expect(f?.unified).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+x\n');
    const l = d.files.find((x) => x.path === '/l');
    expect(l?.unified).toBe('--- a/l\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n');
  });

  test('excluded: listed with the rule that fired, even when content differs', () => {
    const rule = { pattern: '/etc/ssh/*', file: 'etc/serverconfig/exclude/web1', line: 2 };
    const excluded: ExcludedPath[] = [{ path: '/etc/ssh/sshd_config', rule }];
    const d = diffHost('web1', [], [liveFile('/etc/ssh/sshd_config', 'Port 22\n')], { excluded });
    const f = only(d);
    expect(f.kind).toBe('excluded');
    expect(f.excludeRule).toEqual(rule);
    expect(f.unified).toBeUndefined();
    expect(d.pending).toBe(0);
  });

  test('excluded wins over a desired entry for the same path', () => {
    const rule = { pattern: '/x', file: 'e', line: 1 };
    const f = only(diffHost('web1', [wantFile('/x', 'new\n')], [liveFile('/x', 'old\n')], { excluded: [{ path: '/x', rule }] }));
    expect(f.kind).toBe('excluded');
  });

  test('unreadable live entry, and a path never read', () => {
    const d = diffHost('web1', [wantFile('/a', 'x'), wantFile('/b', 'y')], [unreadable('/a', 'Permission denied')]);
    expect(d.files.map((f) => [f.kind, f.error])).toEqual([
      ['unreadable', 'Permission denied'],
      ['unreadable', 'the live state of this path was not read'],
    ]);
    expect(d.pending).toBe(0);
  });
});

describe('host diff', () => {
  test('files ordered by path, pending counts changes only', () => {
    const d = diffHost(
      'web1',
      [wantFile('/z', 'z\n'), wantFile('/a', 'a\n'), wantFile('/m', 'm\n')],
      [liveFile('/z', 'z\n'), missing('/a'), liveFile('/m', 'M\n')],
      { excluded: [{ path: '/b', rule: { pattern: '/b', file: 'e', line: 1 } }] },
    );
    expect(d.host).toBe('web1');
    expect(d.files.map((f) => f.path)).toEqual(['/a', '/b', '/m', '/z']);
    expect(d.files.map((f) => f.kind)).toEqual(['new', 'excluded', 'modified', 'unchanged']);
    expect(d.pending).toBe(2);
  });

  test('live entries for paths not desired are ignored', () => {
    const d = diffHost('web1', [wantFile('/a', 'a\n')], [liveFile('/a', 'a\n'), liveFile('/watched', 'w\n')]);
    expect(d.files.map((f) => f.path)).toEqual(['/a']);
  });
});

describe('text edge cases', () => {
  test('missing trailing newline on one side', () => {
    const f = only(diffHost('web1', [wantFile('/a', 'x\ny\n')], [liveFile('/a', 'x\ny')]));
    expect(f.kind).toBe('modified');
    expect(f.unified).toBe('--- a/a\n+++ b/a\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n');
  });

  test('CRLF vs LF is a modification and keeps the CR in the text', () => {
    const f = only(diffHost('web1', [wantFile('/a', 'k=v\n')], [liveFile('/a', 'k=v\r\n')]));
    expect(f.kind).toBe('modified');
    expect(f.unified).toBe('--- a/a\n+++ b/a\n@@ -1,1 +1,1 @@\n-k=v\r\n+k=v\n');
  });

  test('empty desired file over a non-empty one, and a new empty file', () => {
    const d = diffHost('web1', [wantFile('/e', ''), wantFile('/n', '')], [liveFile('/e', 'q\n'), missing('/n')]);
    const [e, n] = d.files;
    expect(e?.kind).toBe('modified');
    expect(e?.unified).toBe('--- a/e\n+++ b/e\n@@ -1,1 +0,0 @@\n-q\n');
    expect(n?.kind).toBe('new');
    expect(n?.unified).toBeUndefined();
    expect(d.pending).toBe(2);
  });

  test('20,000-line file with ~200 scattered changes gives a real line diff', () => {
    const old = bigText(20_000);
    const neu = old.slice();
    for (let i = 0; i < 200; i++) neu[i * 100 + 7] = `${neu[i * 100 + 7]} changed`;
    const f = only(diffHost('web1', [wantFile('/big', `${neu.join('\n')}\n`)], [liveFile('/big', `${old.join('\n')}\n`)]));
    expect(f.kind).toBe('modified');
    expect([f.added, f.removed]).toEqual([200, 200]);
    expect(f.note).toBeUndefined();
    expect(f.unified?.match(/^@@ /gm)).toHaveLength(200);
  });

  test('too many changes falls back to a whole-file replacement with a note', () => {
    const old = bigText(300);
    const neu = old.map((l) => `${l}!`);
    const f = only(
      diffHost('web1', [wantFile('/big', `${neu.join('\n')}`)], [liveFile('/big', `${old.join('\n')}\n`)], { maxEditLength: 50 }),
    );
    expect(f.kind).toBe('modified');
    expect(f.note).toBe(WHOLE_FILE_NOTE);
    expect([f.added, f.removed]).toEqual([300, 300]);
    const lines = f.unified?.split('\n') ?? [];
    expect(lines.slice(0, 3)).toEqual(['--- a/big', '+++ b/big', '@@ -1,300 +1,300 @@']);
    expect(lines[3]).toBe(`-${old[0]}`);
    expect(lines[303]).toBe(`+${neu[0]}`);
    expect(lines[603]).toBe('\\ No newline at end of file');
  });

  test('two entirely different 20,000-line files complete (fallback keeps it bounded)', () => {
    const old = bigText(20_000);
    const neu = old.map((l, i) => `other ${i} ${l.length}`);
    const f = only(diffHost('web1', [wantFile('/big', `${neu.join('\n')}\n`)], [liveFile('/big', `${old.join('\n')}\n`)]));
    expect(f.note).toBe(WHOLE_FILE_NOTE);
    expect([f.added, f.removed]).toEqual([20_000, 20_000]);
  });
});

describe('helpers', () => {
  test('formatMode', () => {
    expect(formatMode(0o644)).toBe('0644');
    expect(formatMode(0o100600)).toBe('0600');
    expect(formatMode(0o2775)).toBe('2775');
  });

  test('isBinaryContent', () => {
    expect(isBinaryContent(Buffer.from('plain ✓ text\n'))).toBe(false);
    expect(isBinaryContent(Buffer.from([0x61, 0x00]))).toBe(true);
    expect(isBinaryContent(Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(isBinaryContent(Buffer.alloc(0))).toBe(false);
  });
});
