import { describe, expect, test } from 'vitest';
import { diffHost } from '../../../src/core/diff/compare.js';
import { maskSecrets, normaliseSecrets, SECRET_MASK, secretValues } from '../../../src/core/diff/secrets.js';
import { liveFile, makePlan, secretSwitch, wantFile } from './helpers.js';

describe('secretValues', () => {
  test('only secret switches, short values dropped, multi-line values also per line, longest first', () => {
    const plan = makePlan('web1', {
      switches: [
        secretSwitch('db_password', 's3cr3t-pw'),
        secretSwitch('pin', 'abc'),
        secretSwitch('port', '8080', false),
        secretSwitch('tls_key', '-----BEGIN KEY-----\r\nAAAABBBB\r\n-----END KEY-----'),
      ],
    });
    expect(secretValues(plan)).toEqual([
      '-----BEGIN KEY-----\r\nAAAABBBB\r\n-----END KEY-----',
      '-----BEGIN KEY-----',
      '-----END KEY-----',
      's3cr3t-pw',
      'AAAABBBB',
    ]);
  });
});

describe('maskSecrets', () => {
  test('every occurrence masked; reveal leaves the text alone; short values never masked', () => {
    const text = 'url=postgres://app:hunter22@db/x pw=hunter22 on=1';
    expect(maskSecrets(text, ['hunter22', '1'])).toBe(`url=postgres://app:${SECRET_MASK}@db/x pw=${SECRET_MASK} on=1`);
    expect(maskSecrets(text, ['hunter22'], { reveal: true })).toBe(text);
  });

  test('a secret containing another is masked whole', () => {
    expect(maskSecrets('a=longsecret-suffix b=longsecret', ['longsecret', 'longsecret-suffix'])).toBe(`a=${SECRET_MASK} b=${SECRET_MASK}`);
  });

  test('normaliseSecrets dedupes', () => {
    expect(normaliseSecrets(['abcd', 'abcd', 'ab'])).toEqual(['abcd']);
  });
});

describe('masking in diffs', () => {
  test('current value masked on every side; a rotated old value in the same slot masked too; reveal shows both', () => {
    const old = 'user = app\npassword = "old-pass-1"\nhost = db\n';
    const neu = 'user = app\npassword = "new-pass-2"\nhost = db\n';
    const opts = { secrets: ['new-pass-2'] };
    const masked = diffHost('web1', [wantFile('/etc/db.conf', neu)], [liveFile('/etc/db.conf', old)], opts).files[0];
    expect(masked?.kind).toBe('modified');
    expect(masked?.unified).toBe(
      '--- a/etc/db.conf\n+++ b/etc/db.conf\n@@ -1,3 +1,3 @@\n user = app\n-password = "********"\n+password = "********"\n host = db\n',
    );
    expect(masked?.added).toBe(1);
    const shown = diffHost('web1', [wantFile('/etc/db.conf', neu)], [liveFile('/etc/db.conf', old)], { ...opts, reveal: true }).files[0];
    expect(shown?.unified).toContain('-password = "old-pass-1"\n+password = "new-pass-2"\n');
  });

  test('context lines and CRLF lines are masked, the CR kept', () => {
    const old = 'token: abcdefgh\r\nx: 1\r\n';
    const neu = 'token: abcdefgh\r\nx: 2\r\n';
    const f = diffHost('web1', [wantFile('/t', neu)], [liveFile('/t', old)], { secrets: ['abcdefgh'] }).files[0];
    expect(f?.unified).toBe('--- a/t\n+++ b/t\n@@ -1,2 +1,2 @@\n token: ********\r\n-x: 1\r\n+x: 2\r\n');
  });

  test('unrelated lines are not masked by a pattern with a weak prefix', () => {
    const f = diffHost('web1', [wantFile('/t', 'zzsecretvalue\nother line\n')], [liveFile('/t', 'zzsecretvalue\nanother\n')], { secrets: ['secretvalue'] }).files[0];
    expect(f?.unified).toBe('--- a/t\n+++ b/t\n@@ -1,2 +1,2 @@\n zz********\n-another\n+other line\n');
  });
});
