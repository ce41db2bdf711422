/** The one-trip write's check that the host still holds what konf read. */
import { shellQuote as q } from '../shell.js';
import { commandRuns } from './common.js';

/** Shell lines that set konf_vbad when the host no longer holds what konf read. */
export interface VerifyLines {
  lines: string[];
}

/** What one path held when konf read it (on-host path). */
export type ReadState =
  | { path: string; state: 'missing' }
  | { path: string; state: 'file'; mode: number; uid: number; gid: number; sha256: string }
  | { path: string; state: 'symlink'; target: string; uid: number; gid: number };

/**
 * Checks, in a constant number of processes, that every path still holds what was read:
 * absent paths with test(1), symlinks with readlink, the type, mode and owner of every
 * present path with one stat, the content of every file with one sha256sum.
 */
export function verifyLines(states: ReadState[]): VerifyLines {
  const lines = ['konf_vbad='];
  const present = states.filter((s) => s.state !== 'missing');
  for (const s of states) {
    if (s.state === 'missing') lines.push(`if [ -e ${q(s.path)} ] || [ -h ${q(s.path)} ]; then konf_vbad=1; fi`);
    if (s.state === 'symlink') lines.push(`if [ ! -h ${q(s.path)} ] || [ "$(readlink -- ${q(s.path)})" != ${q(s.target)} ]; then konf_vbad=1; fi`);
  }
  if (present.length > 0) {
    const expected = present.map((s) => `${((s.state === 'file' ? 0o100000 | s.mode : 0o120777)).toString(16)} ${s.uid} ${s.gid}`).join('\n');
    lines.push(
      'if [ -z "$konf_vbad" ]; then',
      `  konf_vs=$( { ${commandRuns(`stat -c '%f %u %g' --`, present.map((s) => q(s.path))).join(' && ')}; } 2>/dev/null) || konf_vbad=1`,
      `  if [ "$konf_vs" != ${q(expected)} ]; then konf_vbad=1; fi`,
      'fi',
    );
  }
  const files = states.filter((s): s is Extract<ReadState, { state: 'file' }> => s.state === 'file');
  if (files.length > 0) {
    // A name sha256sum must escape starts its line with a backslash: the first 65 characters
    // hold the hash either way, without spaces and backslashes.
    lines.push(
      'if [ -z "$konf_vbad" ]; then',
      `  konf_vh=$( { ${commandRuns('sha256sum --', files.map((s) => q(s.path))).join(' && ')}; } 2>/dev/null | cut -c1-65 | tr -d ' \\\\') || konf_vbad=1`,
      `  if [ "$konf_vh" != ${q(files.map((f) => f.sha256).join('\n'))} ]; then konf_vbad=1; fi`,
      'fi',
    );
  }
  return { lines };
}
