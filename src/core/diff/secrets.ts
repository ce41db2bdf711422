/**
 * Masking secret switch values in diffs, logs and reports.
 *
 * Rules (decided here, relied on by the ops and the console):
 * - A secret is the value of a switch marked `secret` in the plan. Multi-line values are
 *   also masked line by line (a diff shows them one line at a time).
 * - Values (and lines of values) shorter than MIN_SECRET_LENGTH characters are NOT masked in
 *   free text: masking every "on", "1" or "yes" would wreck every diff and log line while
 *   protecting nothing a reader could not guess. The switches pane masks such values by
 *   name regardless.
 * - Longer secrets are replaced first, so a secret that contains another is masked whole.
 * - In diffs, a line that rotates a secret would show the *old* value on its `-` side, and
 *   the old value is no longer a switch value. `secretLinePatterns` learns, from the lines
 *   that hold a current secret, the text around it (`password = "…"`), and `maskDiffLine`
 *   masks the same slot in the other lines too.
 */
import type { HostPlan } from '../fleet/types.js';

export const SECRET_MASK = '********';
export const MIN_SECRET_LENGTH = 4;

/** The secret values of a plan, normalised (see normaliseSecrets). */
export function secretValues(plan: HostPlan): string[] {
  return normaliseSecrets(plan.switches.filter((s) => s.secret).map((s) => s.value));
}

/**
 * Unique maskable strings, longest first: each value of at least MIN_SECRET_LENGTH
 * characters, and each line (without a trailing CR) of multi-line values.
 */
export function normaliseSecrets(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if (v.length >= MIN_SECRET_LENGTH) out.add(v);
    if (v.includes('\n')) {
      for (const raw of v.split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim().length >= MIN_SECRET_LENGTH) out.add(line);
      }
    }
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Replaces every occurrence of every secret in `text` with `********`, unless
 * `reveal`. Safe for any text: diff text, log lines, reports.
 */
export function maskSecrets(text: string, secrets: readonly string[], opts: { reveal?: boolean } = {}): string {
  if (opts.reveal === true || secrets.length === 0 || text.length === 0) return text;
  return replaceAll(text, normaliseSecrets(secrets));
}

/** Exact replacement with an already normalised list. */
function replaceAll(text: string, normalised: readonly string[]): string {
  let out = text;
  for (const s of normalised) if (out.includes(s)) out = out.split(s).join(SECRET_MASK);
  return out;
}

/** The text around a secret on one line: `prefix` + value + `suffix`. */
export interface SecretLinePattern {
  prefix: string;
  suffix: string;
}

const MAX_PATTERNS = 200;
/** A prefix must say something (a key), or every line would match. */
const MIN_PATTERN_PREFIX = 3;

/**
 * For each line of the given texts that holds a (normalised) secret: the text before the
 * first secret and after the last one. Prefixes shorter than 3 non-blank characters are
 * dropped (they would match unrelated lines).
 */
export function secretLinePatterns(texts: readonly string[], normalised: readonly string[]): SecretLinePattern[] {
  if (normalised.length === 0) return [];
  const seen = new Map<string, SecretLinePattern>();
  for (const text of texts) {
    if (!normalised.some((s) => text.includes(s))) continue;
    for (const raw of text.split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      let first = -1;
      let lastEnd = -1;
      for (const s of normalised) {
        const i = line.indexOf(s);
        if (i < 0) continue;
        if (first < 0 || i < first) first = i;
        const j = line.lastIndexOf(s) + s.length;
        if (j > lastEnd) lastEnd = j;
      }
      if (first < 0) continue;
      const prefix = line.slice(0, first);
      if (prefix.trim().length < MIN_PATTERN_PREFIX) continue;
      const p = { prefix, suffix: line.slice(lastEnd) };
      seen.set(`${p.prefix}\0${p.suffix}`, p);
      if (seen.size >= MAX_PATTERNS) return [...seen.values()];
    }
  }
  return [...seen.values()];
}

/**
 * Masks one line of file content: exact secrets first, then any pattern slot (so an old
 * value in the same place as a current secret is masked too). A trailing CR is kept.
 */
export function maskDiffLine(line: string, normalised: readonly string[], patterns: readonly SecretLinePattern[]): string {
  let out = replaceAll(line, normalised);
  if (patterns.length === 0) return out;
  const cr = out.endsWith('\r') ? '\r' : '';
  const body = cr ? out.slice(0, -1) : out;
  for (const p of patterns) {
    if (body.length > p.prefix.length + p.suffix.length && body.startsWith(p.prefix) && body.endsWith(p.suffix)) {
      const middle = body.slice(p.prefix.length, body.length - p.suffix.length);
      if (middle !== SECRET_MASK) out = p.prefix + SECRET_MASK + p.suffix + cr;
      break;
    }
  }
  return out;
}
