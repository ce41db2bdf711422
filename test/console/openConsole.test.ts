/**
 * `konf console --parallel N` reaches the console's background checks (runConsole's
 * concurrency) and the runtime; the runtime opens only when the console first needs it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ runtime: [] as unknown[], console: [] as unknown[], runtimeAtStart: [] as number[] }));

vi.mock('../../src/console/run.js', () => ({
  preloadConsole: vi.fn(async () => []),
  runConsole: vi.fn(async (session: { hosts(): unknown[]; summaries?(): Promise<unknown[]> }, options: unknown) => {
    calls.console.push(options);
    // The first frame needs the names only; the runtime opens when the summaries are asked for.
    calls.runtimeAtStart.push(calls.runtime.length);
    await session.summaries?.();
    return 0;
  }),
}));
vi.mock('../../src/core/ops/fleetSession.js', () => ({
  openFleetSession: vi.fn(async () => ({ hosts: () => [], summaries: async () => [], close: async () => undefined })),
}));
vi.mock('../../src/cli/commands/opsCommon.js', () => ({
  openRuntime: vi.fn(async (flags: { parallel?: string }) => {
    calls.runtime.push(flags);
    return { options: flags.parallel === undefined ? {} : { concurrency: Number(flags.parallel) } };
  }),
}));

const { runCli } = await import('../../src/cli/program.js');
const repo = mkdtempSync(path.join(os.tmpdir(), 'konf-open-console-'));
mkdirSync(path.join(repo, 'etc/serverconfig'), { recursive: true });
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function io() {
  let err = '';
  return { io: { stdout: () => undefined, stderr: (t: string) => void (err += t), env: {}, cwd: '/', terminal: true }, err: () => err };
}

describe('openConsole', () => {
  beforeEach(() => {
    calls.runtime.length = 0;
    calls.console.length = 0;
    calls.runtimeAtStart.length = 0;
  });

  it('passes konf console --parallel N to the console as its concurrency', async () => {
    const t = io();
    const code = await runCli(['--repo', repo, 'console', '--parallel', '3'], t.io);
    expect(t.err()).toBe('');
    expect(code).toBe(0);
    expect(calls.runtime).toEqual([expect.objectContaining({ parallel: '3' })]);
    expect(calls.console).toEqual([{ concurrency: 3 }]);
    expect(calls.runtimeAtStart).toEqual([0]);
  });

  it('refuses a bad --parallel before the console starts', async () => {
    const t = io();
    const code = await runCli(['--repo', repo, 'console', '--parallel', 'lots'], t.io);
    expect(code).toBe(2);
    expect(t.err()).toContain('--parallel takes a whole number >= 1, not lots');
    expect(calls.console).toEqual([]);
  });

  it('leaves the concurrency to the preferences without --parallel', async () => {
    const t = io();
    await runCli(['--repo', repo, 'console'], t.io);
    expect(calls.console).toEqual([{}]);
  });
});
