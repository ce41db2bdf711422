/**
 * Host key verification against OpenSSH known_hosts files: plain names, comma lists,
 * wildcards and `!negations`, `[host]:port`, hashed `|1|salt|hash` names (HMAC-SHA1),
 * `@revoked` (always refused). `@cert-authority` lines are ignored (konf does not accept
 * host certificates) and reported in `notes`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HostError, type HostErrorKind } from '../errors.js';
import { shellQuote } from '../remote/shell.js';
import type { StrictHostKeyChecking } from './sshConfig.js';
import { patternListMatch } from './sshPatterns.js';

/** Where an expected key lives. */
export interface KnownHostRef {
  file: string;
  line: number;
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** SHA256 fingerprint of the recorded key. */
  fingerprint?: string;
}

export type HostKeyCheck =
  | { status: 'match'; ref: KnownHostRef; notes: string[] }
  /** Keys of the same type are known for the name, none equal to the offered one. */
  | { status: 'mismatch'; expected: KnownHostRef[]; notes: string[] }
  /** No key of this type is known; `otherTypes` lists keys of other types for the name. */
  | { status: 'unknown'; otherTypes: KnownHostRef[]; notes: string[] }
  | { status: 'revoked'; ref: KnownHostRef; notes: string[] };

interface KnownHostLine {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** Plain pattern list, or undefined when hashed. */
  patterns: string[] | undefined;
  hashed: { salt: Buffer; hash: Buffer } | undefined;
  keyType: string;
  blob: Buffer;
}

/** The name OpenSSH looks up and records: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the key blob, as `ssh-keygen -l` prints. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type string embedded at the start of an SSH public key blob. */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (len > 64 || blob.length < 4 + len) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's short label for a key type: ED25519, ECDSA, RSA, DSA. */
export function keyTypeLabel(keyType: string): string {
  if (keyType.includes('ed25519')) return 'ED25519';
  if (keyType.includes('ecdsa')) return 'ECDSA';
  if (keyType.includes('rsa')) return 'RSA';
  if (keyType.includes('dss')) return 'DSA';
  return keyType.toUpperCase();
}

/** Hashed known_hosts name: `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const h = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${h.toString('base64')}`;
}

/** Parses known_hosts text; malformed lines are reported in notes and skipped. */
export function parseKnownHosts(text: string, file: string, notes: string[] = []): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (!raw || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostLine['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        notes.push(`${file}:${i + 1}: unknown marker ${m}; line ignored`);
        continue;
      }
    }
    const [names, keyType, b64] = fields;
    if (!names || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) {
      notes.push(`${file}:${i + 1}: malformed line ignored`);
      continue;
    }
    const blob = Buffer.from(b64, 'base64');
    let hashed: KnownHostLine['hashed'];
    let patterns: string[] | undefined;
    if (names.startsWith('|1|')) {
      const [, , salt, hash] = names.split('|');
      if (!salt || !hash) {
        notes.push(`${file}:${i + 1}: malformed hashed name ignored`);
        continue;
      }
      hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      patterns = names.split(',').filter(Boolean);
    }
    out.push({ file, line: i + 1, marker, patterns, hashed, keyType, blob });
  }
  return out;
}

function lineMatchesName(l: KnownHostLine, name: string): boolean {
  if (l.hashed) {
    const h = createHmac('sha1', l.hashed.salt).update(name).digest();
    return h.length === l.hashed.hash.length && timingSafeEqual(h, l.hashed.hash);
  }
  return patternListMatch(l.patterns ?? [], name);
}

interface ParsedFile {
  /** The text parsed: the file is read every time (cheap), parsed only when it changed. */
  text: string;
  notes: string[];
  /** Lines whose names are plain (no wildcard, negation or hash), by lower-case name. */
  exact: Map<string, KnownHostLine[]>;
  /** Every other line (wildcards, negations, hashed names): matched one by one. */
  other: KnownHostLine[];
}

/**
 * known_hosts files parsed once per change, not once per connection: with 1,000 hosts a
 * 1,000-line file would otherwise be parsed and scanned twice per host.
 */
const parsedFiles = new Map<string, ParsedFile>();

async function loadFile(file: string): Promise<ParsedFile | undefined> {
  let text: string;
  try {
    // Synchronously: a small file, read for every connection (no thread-pool round trips).
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // missing or unreadable files are skipped, as OpenSSH does
  }
  const known = parsedFiles.get(file);
  if (known?.text === text) return known;
  const notes: string[] = [];
  const exact = new Map<string, KnownHostLine[]>();
  const other: KnownHostLine[] = [];
  for (const l of parseKnownHosts(text, file, notes)) {
    if (!l.patterns || l.patterns.some((p) => /[*?!]/.test(p))) {
      other.push(l);
      continue;
    }
    for (const name of new Set(l.patterns.map((p) => p.toLowerCase()))) {
      const list = exact.get(name);
      if (list) list.push(l);
      else exact.set(name, [l]);
    }
  }
  const parsed = { text, notes, exact, other };
  parsedFiles.set(file, parsed);
  return parsed;
}

