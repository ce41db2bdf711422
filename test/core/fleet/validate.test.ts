import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseValidate, validateMatcher } from '../../../src/core/fleet/validate.js';
import { fileCheckCommand } from '../../../src/core/remote/checks.js';
import { confirmWithinProblem, hostSettings } from '../../../src/core/fleet/reserved.js';

const FILE = 'etc/validate';

function error(text: string): ConfigError {
  try {
    parseValidate(text, FILE);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('etc/validate', () => {
  it('reads GLOB COMMAND… lines: %s makes a file check, no %s a set check; comments and blank lines skipped', () => {
    const rules = parseValidate(['# checks', '', '/etc/sudoers.d/*   visudo -cf %s', '\t/etc/nginx/**  nginx -t -q  ', '/etc/ssh/sshd_config sshd -t -f %s -h "$KONF_ROOT/k"'].join('\n'), FILE);
    expect(rules).toEqual([
      { glob: '/etc/sudoers.d/*', command: 'visudo -cf %s', kind: 'file', file: FILE, line: 3 },
      { glob: '/etc/nginx/**', command: 'nginx -t -q', kind: 'set', file: FILE, line: 4 },
      { glob: '/etc/ssh/sshd_config', command: 'sshd -t -f %s -h "$KONF_ROOT/k"', kind: 'file', file: FILE, line: 5 },
    ]);
  });

  it('a malformed line names file, line and column', () => {
    expect(error('# ok\n/etc/motd\n').format()).toBe('etc/validate:2:10: expected `GLOB COMMAND…`: the command is missing');
    expect(error('etc/motd true\n').format()).toBe('etc/validate:1:1: path `etc/motd` is not absolute (it must start with /)');
    expect(error('/etc/../x true\n').format()).toMatch(/^etc\/validate:1:1: path `\/etc\/\.\.\/x` contains a `\.\.` component/);
    expect(error('\n\n/etc/x  visudo -cf "%s"\n').format()).toBe("etc/validate:3:21: write %s without quotes: konf puts the staged file's path there already quoted");
    expect(error("/etc/x grep -q y '%s'\n").format()).toMatch(/^etc\/validate:1:\d+: write %s without quotes/);
  });

  it('matches rules to paths like etc/permissions globs (dot files too), every matching rule in file order', () => {
    const rules = parseValidate('/etc/ssh/** sshd -t\n/etc/ssh/sshd_config.d/*.conf sshd -t -f %s\n/etc/other true\n', FILE);
    const match = validateMatcher(rules);
    expect(match('/etc/ssh/sshd_config.d/.10-x.conf').map((r) => r.line)).toEqual([1, 2]);
    expect(match('/etc/ssh/sshd_config').map((r) => r.line)).toEqual([1]);
    expect(match('/etc/motd')).toEqual([]);
  });

  it('%s becomes the quoted positional parameter the staged path is passed in', () => {
    expect(fileCheckCommand('visudo -cf %s && echo %s')).toBe('visudo -cf "$1" && echo "$1"');
  });
});

describe('konf_confirm_within', () => {
  it('whole seconds up to an hour; empty or 0 is off', () => {
    expect(confirmWithinProblem('')).toBeUndefined();
    expect(confirmWithinProblem('30')).toBeUndefined();
    expect(confirmWithinProblem('0')).toBeUndefined();
    expect(confirmWithinProblem('1.5')).toMatch(/whole number of seconds/);
    expect(confirmWithinProblem('-3')).toMatch(/whole number of seconds/);
    expect(confirmWithinProblem('3601')).toMatch(/at most 3600/);
    const origin = { kind: 'default' as const, file: 'etc/serverconfig/default', line: 1 };
    expect(hostSettings([{ name: 'konf_confirm_within', value: '45', origin, secret: false }]).confirmWithin).toBe(45);
    expect(hostSettings([]).confirmWithin).toBeUndefined();
  });
});
