import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { konf, PROJECT } from '../helpers/konfInProcess.js';

describe('konf help and usage errors (in process)', () => {
  it('konf --help lists the global options and the commands', async () => {
    const r = await konf(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['--repo <dir>', '--state <dir>', 'hosts', 'show [options] <host>', 'help [command]', 'Exit codes:']) expect(r.stdout).toContain(word);
  });

  it('konf with no command (not on a terminal) prints the help and exits 0', async () => {
    const r = await konf([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: konf [options] [command]');
  });

  it('konf help COMMAND explains the command', async () => {
    const show = await konf(['help', 'show']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Usage: konf show \[options\] <host>[\s\S]*--json[\s\S]*--reveal/);
    const hosts = await konf(['hosts', '--help']);
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain('Usage: konf hosts [options]');
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['show'], /missing required argument 'host'/],
    [['hosts', '--bogus'], /unknown option '--bogus'/],
    [['--repo'], /option '--repo <dir>' argument missing/],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await konf(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--repo pointing at a folder that is not a fleet repository exits 2', async () => {
    const r = await konf(['--repo', path.join(PROJECT, 'src'), 'hosts']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`konf: --repo ${path.join(PROJECT, 'src')} is not a konf fleet repository (no etc/serverconfig/ folder)\n`);
  });
});
