/** planAll: the plans of many hosts in one batch equal their plan() one by one. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { loadFleet } from '../../../src/core/fleet/fleet.js';
import { makeRepo, type Fixture } from './repoFixture.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.remove();
  fixture = undefined;
});

const repo = {
  'etc/serverconfig/default': 'workers=2\nrole="web"\n',
  'etc/serverconfig/web1': 'workers=4\n',
  'etc/serverconfig/web2': '',
  'etc/serverconfig/db1': 'role="db"\n',
  'etc/serverconfig/exclude/web2': '/etc/app/local.conf\n',
  'etc/files/etc/app/app.conf.tmpl': 'host={{ konf_host }} workers={{ workers }} role={{ role }}\n',
  'etc/files/etc/app/local.conf': 'local\n',
  'etc/files/etc/motd': 'welcome\n',
  'etc/files/etc/app/conf.d/main.conf': { symlink: '../app.conf' },
  'etc/permissions': '/etc/app/* 0640\n',
};

describe('planAll', () => {
  it('gives every host, in order, exactly what plan() gives it', async () => {
    fixture = await makeRepo(repo);
    const fleet = await loadFleet(fixture.root);
    const batch = await Promise.all(fleet.planAll(['web2', 'db1', 'web1']));
    expect(batch.map((p) => p.host)).toEqual(['web2', 'db1', 'web1']);
    for (const p of batch) expect(p).toEqual(await fleet.plan(p.host));
    const web1 = batch[2]!.files.find((f) => f.path === '/etc/app/app.conf');
    expect(web1?.kind === 'file' && web1.content.toString()).toBe('host=web1 workers=4 role=web\n');
    expect(batch[0]!.excluded.map((e) => e.path)).toEqual(['/etc/app/local.conf']);
  });

  it('fails only the hosts whose plan fails, each with its own ConfigError', async () => {
    fixture = await makeRepo({ ...repo, 'etc/serverconfig/db1': 'role=$(whoami)\n' });
    const fleet = await loadFleet(fixture.root);
    const results = await Promise.allSettled(fleet.planAll(['web1', 'db1']));
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]!.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConfigError);
  });

  it('reports a broken shared file (permissions) on every host', async () => {
    fixture = await makeRepo({ ...repo, 'etc/permissions': '/etc/app/*\n' });
    const fleet = await loadFleet(fixture.root);
    const results = await Promise.allSettled(fleet.planAll(['web1', 'web2']));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConfigError);
    }
  });

  it('rejects an unknown host like plan() does', async () => {
    fixture = await makeRepo(repo);
    const fleet = await loadFleet(fixture.root);
    const [unknown] = await Promise.allSettled(fleet.planAll(['nope']));
    const direct = await fleet.plan('nope').catch((e: unknown) => e);
    expect(unknown?.status).toBe('rejected');
    expect(String((unknown as PromiseRejectedResult).reason)).toBe(String(direct));
  });
});
