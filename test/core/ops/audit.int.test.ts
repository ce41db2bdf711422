/** The audit log when its process exits mid-operation: a real child process (vite-node). */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLogPath, readAudit } from '../../../src/core/ops/audit.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'konf-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audit log', () => {
  it('a process exiting mid-operation still leaves an interrupted record', async () => {
    const viteNode = path.resolve('node_modules/.bin/vite-node');
    const fixture = path.resolve('test/core/ops/fixtures/exiter.ts');
    const code = await new Promise<number | null>((resolve) => spawn(viteNode, [fixture, dir], { stdio: 'inherit' }).on('close', resolve));
    expect(code).toBe(130);
    const [record] = await readAudit(dir);
    expect(record).toMatchObject({
      op: 'op-exit',
      status: 'interrupted',
      argv: ['deploy', '--all'],
      results: { web1: { outcome: 'ok', snapshot: 'f'.repeat(40) }, web2: { outcome: 'skipped' } },
    });
    expect((await stat(auditLogPath(dir))).mode & 0o777).toBe(0o600);
  });
});
