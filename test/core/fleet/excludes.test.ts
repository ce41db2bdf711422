import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { excludeMatcher, parseExcludes } from '../../../src/core/fleet/excludes.js';

const FILE = 'etc/serverconfig/exclude/web1';

describe('exclude files', () => {
  it('reads absolute paths and globs with their lines, skipping comments and blank lines', () => {
    const rules = parseExcludes('# comment\n\n/etc/motd\n  /etc/nginx/sites-enabled/*  \n/srv/**/cache/\n', FILE);
    expect(rules).toEqual([
      { pattern: '/etc/motd', file: FILE, line: 3 },
      { pattern: '/etc/nginx/sites-enabled/*', file: FILE, line: 4 },
      { pattern: '/srv/**/cache', file: FILE, line: 5 },
    ]);
  });

  it('refuses a relative path, naming file, line and column', () => {
    const err = (() => {
      try {
        parseExcludes('/etc/ok\n\n   etc/motd\n', FILE);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.message).toMatch(/exclude `etc\/motd` is not absolute/);
    expect([ce.file, ce.line, ce.column]).toEqual([FILE, 3, 4]);
  });

  it('refuses `..` in a pattern', () => {
    expect(() => parseExcludes('/etc/../root/.ssh', FILE)).toThrow(/`\.\.` component/);
  });
});

describe('the exclude matcher', () => {
  const rules = parseExcludes(['/etc/motd', '/etc/nginx/sites-enabled/*', '/srv/**/cache', '/etc/ssl', '/var/log/app?.log'].join('\n'), FILE);
  const match = excludeMatcher(rules);
  const lineOf = (p: string) => match(p)?.line;

  it('matches exact paths and returns the rule that fired', () => {
    expect(match('/etc/motd')).toEqual({ pattern: '/etc/motd', file: FILE, line: 1 });
    expect(match('/etc/motd.d/x')).toBeUndefined();
    expect(match('/etc/mot')).toBeUndefined();
  });

  it('matches * within one component only', () => {
    expect(lineOf('/etc/nginx/sites-enabled/default')).toBe(2);
    expect(lineOf('/etc/nginx/sites-available/default')).toBeUndefined();
  });

  it('matches ** across components, including dot files', () => {
    expect(lineOf('/srv/www/a/b/cache')).toBe(3);
    expect(lineOf('/srv/cache')).toBe(3);
    expect(lineOf('/srv/.hidden/cache/entry')).toBe(3);
    expect(lineOf('/srv/www/cachex')).toBeUndefined();
  });

  it('covers everything below a matched folder', () => {
    expect(lineOf('/etc/ssl/private/key.pem')).toBe(4);
    expect(lineOf('/etc/ssl')).toBe(4);
    expect(lineOf('/etc/ssl2/x')).toBeUndefined();
  });

  it('matches ? as one character', () => {
    expect(lineOf('/var/log/app1.log')).toBe(5);
    expect(lineOf('/var/log/app12.log')).toBeUndefined();
  });

  it('matches dot files under a * glob', () => {
    expect(lineOf('/etc/nginx/sites-enabled/.hidden')).toBe(2);
  });

  it('returns the first rule when several match', () => {
    const both = excludeMatcher(parseExcludes('/etc/**\n/etc/motd', FILE));
    expect(both('/etc/motd')?.line).toBe(1);
  });

  it('a rule for / excludes everything', () => {
    expect(excludeMatcher(parseExcludes('/', FILE))('/etc/anything')?.pattern).toBe('/');
  });

  it('with no rules excludes nothing', () => {
    expect(excludeMatcher([])('/etc/motd')).toBeUndefined();
  });
});
