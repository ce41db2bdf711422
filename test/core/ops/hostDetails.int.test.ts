/**
 * The inventory columns read from real files: addresses through konf's ssh config
 * resolution (the fleet's etc/ssh_config, then the user's), last deploys from real audit
 * logs — this jump host's file and, with a shared store, another jump host's records as
 * `konf log` merges them (a real bare git remote).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AuditLog, type AuditRecord } from '../../../src/core/ops/audit.js';
import type { HostOutcome, OperationKind } from '../../../src/core/ops/events.js';
import { readHostDetails } from '../../../src/core/ops/hostDetails.js';
import { OpsRuntime } from '../../../src/core/ops/runtime.js';
import { pushShared } from '../../../src/core/ops/storeSync.js';
import { rawGit, tempDir } from '../store/helpers.js';

function record(op: string, kind: OperationKind, end: string, operator: string, results: Record<string, HostOutcome>, dryRun = false): AuditRecord {
  const hosts = Object.keys(results);
  return {
    v: 1,
    op,
    kind,
    status: 'completed',
    ok: Object.values(results).every((o) => o === 'ok' || o === 'unchanged'),
    operator,
    jumpHost: `jump-${operator}`,
    pid: 4242,
    dryRun,
    start: end,
    end,
    durationMs: 10,
    argv: [kind, ...hosts],
    hosts,
    results: Object.fromEntries(Object.entries(results).map(([h, outcome]) => [h, { outcome }])),
    snapshots: {},
    errors: {},
    summary: {},
    text: `${kind} done`,
  };
}

describe('readHostDetails', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  const runtimes: OpsRuntime[] = [];
  const open = async (state: string) => {
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(dir, state), userSshConfig: path.join(dir, 'user_ssh_config') });
    runtimes.push(rt);
    return rt;
  };

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    repo = path.join(dir, 'repo');
    await mkdir(path.join(repo, 'etc/serverconfig'), { recursive: true });
    await writeFile(path.join(repo, 'etc/serverconfig/default'), '');
    for (const h of ['web1', 'web2', 'db1']) await writeFile(path.join(repo, 'etc/serverconfig', h), '');
    await writeFile(path.join(repo, 'etc/ssh_config'), 'Host web1\n  HostName 10.0.0.5\n  Port 2222\nHost db*\n  HostName %h.internal.example\n');
    await writeFile(path.join(dir, 'user_ssh_config'), 'Host web1\n  HostName 192.0.2.99\n');
  });
  afterEach(async () => {
    for (const rt of runtimes.splice(0)) await rt.close();
    await cleanup();
  });

  it('resolves each address as konf connects (the fleet config first, tokens expanded, the alias when unset) and takes the newest real deploy from the audit log', async () => {
    const rt = await open('state');
    const log = new AuditLog(rt.stateDir);
    await log.append(record('op1', 'deploy', '2026-05-01T10:00:00.000Z', 'alice', { web1: 'ok', web2: 'ok' }));
    // Newer, but none of these wrote web1: a dry run, a diff, a deploy that failed before writing, a host in sync.
    await log.append(record('op2', 'deploy', '2026-05-02T10:00:00.000Z', 'mallory', { web1: 'ok' }, true));
    await log.append(record('op3', 'diff', '2026-05-03T10:00:00.000Z', 'mallory', { web1: 'pending' }));
    await log.append(record('op4', 'deploy', '2026-05-04T10:00:00.000Z', 'mallory', { web1: 'failed' }));
    await log.append(record('op5', 'deploy', '2026-05-05T10:00:00.000Z', 'mallory', { web1: 'unchanged' }));
    // web2 was written and put back: a deploy, not an ok one.
    await log.append(record('op6', 'deploy', '2026-05-06T10:00:00.000Z', 'carol', { web2: 'restored' }));

    const { details, warnings } = await readHostDetails(rt, ['web1', 'web2', 'db1']);
    expect(warnings).toEqual([]);
    expect(details).toEqual({
      web1: { address: '10.0.0.5:2222', lastDeploy: { time: '2026-05-01T10:00:00.000Z', operator: 'alice', ok: true, kind: 'deploy', op: 'op1' } },
      web2: { address: 'web2', lastDeploy: { time: '2026-05-06T10:00:00.000Z', operator: 'carol', ok: false, kind: 'deploy', op: 'op6' } },
      db1: { address: 'db1.internal.example' },
    });
  });

  it('with a shared store, another jump host\u2019s newer rollback (from its audit ref) is the last deploy', async () => {
    const shared = path.join(dir, 'shared.git');
    await rawGit(shared, 'init', '--bare', '--quiet', shared);
    await writeFile(path.join(repo, 'etc/konf.conf'), `store_remote = ${shared}\nstore_timeout = 5\n`);
    const here = await open('state-a');
    const there = await open('state-b');
    await new AuditLog(here.stateDir).append(record('op1', 'deploy', '2026-05-01T10:00:00.000Z', 'alice', { web1: 'ok', db1: 'ok' }));
    await new AuditLog(there.stateDir).append(record('op2', 'rollback', '2026-05-02T10:00:00.000Z', 'bob', { web1: 'ok' }));
    // The other jump host shares its record the way every operation does (its audit ref, pushed).
    expect((await pushShared(there)).warnings).toEqual([]);
    expect(await rawGit(shared, 'for-each-ref', '--format=%(refname)', 'refs/konf/audit/')).toMatch(/^refs\/konf\/audit\//);

    const { details, warnings } = await readHostDetails(here, ['web1', 'db1']);
    expect(warnings).toEqual([]);
    expect(details.web1?.lastDeploy).toEqual({ time: '2026-05-02T10:00:00.000Z', operator: 'bob', ok: true, kind: 'rollback', op: 'op2' });
    expect(details.db1?.lastDeploy).toEqual({ time: '2026-05-01T10:00:00.000Z', operator: 'alice', ok: true, kind: 'deploy', op: 'op1' });
  });

  it('an ssh config konf cannot honour is the host\u2019s address error (file:line), not a failure of the others', async () => {
    await writeFile(path.join(repo, 'etc/ssh_config'), 'Host web1\n  HostName 10.0.0.5\nHost web2\n  ProxyCommand nc %h %p\n');
    const rt = await open('state');
    const { details } = await readHostDetails(rt, ['web1', 'web2']);
    expect(details.web1).toEqual({ address: '10.0.0.5' });
    expect(details.web2?.address).toBeUndefined();
    expect(details.web2?.addressError).toMatch(/ssh_config.*:4|ProxyCommand/);
  });
});
