/**
 * Runs konf's command line in this process (`runCli`, the function the built entry calls),
 * with output and exit code captured: the same arguments, environment and working
 * directory a spawned `konf` would get, without starting Node and loading the bundle for
 * each call. For what only a real process shows — signals, a closed pipe, the exit code
 * the shell sees, the built file itself — use test/helpers/konfBin.ts.
 */
import { runCli } from '../../src/cli/program.js';
import { PROJECT, type KonfResult } from './konfBin.js';

export { PROJECT, type KonfResult };

export interface InProcessOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called with each piece of stdout as it is written (like a spawned child's data events). */
  onStdout?: (chunk: string) => void;
  /** Answers konf's questions (as a terminal would); absent: nobody can answer, like a pipe. */
  ask?: (question: string) => Promise<string>;
}

/** `konf ...args`, in process, with the clean environment konfBin.ts gives the built binary. */
export async function konf(args: string[], options: InProcessOptions = {}): Promise<KonfResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    KONF_REPO: undefined,
    KONF_STATE: undefined,
    KONF_DEBUG: undefined,
    KONF_CONFIG_DIR: '/nonexistent-konf-config',
    NO_COLOR: '1',
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
      options.onStdout?.(text);
    },
    stderr: (text) => (stderr += text),
    env: env as NodeJS.ProcessEnv,
    cwd: options.cwd ?? PROJECT,
    ...(options.ask ? { ask: options.ask } : {}),
  });
  return { code, stdout, stderr };
}
