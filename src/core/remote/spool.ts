/**
 * Spool files: the bytes of large live files a read kept for a snapshot, on the
 * controller's disk instead of in memory. One private folder (0700) per konf process under
 * the OS temp folder, removed when the process exits; each file is private (0600) and can
 * be released earlier.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let folder: string | undefined;
let counter = 0;

/** A new file name in this process's spool folder (the folder is created on first use). */
export function spoolFile(): string {
  if (folder === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'konf-spool-'));
    folder = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  counter++;
  return path.join(folder, `large-${counter}`);
}

/** Removes a spool file now (it is removed at exit anyway). */
export function releaseSpool(file: string): void {
  rmSync(file, { force: true });
}