/** The lines of the files that name `lookup` (lower case), in file and line order; parse notes go to notes. */
async function linesFor(lookup: string, files: string[], notes?: string[]): Promise<KnownHostLine[]> {
  const out: KnownHostLine[] = [];
  for (const file of files) {
    const pf = await loadFile(file);
    if (!pf) continue;
    notes?.push(...pf.notes);
    const hits = [...(pf.exact.get(lookup) ?? []), ...pf.other.filter((l) => lineMatchesName(l, lookup))];
    out.push(...hits.sort((a, b) => a.line - b.line));
  }
  return out;
}

/** Checks an offered host key (raw blob) for a known_hosts name against the given files in order. */
export async function checkHostKey(name: string, key: Buffer, files: string[]): Promise<HostKeyCheck> {
  const notes: string[] = [];
  const lookup = name.toLowerCase();
  const offeredType = blobKeyType(key);
  const lines = await linesFor(lookup, files, notes);
  let match: KnownHostRef | undefined;
  const sameType: KnownHostRef[] = [];
  const otherTypes: KnownHostRef[] = [];
  for (const l of lines) {
    if (!lineMatchesName(l, lookup)) continue;
    const ref = { file: l.file, line: l.line, keyType: l.keyType };
    if (l.marker === 'cert-authority') {
      notes.push(`${l.file}:${l.line}: @cert-authority line ignored (konf does not accept host certificates)`);
      continue;
    }
    const type = blobKeyType(l.blob);
    if (l.marker === 'revoked') {
      if (l.blob.equals(key)) return { status: 'revoked', ref, notes };
      continue;
    }
    if (l.blob.equals(key)) match ??= ref;
    else if (type === offeredType) sameType.push({ ...ref, fingerprint: fingerprintSha256(l.blob) });
    else otherTypes.push(ref);
  }
  // A revoked entry anywhere wins (checked above, before returning a match).
  if (match) return { status: 'match', ref: match, notes };
  if (sameType.length > 0) return { status: 'mismatch', expected: sameType, notes };
  return { status: 'unknown', otherTypes, notes };
}

export type HostKeyErrorKind = Extract<HostErrorKind, 'host-key-mismatch' | 'host-key-unknown' | 'host-key-revoked'>;

/** A refused host key, with the multi-line OpenSSH-style text in `longMessage`. */
export class HostKeyError extends HostError {
  constructor(
    host: string,
    readonly keyKind: HostKeyErrorKind,
    message: string,
    readonly longMessage: string,
    readonly fingerprint: string,
    readonly check: HostKeyCheck,
  ) {
    super(host, keyKind, message);
  }
}

export interface HostKeyContext {
  /** The alias konf connects to (named in errors). */
  host: string;
  /** known_hosts name: HostKeyAlias, or `[hostName]:port` / `hostName`. */
  name: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strict: StrictHostKeyChecking;
  hashKnownHosts: boolean;
  log?: (line: string) => void;
}

