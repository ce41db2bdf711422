/**
 * Hooks: `hooks/<phase>/*`, executable scripts run on the target host in byte order of
 * their names, for the phases pre-deploy, post-deploy, pre-rollback, post-rollback and
 * health (between the waves of a rollout).
 * A file that is not executable is reported as a warning and not run (never silently
 * skipped); so is a sub-folder. Hidden files (`.gitkeep`) are ignored. A folder under
 * `hooks/` that is not a phase is an error: a misspelt phase would never run. A hook (or
 * its folder) that is a symlink leading out of the repository is an error too: what is
 * uploaded and run on every host must be the repository's own file.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { compareBytes } from './paths.js';
import { resolveInRepo } from './repoPath.js';
import { HOOK_PHASES, type Hook, type HookPhase, type SkippedHook } from './types.js';

export const HOOKS_DIR = 'hooks';

export interface HookSet {
  hooks: Record<HookPhase, Hook[]>;
  /** Files in a phase folder that are not run (the same as `warnings`, by phase). */
  skipped: Partial<Record<HookPhase, SkippedHook[]>>;
  warnings: string[];
}

const isPhase = (name: string): name is HookPhase => (HOOK_PHASES as readonly string[]).includes(name);

export function emptyHooks(): Record<HookPhase, Hook[]> {
  return { 'pre-deploy': [], 'post-deploy': [], 'pre-rollback': [], 'post-rollback': [], health: [] };
}

async function listDir(dir: string): Promise<Dirent[] | undefined> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads every phase folder under `<repo>/hooks`. */
export async function readHooks(repoRoot: string): Promise<HookSet> {
  const hooks = emptyHooks();
  const warnings: string[] = [];
  const skipped: Partial<Record<HookPhase, SkippedHook[]>> = {};
  const skip = (phase: HookPhase, name: string, source: string, reason: string, hint: string): void => {
    warnings.push(`${source}: ${reason}, not run (${hint})`);
    (skipped[phase] ??= []).push({ name, source, reason, hint });
  };
  const topDir = await resolveInRepo(repoRoot, HOOKS_DIR);
  const top = topDir === undefined ? undefined : await listDir(topDir);
  if (top === undefined) return { hooks, skipped, warnings };

  for (const entry of top) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${HOOKS_DIR}/${entry.name}`;
    if (!isPhase(entry.name)) {
      throw new ConfigError(`\`${entry.name}\` is not a hook phase (phases: ${HOOK_PHASES.join(', ')})`, rel);
    }
    const phase = entry.name;
    const phaseDir = await resolveInRepo(repoRoot, rel);
    const files = phaseDir !== undefined && (await stat(phaseDir)).isDirectory() ? await listDir(phaseDir) : undefined;
    if (files === undefined) throw new ConfigError('a hook phase must be a folder of scripts', rel);

    const names = files.map((f) => f.name).filter((n) => !n.startsWith('.')).sort(compareBytes);
    for (const name of names) {
      const source = `${rel}/${name}`;
      // A hook is uploaded and run on every host: it must be the repository's own file.
      const abs = (await resolveInRepo(repoRoot, source)) ?? path.join(repoRoot, source);
      let info;
      try {
        info = await stat(abs);
      } catch (err) {
        throw new ConfigError(`cannot read hook: ${(err as Error).message}`, source);
      }
      if (!info.isFile()) {
        skip(phase, name, source, 'not a regular file', `hooks are files directly in ${rel}/`);
        continue;
      }
      if ((info.mode & 0o111) === 0) {
        skip(phase, name, source, 'not executable', `chmod +x ${source} to enable it`);
        continue;
      }
      let content: Buffer;
      try {
        content = await readFile(abs);
      } catch (err) {
        throw new ConfigError(`cannot read hook: ${(err as Error).message}`, source);
      }
      hooks[phase].push({ phase, name, source, content });
    }
  }
  return { hooks, skipped, warnings };
}
