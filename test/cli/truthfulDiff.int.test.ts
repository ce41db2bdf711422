/**
 * `konf diff` tells the truth (issue 10, items 4 and 5): side-by-side output fits the
 * width it is given and never hides a change; drift (a hand edit on the host since konf
 * wrote a file) is told apart from a pending repository change in human output, in
 * --json, and by `konf diff --drift`'s exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { renderSideBySide } from '../../src/cli/diffPrinter.js';
import { plain } from '../../src/cli/color.js';
import { sideBySideRows } from '../../src/core/diff/sideBySide.js';
import { konf as runKonf } from '../helpers/konfInProcess.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

/** A 300-column line whose only change is at column 200. */
function longLines(): { old: string; now: string } {
  const head = 'x'.repeat(199);
  return { old: `${head}OLDVALUE${'y'.repeat(93)}`, now: `${head}NEWVALUE${'y'.repeat(93)}` };
}

/** The text of one side's column in side-by-side output, continuation rows joined. */
function column(out: string, side: 'left' | 'right', width: number): string {
  const half = Math.floor((width - 3) / 2);
  return out
    .split('\n')
    .filter((l) => l.includes('│'))
    .map((l) => (side === 'left' ? l.slice(0, half) : l.slice(half + 3)).slice(7).trimEnd())
    .join('');
}

describe('side-by-side never hides a change', () => {
  it('a 300-column line changed at column 200, at 80 columns: every row fits, both whole lines are shown', () => {
    const { old, now } = longLines();
    const rows = sideBySideRows(createTwoFilesPatch('a/f', 'b/f', `a\n${old}\nz\n`, `a\n${now}\nz\n`));
    const out = renderSideBySide(rows, 80, plain);
    for (const line of out.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(column(out, 'left', 80)).toContain(old);
    expect(column(out, 'right', 80)).toContain(now);
    expect(out).toContain('↪');
  });
});

describe('konf diff against a real host', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const konf = (args: string[], env: Record<string, string> = {}) => runKonf(['--repo', repo, '--state', state, ...args], { env });
  const host = (p: string) => path.join(fleet.host('mail1').root, p);

  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['mail1'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-truthful-diff-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), '');
    await put(path.join(repo, 'etc/serverconfig/mail1'), '');
    await put(path.join(repo, 'etc/files/etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP\nmessage_size_limit = 20480000\n');
    await put(path.join(repo, 'etc/files/etc/postfix/master.cf'), 'smtp inet n - y - - smtpd\n');
    await put(path.join(repo, 'etc/files/etc/long.conf'), `${longLines().now}\n`);
    await bindRepoToFleet(repo, fleet);
    await put(host('etc/long.conf'), `${longLines().old}\n`);
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('--side-by-side fits --width and $COLUMNS when piped, and shows the change at column 200', async () => {
    for (const [args, env] of [
      [['--width', '80'], {}],
      [[], { COLUMNS: '80' }],
    ] as const) {
      const res = await konf(['diff', 'mail1', '--side-by-side', ...args], env);
      expect(res.code, res.stderr).toBe(1);
      const lines = res.stdout.split('\n').filter((l) => l.includes('│'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of res.stdout.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
      expect(column(res.stdout, 'left', 80)).toContain(longLines().old);
      expect(column(res.stdout, 'right', 80)).toContain(longLines().now);
    }
  });

  it('a hand edit is "drifted" (human, --json, --drift exit 1); a repository change alone is "pending" (--drift exit 0); both is "both"', async () => {
    const dep = await konf(['deploy', 'mail1', '--yes']);
    expect(dep.code, dep.stdout + dep.stderr).toBe(0);
    expect((await konf(['diff', 'mail1', '--drift'])).code).toBe(0);

    // Someone edits main.cf on the host.
    await put(host('etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP (hand-edited)\nmessage_size_limit = 20480000\n');
    const human = await konf(['diff', 'mail1']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^mail1: 1 drifted$/m);
    expect(human.stdout).toMatch(/modified +\/etc\/postfix\/main\.cf .*\[drifted: changed on the host since konf wrote it\]/);
    const json = JSON.parse((await konf(['diff', 'mail1', '--json'])).stdout) as { hosts: { drifted: number; files: { path: string; state?: string }[] }[] };
    expect(json.hosts[0]?.drifted).toBe(1);
    expect(json.hosts[0]?.files.find((f) => f.path === '/etc/postfix/main.cf')?.state).toBe('drifted');
    const drift = await konf(['diff', 'mail1', '--drift']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('/etc/postfix/main.cf');

    // The repository changes master.cf only: pending, not drift.
    await put(path.join(repo, 'etc/files/etc/postfix/master.cf'), 'smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n');
    const both = JSON.parse((await konf(['diff', 'mail1', '--json'])).stdout) as { hosts: { files: { path: string; state?: string }[] }[] };
    expect(both.hosts[0]?.files.find((f) => f.path === '/etc/postfix/master.cf')?.state).toBe('pending');
    expect((await konf(['diff', 'mail1'])).stdout).toMatch(/^mail1: 2 pending \(1 drifted\)$/m);

    // The repository changes main.cf too: both.
    await put(path.join(repo, 'etc/files/etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP\nmessage_size_limit = 40960000\n');
    const json3 = JSON.parse((await konf(['diff', 'mail1', '--json'])).stdout) as { hosts: { files: { path: string; state?: string }[] }[] };
    expect(json3.hosts[0]?.files.find((f) => f.path === '/etc/postfix/main.cf')?.state).toBe('both');

    // Undo the hand edit: no drift any more, --drift exits 0 although changes are pending.
    await put(host('etc/postfix/main.cf'), 'smtpd_banner = $myhostname ESMTP\nmessage_size_limit = 20480000\n');
    expect((await konf(['diff', 'mail1', '--drift'])).code).toBe(0);
    expect((await konf(['diff', 'mail1'])).code).toBe(1);

    // A chmod by hand is drift too.
    await chmod(host('etc/postfix/master.cf'), 0o600);
    const mode = JSON.parse((await konf(['diff', 'mail1', '--json'])).stdout) as { hosts: { files: { path: string; state?: string }[] }[] };
    expect(mode.hosts[0]?.files.find((f) => f.path === '/etc/postfix/master.cf')?.state).toBe('both');
  });
});
