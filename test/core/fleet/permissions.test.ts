import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parsePermissions, permissionMatcher } from '../../../src/core/fleet/permissions.js';

const FILE = 'etc/permissions';

function error(text: string): ConfigError {
  try {
    parsePermissions(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('etc/permissions', () => {
  it('reads GLOB MODE [OWNER [GROUP]] with - for unset fields', () => {
    const rules = parsePermissions(
      ['# comment', '', '/etc/sudoers.d/*  0440 root root', '/usr/local/sbin/*\t755', '/etc/shadow - - shadow', '/srv/**  2775 www-data'].join('\n'),
      FILE,
    );
    expect(rules).toEqual([
      { glob: '/etc/sudoers.d/*', mode: 0o440, owner: 'root', group: 'root', file: FILE, line: 3 },
      { glob: '/usr/local/sbin/*', mode: 0o755, file: FILE, line: 4 },
      { glob: '/etc/shadow', group: 'shadow', file: FILE, line: 5 },
      { glob: '/srv/**', mode: 0o2775, owner: 'www-data', file: FILE, line: 6 },
    ]);
  });

  it('accepts numeric owners and groups', () => {
    expect(parsePermissions('/x 600 1000 100', FILE)[0]).toMatchObject({ owner: '1000', group: '100' });
  });

  const cases: [string, string, RegExp, number, number | undefined][] = [
    ['a missing mode', '/etc/x', /the mode is missing/, 1, 7],
    ['a non-octal mode', '\n/etc/x 0648', /invalid mode `0648`/, 2, 8],
    ['a symbolic mode', '/etc/x rw-r--r--', /invalid mode `rw-r--r--`/, 1, 8],
    ['a mode with too many digits', '/etc/x 10644', /invalid mode `10644`/, 1, 8],
    ['a relative glob', '\n\netc/x 0644', /path `etc\/x` is not absolute/, 3, 1],
    ['a glob with ..', '/etc/../x 0644', /`\.\.` component/, 1, 1],
    ['an invalid owner', '/etc/x 0644 ro:ot', /invalid owner `ro:ot`/, 1, 13],
    ['an invalid group', '/etc/x 0644 root gr/p', /invalid group `gr\/p`/, 1, 18],
    ['a fifth field', '/etc/x 0644 root root extra', /unexpected text after GROUP/, 1, 23],
  ];
  for (const [name, text, message, line, column] of cases) {
    it(`refuses ${name}, naming file:line:column`, () => {
      const err = error(text);
      expect(err.message).toMatch(message);
      expect([err.file, err.line, err.column]).toEqual([FILE, line, column]);
    });
  }
});

describe('the permission matcher', () => {
  const rules = parsePermissions(['/etc/**  0644 root root', '/etc/sudoers.d/*  0440', '/etc/ssh/*_key  0600', '/etc/.hidden - nobody'].join('\n'), FILE);
  const match = permissionMatcher(rules);

  it('lets the last matching rule win, whole', () => {
    expect(match('/etc/sudoers.d/admins')).toEqual({ glob: '/etc/sudoers.d/*', mode: 0o440, file: FILE, line: 2 });
    expect(match('/etc/ssh/ssh_host_ed25519_key')?.line).toBe(3);
    expect(match('/etc/motd')?.line).toBe(1);
  });

  it('matches dot files', () => {
    expect(match('/etc/.hidden')?.owner).toBe('nobody');
    expect(match('/etc/sub/.dotfile')?.line).toBe(1);
  });

  it('returns undefined when no rule matches', () => {
    expect(match('/usr/bin/x')).toBeUndefined();
  });
});
