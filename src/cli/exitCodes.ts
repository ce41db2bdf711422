/** konf's exit codes: core owns the one table (src/core/exitCodes.ts); the CLI imports it from there. */
export { EXIT_CODES, type ExitCode } from '../core/exitCodes.js';
