/** The built file users run, as a real process: its shebang, bin entry, version and exit codes (the rest of help: help.test.ts, in process). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, konf, KONF_MAIN, PROJECT } from '../helpers/konfBin.js';

beforeAll(async () => {
  await ensureBuilt();
});

describe('the built konf', () => {
  it('the built entry is an executable script for node', async () => {
    expect((await readFile(KONF_MAIN, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    const pkg = JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(path.join(PROJECT, pkg.bin.konf ?? '')).toBe(KONF_MAIN);
  });

  it('konf --version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string };
    const r = await konf(['--version']);
    expect([r.code, r.stdout.trim()]).toEqual([0, pkg.version]);
  });

  it('exit codes reach the shell: 0 for help, 2 for a usage error', async () => {
    expect((await konf([])).code).toBe(0);
    const r = await konf(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
