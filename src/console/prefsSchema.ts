/**
 * The console's preferences: their type, defaults and the JSON schema conf checks them
 * with. No run-time import of conf: the first frame reads the file with `prefsFrom`
 * while conf (and ajv, which compiles the schema) loads later.
 */
import type { Schema } from 'conf';
import type { DiffLayout } from './state/types.js';

export interface Prefs {
  diffLayout: DiffLayout;
  /** Log pane content rows (0 = header only). */
  logHeight: number;
  /** Background status checks running at once. */
  concurrency: number;
  lastHost?: string;
  /**
   * The host list's inventory columns, most wanted first (the last ones drop when the list
   * is narrow): `address` (the resolved HostName), `deployed` (last deploy: when, who), or
   * the name of a switch whose value to show (e.g. `role`). No schema default (conf would
   * write it into every file): DEFAULT_PREFS has it.
   */
  columns: string[];
}

export const DEFAULT_PREFS: Readonly<Prefs> = Object.freeze({ diffLayout: 'unified', logHeight: 6, concurrency: 8, columns: ['address', 'deployed'] });

/** The JSON-schema keywords PREFS_SCHEMA uses. */
interface Rule {
  enum?: unknown[];
  type?: 'integer' | 'string' | 'array';
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxItems?: number;
  items?: { type: 'string'; minLength: number; maxLength: number };
  default?: unknown;
}

/** conf's `schema` option: each key's type, limits and default. */
export const PREFS_SCHEMA = {
  diffLayout: { enum: ['unified', 'side-by-side'], default: DEFAULT_PREFS.diffLayout },
  logHeight: { type: 'integer', minimum: 0, maximum: 200, default: DEFAULT_PREFS.logHeight },
  concurrency: { type: 'integer', minimum: 1, maximum: 64, default: DEFAULT_PREFS.concurrency },
  lastHost: { type: 'string', minLength: 1 },
  columns: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 16 },
} satisfies Schema<Prefs> & Record<keyof Prefs, Rule>;

/** Whether value passes the key's rule; keys the schema does not name pass (conf keeps them). */
export function fitsSchema(key: string, value: unknown): boolean {
  const rule: Rule | undefined = (PREFS_SCHEMA as Record<string, Rule>)[key];
  if (!rule) return true;
  if (rule.enum && !rule.enum.includes(value)) return false;
  if (rule.type === 'integer' && !Number.isInteger(value)) return false;
  if (rule.type === 'string' && typeof value !== 'string') return false;
  if (rule.type === 'array') {
    if (!Array.isArray(value) || value.length > (rule.maxItems ?? Infinity)) return false;
    const items = rule.items;
    return value.every((item) => !items || (typeof item === 'string' && item.length >= items.minLength && item.length <= items.maxLength));
  }
  if (typeof value === 'number' && (value < (rule.minimum ?? -Infinity) || value > (rule.maximum ?? Infinity))) return false;
  return typeof value !== 'string' || value.length >= (rule.minLength ?? 0);
}

/** The preferences in a stored object as conf reads it: all defaults if any value breaks the schema. */
export function prefsFrom(stored: unknown): Prefs {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return { ...DEFAULT_PREFS };
  if (!Object.entries(stored).every(([key, value]) => fitsSchema(key, value))) return { ...DEFAULT_PREFS };
  const known = Object.entries(stored).filter(([key]) => Object.hasOwn(PREFS_SCHEMA, key));
  return { ...DEFAULT_PREFS, ...Object.fromEntries(known) };
}
