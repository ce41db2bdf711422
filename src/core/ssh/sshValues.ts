/** Option value parsers for the ssh config resolver, and the ConfigError naming `file:line`. */
import { ConfigError } from '../errors.js';

/** A ConfigError from a `file:line` place (or a bare file, or nothing). */
export function cfgError(message: string, where?: string): ConfigError {
  const m = where === undefined ? null : /^(.*):(\d+)$/.exec(where);
  if (m) return new ConfigError(message, m[1], Number(m[2]));
  return new ConfigError(message, where === 'override' ? undefined : where);
}

/** A port number 1–65535; anything else is a ConfigError naming the option and place. */
export function parsePort(text: string, where: string | undefined, option: string): number {
  if (!/^\d+$/.test(text)) throw cfgError(`invalid ${option} port "${text}"`, where);
  const n = Number(text);
  if (n < 1 || n > 65535) throw cfgError(`invalid ${option} port "${text}"`, where);
  return n;
}

export function parseYesNo(args: string[], option: string, where: string): boolean {
  const v = (args[0] ?? '').toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw cfgError(`invalid ${option} value "${args[0] ?? ''}" (expected yes or no)`, where);
}

export function parseSeconds(args: string[], option: string, where: string): number {
  const v = args[0] ?? '';
  if (!/^\d+$/.test(v)) throw cfgError(`invalid ${option} value "${v}" (expected seconds)`, where);
  return Number(v);
}
