/** The session's host summaries say where each host's files go (konf_root, konf_become). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFleetSession } from '../../src/core/ops/fleetSession.js';
import { OpsRuntime } from '../../src/core/ops/runtime.js';

const repo = mkdtempSync(path.join(os.tmpdir(), 'konf-summary-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function file(rel: string, text: string) {
  mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  writeFileSync(path.join(repo, rel), text);
}

describe('openFleetSession host summaries', () => {
  it('carry the target root and privilege escalation of each host', async () => {
    file('etc/serverconfig/default', 'role="web"\n');
    file('etc/serverconfig/web1', 'konf_root=/srv/chroot\nkonf_become=sudo\n');
    file('etc/serverconfig/web2', '');
    file('etc/files/etc/motd', 'hello\n');
    const rt = await OpsRuntime.open({ repo, stateDir: path.join(repo, 'var') });
    const session = await openFleetSession(rt);
    try {
      const byName = Object.fromEntries(session.hosts().map((h) => [h.name, h]));
      expect(byName.web1).toMatchObject({ root: '/srv/chroot', become: 'sudo' });
      expect(byName.web2).toMatchObject({ root: '/', become: '' });
    } finally {
      await session.close();
    }
  });
});
