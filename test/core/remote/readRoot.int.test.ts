/**
 * Reads stay inside konf_root (issue 11, item 2): a path whose folder resolves outside the
 * root through a symlinked parent is reported as refused and never read — the same rule
 * writes follow — so neither a diff nor a snapshot ever holds a file from outside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { remoteFor } from '../../helpers/channel.js';

describe('RemoteHost.readState never reads through a symlinked parent leading out of the root', () => {
  let fleet: TestFleet;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['r1'] });
    root = fleet.host('r1').root;
    outside = path.join(path.dirname(root), 'outside'); // beside the root
    mkdirSync(path.join(outside, 'deeper'), { recursive: true });
    writeFileSync(path.join(outside, 'app.conf'), 'outside secret\n');
    writeFileSync(path.join(outside, 'deeper/x.conf'), 'outside too\n');
    mkdirSync(path.join(root, 'etc/real'), { recursive: true });
    writeFileSync(path.join(root, 'etc/real/ok.conf'), 'inside\n');
    symlinkSync(outside, path.join(root, 'etc/app')); // absolute link out of the root
    symlinkSync('../..', path.join(root, 'etc/real/up')); // relative link to the root itself: inside
    symlinkSync('../../..', path.join(root, 'etc/real/out')); // relative link above the root
    symlinkSync('real', path.join(root, 'etc/alias')); // a link that stays inside
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('reports such paths as refused, reads nothing from outside, and reads the rest', async () => {
    const paths = [
      '/etc/app/app.conf',
      '/etc/app/deeper/x.conf',
      '/etc/app/none/new.conf',
      '/etc/real/out/outside/app.conf',
      '/etc/real/ok.conf',
      '/etc/alias/ok.conf',
      '/etc/real/up/etc/real/ok.conf',
      '/etc/app',
      '/etc/missing/x.conf',
    ];
    const entries = await remoteFor(fleet, 'r1').readState(paths);
    expect(entries.map((e) => e.path)).toEqual(paths);
    const [a, b, c, d, ok, alias, up, link, missing] = entries;
    for (const e of [a, b, c, d]) {
      expect(e, e?.path).toMatchObject({ state: 'unreadable' });
      expect(e?.state === 'unreadable' && e.error, e?.path).toMatch(/^refused: its folder resolves outside konf_root \(a symlinked parent\)/);
      expect(JSON.stringify(e)).not.toMatch(/outside (secret|too)/);
    }
    expect(ok).toMatchObject({ state: 'file', content: Buffer.from('inside\n') });
    expect(alias).toMatchObject({ state: 'file', content: Buffer.from('inside\n') });
    expect(up).toMatchObject({ state: 'file', content: Buffer.from('inside\n') });
    // The link itself lives inside the root: it is read as a link, never followed.
    expect(link).toMatchObject({ state: 'symlink', target: outside });
    expect(missing).toEqual({ path: '/etc/missing/x.conf', state: 'missing' });
  });

  it('reads everything under a root of / (nothing is outside it)', async () => {
    const entries = await remoteFor(fleet, 'r1', { root: '/' }).readState([path.join(root, 'etc/app/app.conf')]);
    expect(entries[0]).toMatchObject({ state: 'file', content: Buffer.from('outside secret\n') });
  });
});
