/** What a command module provides. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export interface CliCommand {
  /**
   * Adds the command, its arguments and options to the program. Keep this light: import
   * heavy modules inside the action (`await import(...)`), so every konf start stays fast.
   * Wrap the action body in `ctx.action(...)` and return the exit code.
   */
  register(program: Command, ctx: CliContext): void;
}
