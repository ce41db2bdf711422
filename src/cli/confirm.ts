/** Asks a yes/no question on the terminal; writing commands without a terminal need --yes. */
import { ConfigError } from '../core/errors.js';
import type { CliIO } from './context.js';

export function canAsk(io: CliIO): boolean {
  return io.ask !== undefined;
}

/** The real terminal's question (stdin and stderr are a terminal). */
export async function askOnTerminal(question: string): Promise<string> {
  const { default: readline } = await import('node:readline');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
  }
}

export async function confirm(io: CliIO, question: string, options: { yes: boolean; what: string }): Promise<boolean> {
  if (options.yes) return true;
  if (!io.ask) throw new ConfigError(`${options.what} needs confirmation: run it on a terminal, or pass --yes`);
  const answer = await io.ask(`${question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/** Asks a question with one-letter answers on the terminal; returns the letter given (lower case), or `fallback`. */
export async function choose(io: CliIO, question: string, letters: readonly string[], fallback: string): Promise<string> {
  if (!io.ask) throw new ConfigError('this needs an answer: run it on a terminal');
  const answer = (await io.ask(`${question} `)).trim().toLowerCase();
  return letters.includes(answer.slice(0, 1)) && answer !== '' ? answer.slice(0, 1) : fallback;
}
