/**
 * The repository stamp (fleet/stamp.ts) a deploy compares right before each host's write:
 * equal while nothing under etc/ and hooks/ changes, different after any edit, addition,
 * removal or mode change at any depth; its folders are looked at concurrently, so the
 * order of the text hashed must not depend on which answer comes first.
 */
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoStamp } from '../../../src/core/fleet/stamp.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'konf-stamp-'));
  for (const d of ['etc/files/etc/app/conf.d', 'etc/files/etc/other', 'hooks/pre-deploy']) await mkdir(path.join(root, d), { recursive: true });
  for (let i = 0; i < 30; i++) await writeFile(path.join(root, 'etc/files/etc/app/conf.d', `f${i}.conf`), `x${i}\n`);
  await writeFile(path.join(root, 'etc/files/etc/other/o.conf'), 'o\n');
  await writeFile(path.join(root, 'hooks/pre-deploy/10-x'), '#!/bin/sh\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('repoStamp', () => {
  it('is the same on every walk of an unchanged repository (walked concurrently)', async () => {
    const stamps = await Promise.all(Array.from({ length: 8 }, () => repoStamp(root)));
    expect(new Set(stamps).size).toBe(1);
    expect(await repoStamp(root)).toBe(stamps[0]);
  });

  it('changes with an edit, an added or removed file, a mode and a hook, at any depth', async () => {
    const seen = new Set([await repoStamp(root)]);
    const changes: (() => Promise<void>)[] = [
      () => writeFile(path.join(root, 'etc/files/etc/app/conf.d/f17.conf'), 'x17 edited\n'),
      () => utimes(path.join(root, 'etc/files/etc/other/o.conf'), new Date('2020-01-01'), new Date('2020-01-01')),
      () => writeFile(path.join(root, 'etc/files/etc/app/conf.d/new.conf'), 'n\n'),
      () => rm(path.join(root, 'etc/files/etc/app/conf.d/f3.conf')),
      () => chmod(path.join(root, 'hooks/pre-deploy/10-x'), 0o755),
    ];
    for (const change of changes) {
      await change();
      const stamp = await repoStamp(root);
      expect(seen.has(stamp), String(change)).toBe(false);
      seen.add(stamp);
    }
  });
});
