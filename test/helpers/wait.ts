/** Waiting on conditions and markers in tests (never on a fixed sleep). */
import { readFileSync, watch } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Polls `fn` (a cheap local check) until it holds; fails naming `what` after timeoutMs. */
export async function waitUntil(what: string, fn: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until `check` stops throwing (an assertion); rethrows its last error after timeoutMs. */
export async function eventually(check: () => void, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

let gates = 0;

/**
 * A gate a remote command waits at (the test fleet's hosts share this machine's files):
 * `wait` is shell that blocks until `open()` has created the gate file.
 */
export function remoteGate(dir: string): { wait: string; open: () => Promise<void> } {
  const file = path.join(dir, `gate-${process.pid}-${++gates}`);
  return { wait: `until [ -e '${file}' ]; do sleep 0.02; done`, open: () => writeFile(file, '') };
}

/**
 * Waits (inotify, through fs.watch on its folder) until `file` exists and its text passes
 * `accept`; fails after timeoutMs. The folder must exist.
 */
export function waitForFile(file: string, accept: (text: string) => boolean = () => true, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      try {
        const text = readFileSync(file, 'utf8');
        if (!accept(text)) return false;
        finish();
        resolve(text);
        return true;
      } catch {
        return false;
      }
    };
    const watcher = watch(path.dirname(file), () => void check());
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${file}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      watcher.close();
    };
    check();
  });
}
