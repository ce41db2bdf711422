import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { konf } from '../helpers/konfInProcess.js';
import { loadFleet } from '../../src/core/fleet/fleet.js';

describe('konf init', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-init-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('creates a repository that plans cleanly for its first host', async () => {
    const dir = path.join(tmp, 'fleet');
    const init = await konf(['init', dir, '--host', 'app1']);
    expect(init.code, init.stderr).toBe(0);
    expect((await stat(path.join(dir, 'hooks/post-deploy/10-sshd-check'))).mode & 0o111).not.toBe(0);
    const show = await konf(['--repo', dir, 'show', 'app1', '--json']);
    expect(show.code, show.stderr).toBe(0);
    const report = JSON.parse(show.stdout) as { files: { path: string }[]; warnings: string[] };
    expect(report.files.map((f) => f.path)).toEqual(['/etc/motd', '/etc/ssh/sshd_config.d/50-konf.conf']);
    const hosts = await konf(['--repo', dir, 'hosts', '--json']);
    expect(hosts.code).toBe(0);
    expect(hosts.stdout).toContain('app1');
  });

  it('refuses to fill a folder that already holds a fleet, and bad host names', async () => {
    const dir = path.join(tmp, 'taken');
    expect((await konf(['init', dir])).code).toBe(0);
    await writeFile(path.join(dir, 'etc/serverconfig/default'), 'kept="yes"\n');
    const again = await konf(['init', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds etc/);
    const bad = await konf(['init', path.join(tmp, 'bad'), '--host', '.hidden']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad host name/);
  });

  it('writes the --host name into the example ssh_config, not web1', async () => {
    const dir = path.join(tmp, 'named');
    expect((await konf(['init', dir, '--host', 'app7'])).code).toBe(0);
    const sshConfig = await readFile(path.join(dir, 'etc/ssh_config'), 'utf8');
    expect(sshConfig).toContain('# Host app7\n#   HostName app7.example.org\n');
    expect(sshConfig).not.toContain('web1');
  });

  it("its first deploy changes no sshd login setting until the admin sets one", async () => {
    const dir = path.join(tmp, 'sshd');
    expect((await konf(['init', dir, '--host', 'app1'])).code).toBe(0);
    const sshd = async () => {
      const plan = await (await loadFleet(dir)).plan('app1');
      const file = plan.files.find((f) => f.path === '/etc/ssh/sshd_config.d/50-konf.conf');
      return file && 'content' in file ? file.content.toString('utf8') : undefined;
    };
    const settings = (text: string | undefined) => (text ?? '').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(settings(await sshd())).toEqual([]);
    await appendFile(path.join(dir, 'etc/serverconfig/default'), 'ssh_password_authentication="no"\n');
    expect(settings(await sshd())).toEqual(['PasswordAuthentication no']);
    await appendFile(path.join(dir, 'etc/serverconfig/app1'), 'ssh_permit_root_login="prohibit-password"\n');
    expect(settings(await sshd())).toEqual(['PermitRootLogin prohibit-password', 'PasswordAuthentication no']);
  });
});
