/**
 * Runs the BUILT konf entry (dist/src/cli/main.js), the file users run. When the build is
 * missing or older than the sources, it is rebuilt once (`npm run build`: the esbuild
 * bundle), under a lock so parallel test files do not build at the same time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KONF_MAIN = path.join(PROJECT, 'dist/src/cli/main.js');
const LOCK = path.join(PROJECT, 'dist/.konf-build-lock');

/** Written by scripts/build.mjs after each build. */
const STAMP = path.join(PROJECT, 'dist/.konf-build');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.tsx?$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(KONF_MAIN) || !existsSync(STAMP)) return false;
  const sources = newestSource(path.join(PROJECT, 'src'));
  return statSync(STAMP).mtimeMs >= sources;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function ensureBuilt(): Promise<void> {
  if (isFresh()) return;
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > 180_000) rmSync(LOCK, { recursive: true, force: true }); // a crashed builder's lock
      await sleep(200);
      if (isFresh()) return;
    }
  }
  try {
    if (isFresh()) return;
    const r = spawnSync(process.execPath, [path.join(PROJECT, 'scripts/build.mjs'), '--quiet'], { cwd: PROJECT, encoding: 'utf8' });
    if (!isFresh()) throw new Error(`npm run build did not produce a fresh ${KONF_MAIN}:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface KonfResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` with a clean konf environment. */
export function konf(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; onStdout?: (chunk: string) => void } = {},
): Promise<KonfResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    KONF_REPO: undefined,
    KONF_STATE: undefined,
    KONF_DEBUG: undefined,
    KONF_STORE_REMOTE: undefined,
    KONF_CONFIG_DIR: '/nonexistent-konf-config',
    NO_COLOR: '1',
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KONF_MAIN, ...args], { cwd: options.cwd ?? PROJECT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
