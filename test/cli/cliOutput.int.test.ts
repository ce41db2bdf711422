/**
 * One output path (issue 17): the commands write through the injectable `ctx.io`, never to
 * process.stdout/stderr, so a CLI run in this process shows everything a terminal would.
 * Against a real OpenSSH fleet: the `--shard` line `selectHosts` says, and everything
 * `konf adopt` prints after the preview (the edited template's diff, the host read again,
 * the other hosts' diffs), and the editor adopt opens comes from ctx.io.env.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { selectShard } from '../../src/core/fleet/shard.js';
import { startTestFleet, type TestFleet } from '../../src/testfleet/testFleet.js';
import { bindRepoToFleet } from '../../src/testfleet/fleetRepo.js';
import { konf as runKonf } from '../helpers/konfInProcess.js';

async function put(file: string, content: string, mode?: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  if (mode !== undefined) await chmod(file, mode);
}

describe('CLI output goes through ctx.io (in process, real fleet)', { timeout: 120_000 }, () => {
  let fleet: TestFleet;
  let tmp: string;
  let repo: string;
  let state: string;
  const gitEnv = { GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.net', GIT_COMMITTER_NAME: 'Alice', GIT_COMMITTER_EMAIL: 'alice@example.net' };
  const env = () => ({ USER: 'alice', EDITOR: path.join(tmp, 'editor.sh'), VISUAL: '', ...gitEnv });
  const konf = (args: string[], ask?: (q: string) => Promise<string>) => runKonf(['--repo', repo, '--state', state, ...args], { env: env(), ...(ask ? { ask } : {}) });
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: { ...process.env, ...gitEnv } });
  const onHost = (host: string, p: string) => path.join(fleet.host(host).root, p);

  /** This process's own editor variable: `false` fails at once, so an editor taken from process.env instead of ctx.io.env shows as an error, not a hung vi. */
  const ownVisual = process.env.VISUAL;

  beforeAll(async () => {
    process.env.VISUAL = 'false';
    fleet = await startTestFleet({ hosts: ['web1', 'web2', 'web3'] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-cli-output-'));
    repo = path.join(tmp, 'repo');
    state = path.join(tmp, 'state');
    await put(path.join(repo, 'etc/serverconfig/default'), 'role="web"\nworkers=2\n');
    for (const h of fleet.hosts) await put(path.join(repo, 'etc/serverconfig', h.name), '');
    await put(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'role={{ role }}\nworkers={{ workers }}\n');
    await put(path.join(repo, 'etc/files/etc/motd'), 'welcome\n');
    await bindRepoToFleet(repo, fleet);
    // The "editor": what an admin would type into the template.
    await put(path.join(tmp, 'editor.sh'), `#!/bin/sh\nprintf 'role={{ role }}\\nworkers={{ workers * 8 }}\\n' > "$1"\n`, 0o755);
    await put(path.join(repo, '.gitignore'), 'var/\n');
    execFileSync('git', ['init', '-q', repo]);
    git('add', '-A');
    git('commit', '-q', '-m', 'fleet');
    const first = await konf(['deploy', '--all', '--yes']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
  });
  afterAll(async () => {
    if (ownVisual === undefined) delete process.env.VISUAL;
    else process.env.VISUAL = ownVisual;
    await fleet?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('--shard K/N: diff, deploy and snapshot say their shard line on ctx.io.stderr', async () => {
    const names = fleet.hosts.map((h) => h.name);
    for (const [k, cmd] of [
      [1, ['diff', '--all']],
      [2, ['deploy', '--all', '--yes']],
      [1, ['snapshot', '--all']],
    ] as const) {
      const mine = selectShard(names, { index: k, count: 2 });
      const r = await konf([...cmd, '--shard', `${k}/2`]);
      expect(r.code, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr, cmd.join(' ')).toContain(`shard ${k}/2: ${mine.length} of ${names.length} host(s)\n`);
      expect(r.stdout, cmd.join(' ')).not.toContain('shard ');
    }
  });

  it('adopt --yes: the preview, then the host read again ("now: in sync"), all on ctx.io.stdout', async () => {
    await put(onHost('web1', 'etc/motd'), 'welcome, by hand\n');
    const r = await konf(['adopt', 'web1', '/etc/motd', '--to', 'repo', '--yes']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('+welcome, by hand');
    expect(r.stdout).toContain('web1 now: in sync (/etc/motd)\n');
    expect(await readFile(path.join(repo, 'etc/files/etc/motd'), 'utf8')).toBe('welcome, by hand\n');
    git('commit', '-q', '-am', 'motd as on web1');
  });

  it('adopt a template with [e]: the edited template diff, the host now, the other hosts diffs, all on ctx.io.stdout', async () => {
    await put(onHost('web1', 'etc/app.conf'), 'role=web\nworkers=16\n');
    const questions: string[] = [];
    const r = await konf(['adopt', 'web1', '/etc/app.conf', '--to', 'repo'], async (q) => {
      questions.push(q);
      return 'e';
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('[e] edit etc/files/etc/app.conf.tmpl in $EDITOR');
    expect(r.stdout).toContain(`etc/files/etc/app.conf.tmpl (edited in ${env().EDITOR}):`);
    expect(r.stdout).toContain('+workers={{ workers * 8 }}');
    expect(r.stdout).toContain('web1 now: in sync (/etc/app.conf)\n');
    expect(r.stdout).toMatch(/Other hosts' diffs for \/etc\/app\.conf now/);
    expect(r.stdout).toContain('+workers=16');
    expect(await readFile(path.join(repo, 'etc/files/etc/app.conf.tmpl'), 'utf8')).toBe('role={{ role }}\nworkers={{ workers * 8 }}\n');
  });
});
