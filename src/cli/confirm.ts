/** Asks a yes/no question on the terminal; writing commands without a terminal need --yes. */
import readline from 'node:readline';
import { ConfigError } from '../core/errors.js';

export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export async function confirm(question: string, options: { yes: boolean; what: string }): Promise<boolean> {
  if (options.yes) return true;
  if (!canAsk()) throw new ConfigError(`${options.what} needs confirmation: run it on a terminal, or pass --yes`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Asks a question with one-letter answers on the terminal; returns the letter given (lower case), or `fallback`. */
export async function choose(question: string, letters: readonly string[], fallback: string): Promise<string> {
  if (!canAsk()) throw new ConfigError('this needs an answer: run it on a terminal');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await new Promise<string>((resolve) => rl.question(`${question} `, resolve))).trim().toLowerCase();
    return letters.includes(answer.slice(0, 1)) && answer !== '' ? answer.slice(0, 1) : fallback;
  } finally {
    rl.close();
  }
}
