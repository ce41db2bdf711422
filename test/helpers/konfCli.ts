/** Runs the BUILT konf entry (what users run) as a child process. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KONF_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli/main.js');

export interface KonfRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runKonf(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; onStdout?: (chunk: string) => void } = {}): Promise<KonfRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KONF_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: '1', KONF_CONFIG_DIR: '/nonexistent-konf-config', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
