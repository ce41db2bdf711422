/** The built konf as a running process a test can watch and signal (konfBin's konf() only awaits the end). */
import { spawn, type ChildProcess } from 'node:child_process';
import { KONF_MAIN } from './konfBin.js';

export interface RunningKonf {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout so far matches (checked as output arrives); rejects if konf ends first. */
  seen: (re: RegExp) => Promise<RegExpMatchArray>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startKonf(args: string[], env: Record<string, string | undefined> = {}): RunningKonf {
  const child = spawn(process.execPath, [KONF_MAIN, ...args], {
    env: { ...process.env, KONF_REPO: undefined, KONF_STATE: undefined, NO_COLOR: '1', KONF_CONFIG_DIR: '/nonexistent-konf-config', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stdout!.on('error', () => undefined);
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    seen: (re) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const m = out.match(re);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void done.then(() => reject(new Error(`konf ended before ${re} appeared:\n${out}\n${err}`)));
      }),
    done,
  };
}
