/**
 * Opening a file in the admin's editor (`$VISUAL`, else `$EDITOR`, else `vi`), as git
 * does: the variable may hold arguments (`code --wait`), so it runs through `sh -c`
 * with the file as a separate argument (never pasted into the command text). The caller
 * owns the terminal while it runs (the console suspends itself first).
 */
import { spawn, spawnSync } from 'node:child_process';

export function editorOf(env: NodeJS.ProcessEnv = process.env): string {
  const pick = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v : undefined);
  return pick(env.VISUAL) ?? pick(env.EDITOR) ?? 'vi';
}

/** Runs the editor on `file` with the terminal handed over; resolves to its exit status. */
export function editFile(file: string, env: NodeJS.ProcessEnv = process.env): { code: number; editor: string; error?: string } {
  const editor = editorOf(env);
  const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'konf-editor', file], { stdio: 'inherit', env });
  if (r.error) return { code: 127, editor, error: r.error.message };
  return { code: r.status ?? 128, editor };
}

/**
 * The same, without blocking the event loop (the console keeps its connections and
 * operations alive meanwhile); the caller has stopped reading the terminal first, so
 * every key goes to the editor.
 */
export function editFileAsync(file: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; editor: string; error?: string }> {
  const editor = editorOf(env);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'konf-editor', file], { stdio: 'inherit', env });
    child.once('error', (error) => resolve({ code: 127, editor, error: error.message }));
    child.once('close', (code, signal) => resolve({ code: code ?? 128, editor, ...(signal ? { error: `the editor was stopped by ${signal}` } : {}) }));
  });
}