function tilde(file: string): string {
  const home = process.env.HOME;
  return home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

/** A changed key is refused whatever StrictHostKeyChecking says; the last line says which applied. */
function changedKeyVerdict(ctx: HostKeyContext): string {
  return ctx.strict === 'yes'
    ? `Host key for ${ctx.name} has changed and you have requested strict checking.`
    : `Host key for ${ctx.name} has changed and konf refuses a changed host key whatever StrictHostKeyChecking says (it is ${ctx.strict} here).`;
}

/** OpenSSH's words for a changed host key: fingerprints, the offending line, how to remove it. */
export function mismatchMessages(ctx: HostKeyContext, key: Buffer, expected: KnownHostRef[]): { short: string; long: string } {
  const label = keyTypeLabel(blobKeyType(key));
  const fp = fingerprintSha256(key);
  const first = expected[0];
  const offending = first ? `${first.file}:${first.line}` : '?';
  const addIn = ctx.userKnownHostsFiles[0] ?? first?.file ?? 'known_hosts';
  const remove = first ? `ssh-keygen -f ${shellQuote(first.file)} -R ${shellQuote(ctx.name)}` : undefined;
  const verdict = changedKeyVerdict(ctx);
  const short =
    `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! The fingerprint for the ${label} key sent by the remote host is ${fp}. ` +
    `Offending ${keyTypeLabel(first?.keyType ?? '')} key in ${offending}${first?.fingerprint ? ` (${first.fingerprint})` : ''}` +
    `${remove ? `; remove with: ${remove}` : ''}. ` +
    `${verdict} Host key verification failed.`;
  const bar = '@'.repeat(59);
  const long = [
    bar,
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    bar,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${label} key sent by the remote host is`,
    `${fp}.`,
    'Please contact your system administrator.',
    `Add correct host key in ${addIn} to get rid of this message.`,
    `Offending ${keyTypeLabel(first?.keyType ?? '')} key in ${offending}`,
    ...(remove ? ['  remove with:', `  ${remove}`] : []),
    verdict,
    'Host key verification failed.',
  ].join('\n');
  return { short, long };
}

// Appends to one known_hosts file are serialised within the process.
const appendQueue = new Map<string, Promise<unknown>>();

/**
 * Records a key as `name keytype base64` (name hashed when asked), unless an identical
 * entry is already there. Creates the folder (0700) and file (0600) when missing.
 */
export async function appendKnownHost(file: string, name: string, key: Buffer, options: { hash?: boolean } = {}): Promise<boolean> {
  const prev = appendQueue.get(file) ?? Promise.resolve();
  const run = prev.then(async () => {
    const existing = await readFile(file, 'utf8').catch(() => '');
    for (const l of parseKnownHosts(existing, file)) {
      if (!l.marker && l.blob.equals(key) && lineMatchesName(l, name.toLowerCase())) return false;
    }
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const entry = `${options.hash ? hashHostName(name.toLowerCase()) : name.toLowerCase()} ${blobKeyType(key)} ${key.toString('base64')}\n`;
    const sep = existing && !existing.endsWith('\n') ? '\n' : '';
    await appendFile(file, sep + entry, { mode: 0o600 });
    return true;
  });
  const settled = run.catch(() => undefined);
  appendQueue.set(file, settled);
  void settled.then(() => {
    if (appendQueue.get(file) === settled) appendQueue.delete(file);
  });
  return run;
}

export type HostKeyVerdict = { ok: true; check: HostKeyCheck; added?: string } | { ok: false; error: HostKeyError };

/**
 * Verifies an offered key by the policy: match → ok; revoked → refused always; mismatch
 * (a changed key) → refused always, whatever StrictHostKeyChecking says (OpenSSH goes on
 * under `no`; konf then sends secrets and runs sudo, so it never does); unknown → refused
 * under `yes`, recorded in the first UserKnownHostsFile and accepted under `accept-new`/`no`.
 */
export async function verifyHostKey(ctx: HostKeyContext, key: Buffer): Promise<HostKeyVerdict> {
  const files = [...ctx.userKnownHostsFiles, ...ctx.globalKnownHostsFiles];
  const check = await checkHostKey(ctx.name, key, files);
  for (const n of check.notes) ctx.log?.(n);
  const label = keyTypeLabel(blobKeyType(key));
  const fp = fingerprintSha256(key);
  switch (check.status) {
    case 'match':
      ctx.log?.(`Host '${ctx.name}' is known and matches the ${label} host key (${check.ref.file}:${check.ref.line})`);
      return { ok: true, check };
    case 'revoked': {
      const short = `WARNING: REVOKED HOST KEY DETECTED! The ${label} host key for ${ctx.name} (${fp}) is marked as revoked in ${check.ref.file}:${check.ref.line}. Host key verification failed.`;
      const long = [
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        '@       WARNING: REVOKED HOST KEY DETECTED!               @',
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        `The ${label} host key for ${ctx.name} is marked as revoked (${check.ref.file}:${check.ref.line}).`,
        'This could mean that a stolen key is being used to',
        'impersonate this host.',
        'Host key verification failed.',
      ].join('\n');
      return { ok: false, error: new HostKeyError(ctx.host, 'host-key-revoked', short, long, fp, check) };
    }
    case 'mismatch': {
      const { short, long } = mismatchMessages(ctx, key, check.expected);
      return { ok: false, error: new HostKeyError(ctx.host, 'host-key-mismatch', short, long, fp, check) };
    }
    case 'unknown': {
      if (ctx.strict === 'yes') {
        const searched = files.length ? files.map(tilde).join(', ') : '(no known_hosts files)';
        const other = check.otherTypes.length
          ? `; keys of other types are known (${check.otherTypes.map((r) => `${keyTypeLabel(r.keyType)} in ${r.file}:${r.line}`).join(', ')})`
          : '';
        const short = `Host key verification failed: no ${label} host key is known for ${ctx.name} in ${searched}${other} (offered ${fp}); StrictHostKeyChecking is yes, use accept-new to trust it on first use`;
        const long = [
          `No ${label} host key is known for ${ctx.name} and you have requested strict checking.`,
          `The ${label} key fingerprint is ${fp}.`,
          `Searched: ${searched}`,
          'Host key verification failed.',
        ].join('\n');
        return { ok: false, error: new HostKeyError(ctx.host, 'host-key-unknown', short, long, fp, check) };
      }
      const target = ctx.userKnownHostsFiles[0];
      if (!target) {
        ctx.log?.(`Warning: no UserKnownHostsFile to record the ${label} key ${fp} for ${ctx.name}; accepting it for this connection only`);
        return { ok: true, check };
      }
      await appendKnownHost(target, ctx.name, key, { hash: ctx.hashKnownHosts });
      ctx.log?.(`Warning: Permanently added '${ctx.name}' (${label}) to the list of known hosts (${target}, ${fp}).`);
      return { ok: true, check, added: target };
    }
  }
}

/** Key types known for a name in the given files (to prefer them in the key exchange, as OpenSSH does). */
export async function knownKeyTypes(name: string, files: string[]): Promise<string[]> {
  const types: string[] = [];
  for (const l of await linesFor(name.toLowerCase(), files)) {
    if (l.marker) continue;
    const t = blobKeyType(l.blob);
    if (!types.includes(t)) types.push(t);
  }
  return types;
}
