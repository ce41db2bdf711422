/**
 * The one place errors become messages and exit codes: configuration and usage errors
 * exit 2 with `konf: file:line:col: message` on stderr (the file relative to the working
 * directory when that is inside the repository, else absolute); host failures exit 3; anything else is
 * a bug in konf and exits 70 (with the stack when KONF_DEBUG is set).
 */
import path from 'node:path';
import { CommanderError } from 'commander';
import { ConfigError, HostError, UnknownHostError } from '../core/errors.js';
import { EXIT_CODES } from './exitCodes.js';

export interface ErrorReportContext {
  /** The fleet repository, once found: repository-relative file names are resolved against it. */
  repoRoot?: string | undefined;
  /** How the repository was found (`from --repo DIR`, …): an unknown host names it. */
  repoOrigin?: string | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stderr: (text: string) => void;
}

/**
 * Where a repository-relative file is, as the admin would type it: relative to the working
 * directory when that is inside the repository, else absolute.
 */
export function displayPath(file: string, repoRoot: string | undefined, cwd: string): string {
  if (repoRoot === undefined || path.isAbsolute(file)) return file;
  const abs = path.join(repoRoot, file);
  const cwdInRepo = path.relative(repoRoot, cwd);
  if (cwdInRepo.startsWith('..') || path.isAbsolute(cwdInRepo)) return abs;
  return path.relative(cwd, abs) || abs;
}

export function formatConfigError(err: ConfigError, repoRoot: string | undefined, cwd: string): string {
  if (err.file === undefined) return err.message;
  return new ConfigError(err.message, displayPath(err.file, repoRoot, cwd), err.line, err.column).format();
}

/** Prints the error (unless commander already did) and returns the exit code. */
export function reportError(err: unknown, ctx: ErrorReportContext): number {
  if (err instanceof CommanderError) {
    // Commander printed its message (or the help) already.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT_CODES.ok;
    return EXIT_CODES.config;
  }
  if (err instanceof UnknownHostError && ctx.repoRoot !== undefined) {
    const where = `${ctx.repoRoot}${ctx.repoOrigin ? ` (${ctx.repoOrigin})` : ''}`;
    ctx.stderr(`konf: ${UnknownHostError.describe(err.host, err.known, where)}\n`);
    return EXIT_CODES.config;
  }
  if (err instanceof ConfigError) {
    ctx.stderr(`konf: ${formatConfigError(err, ctx.repoRoot, ctx.cwd)}\n`);
    return EXIT_CODES.config;
  }
  if (err instanceof HostError) {
    ctx.stderr(`konf: ${err.format()}\n`);
    return EXIT_CODES.hostFailed;
  }
  const debug = ctx.env.KONF_DEBUG !== undefined && ctx.env.KONF_DEBUG !== '';
  const message = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
  ctx.stderr(`konf: internal error: ${message}\n${debug ? '' : '(set KONF_DEBUG=1 for the stack trace)\n'}`);
  return EXIT_CODES.internal;
}
