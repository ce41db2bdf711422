import { describe, expect, test } from 'vitest';
import { diffHost } from '../../../src/core/diff/compare.js';
import { escapeHtml, renderHtmlReport } from '../../../src/core/diff/report.js';
import type { HostDiff } from '../../../src/core/diff/types.js';
import { liveFile, missing, unreadable, wantFile } from './helpers.js';

const SECRET = 'pa55w0rd-XYZ';

function fleet(reveal: boolean): HostDiff[] {
  const opts = { secrets: [SECRET], reveal };
  return [
    diffHost(
      'web1',
      [
        wantFile('/etc/app.conf', `port = 8080\npassword = ${SECRET}\n`),
        wantFile('/etc/<weird> & "path".conf', 'x <b>bold</b>\n'),
        wantFile('/usr/lib/blob.bin', Buffer.from([0, 1, 2, 3])),
        wantFile('/etc/perm', 'p\n', { mode: 0o600 }),
        wantFile('/etc/u', 'u\n'),
        wantFile('/etc/same', 's\n'),
      ],
      [
        liveFile('/etc/app.conf', 'port = 80\npassword = old-secret-value\n'),
        missing('/etc/<weird> & "path".conf'),
        liveFile('/usr/lib/blob.bin', Buffer.from([0, 9])),
        liveFile('/etc/perm', 'p\n'),
        unreadable('/etc/u', 'Permission denied'),
        liveFile('/etc/same', 's\n'),
        liveFile('/etc/ssh/sshd_config', 'Port 22\n'),
      ],
      { ...opts, excluded: [{ path: '/etc/ssh/sshd_config', rule: { pattern: '/etc/ssh/*', file: 'etc/serverconfig/exclude/web1', line: 1 } }] },
    ),
    diffHost('db<1>', [wantFile('/etc/app.conf', 'port = 8080\n')], [liveFile('/etc/app.conf', 'port = 8080\n')], opts),
  ];
}

/** What a reader sees: tags dropped (diff2html splits highlighted words into tags), entities decoded. */
function visible(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** The text between `<section … data-host="NAME">` and its closing tag. */
function section(html: string, host: string): string {
  const start = html.indexOf(`data-host="${escapeHtml(host)}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(fleet(false), {
    title: 'konf diff <all>',
    generatedAt: '2026-01-02T03:04:05Z',
    secrets: [SECRET],
    failures: [{ host: 'web9', kind: 'unreachable', message: 'web9: connection refused' }],
  });

  test('a self-contained document: inline diff2html CSS, no links, no scripts', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toMatch(/<style>[\s\S]*\.d2h-file-wrapper[\s\S]*<\/style>/);
    expect(html).toContain('--d2h-ins-bg-color');
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
    expect(html).toContain('<title>konf diff &lt;all&gt;</title>');
    expect(html).toContain('Generated 2026-01-02T03:04:05Z');
  });

  test('summary table first, with every host, pending counts and counts by kind', () => {
    const summary = html.indexOf('<table class="konf-summary">');
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(html.indexOf('class="konf-host"'));
    const table = html.slice(summary, html.indexOf('</table>', summary));
    expect(table).toContain('<th>Host</th><th>Pending</th><th>new</th><th>modified</th><th>binary</th><th>metadata</th>');
    expect(table).toContain('<tr class="konf-pending"><td><a href="#host-0">web1</a></td><td>4</td><td>1</td><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td><td>1</td></tr>');
    expect(table).toContain('<tr><td><a href="#host-1">db&lt;1&gt;</a></td><td>0</td>');
    expect(table).toContain('<td>web9</td><td colspan="11">failed (unreachable): web9: connection refused</td>');
  });

  test('one section per host; host names and paths escaped', () => {
    expect(html.match(/<section class="konf-host[ "]/g)).toHaveLength(3);
    expect(html).toContain('id="host-0" data-host="web1"');
    expect(html).toContain('<h2>db&lt;1&gt;</h2>');
    expect(html).not.toContain('db<1>');
    expect(html).toContain('<code>/etc/&lt;weird&gt; &amp; &quot;path&quot;.conf</code>');
    expect(html).not.toContain('<weird>');
    expect(html).not.toContain('<b>bold</b>');
    expect(visible(html)).toContain('x <b>bold</b>');
    expect(section(html, 'db<1>')).toContain('in sync');
    expect(section(html, 'web9')).toContain('connection refused');
  });

  test('text diffs rendered side by side by diff2html; other kinds as plain rows', () => {
    const web1 = section(html, 'web1');
    expect(web1).toContain('d2h-files-diff');
    expect(web1).toContain('<span class="d2h-code-line-ctn">port = <del>80</del></span>');
    expect(web1).toContain('<span class="d2h-code-line-ctn">port = <ins>8080</ins></span>');
    expect(web1).toContain('<span class="d2h-file-name">/etc/app.conf</span>');
    expect(web1).toContain(`binary: 2 bytes (sha256 `);
    expect(web1).toContain('metadata only; mode 0644 → 0600');
    expect(web1).toContain('excluded by /etc/ssh/* (etc/serverconfig/exclude/web1:1): never written');
    expect(web1).toContain('unreadable: Permission denied');
    expect(web1).toContain('<summary>1 unchanged file(s)</summary>');
    // the binary file has no diff table
    const blob = web1.slice(web1.indexOf('/usr/lib/blob.bin'), web1.indexOf('</div>', web1.indexOf('/usr/lib/blob.bin')));
    expect(blob).not.toContain('d2h-');
  });

  test('secrets masked (also the rotated old value), revealed only with reveal', () => {
    const text = visible(html);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('old-secret-value');
    expect(text).toContain('password = ********');
    expect(text).not.toContain('Secrets are revealed');
    const shown = visible(renderHtmlReport(fleet(true), { title: 't', generatedAt: 'now', reveal: true, secrets: [SECRET] }));
    expect(shown).toContain(`password = ${SECRET}`);
    expect(shown).toContain('password = old-secret-value');
    expect(shown).toContain('Secrets are revealed in this report');
  });

  test('the report masks given secrets again even in diffs computed unmasked', () => {
    const out = visible(renderHtmlReport(fleet(true), { title: 't', generatedAt: 'now', secrets: [SECRET] }));
    expect(out).not.toContain(SECRET);
    expect(out).toContain('password = ********');
  });

  test('shared changes are listed once', () => {
    const a = diffHost('a', [wantFile('/etc/x', 'new\n')], [liveFile('/etc/x', 'old\n')]);
    const b = diffHost('b', [wantFile('/etc/x', 'new\n')], [liveFile('/etc/x', 'old\n')]);
    const out = renderHtmlReport([a, b], { title: 't', generatedAt: 'now' });
    expect(out).toContain('<li>2 hosts: identical change to /etc/x (modified): a, b</li>');
  });
});
