/**
 * What konf last wrote to each host, per path: the content hash (or link target), the mode
 * and whether konf created the file. It tells a repository change ("pending") from a change
 * someone made on the host ("drifted"), and lets rollback remove only files konf created.
 *
 * The record lives ON THE HOST, in its konf folder next to the lock and the journal:
 * `<konf_root>/var/lib/konf/deployed.json` (mode 0600). It is written by the same remote
 * script that writes the files, as one more entry of the journaled batch, so it is renamed
 * into place with them and put back with them when the host is restored: the record
 * always describes the files that are there. Drift is judged from the host, whichever jump
 * host looks. It is read in the same tar stream as the managed files (no extra round trip).
 *
 *     {"v":1,"host":"web1","op":"20260102T0304Z-ab12cd","operator":"alice","jumpHost":"jump1",
 *      "time":"2026-01-02T03:04:05.000Z",
 *      "files":{"/etc/motd":{"sha256":"…","mode":"0644","created":false},
 *               "/etc/app/current":{"target":"v2","created":true}}}
 *
 * Before issue 15 the record was kept on the jump host (`<state>/deployed/<host>.json`).
 * Such a local record is used while the host has none, and is carried to the host by the
 * next deploy or rollback from that jump host (then removed locally): migrated once.
 */
import { readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LOCK_DIR } from '../remote/scripts/index.js';
import type { LiveEntry, WriteOp } from '../remote/types.js';

export interface DeployedFile {
  sha256?: string;
  target?: string;
  /** Permission bits konf gave the file (when known). */
  mode?: number;
  /** konf created this path (it did not exist before konf first wrote it). */
  created: boolean;
}

export type DeployedRecord = Record<string, DeployedFile>;

export const RECORD_VERSION = 1;
/** The record's logical path on a host (joined to konf_root like every other path). */
export const RECORD_PATH = `${LOCK_DIR}/deployed.json`;

/** Who wrote a record, and when. */
export interface RecordStamp {
  op: string;
  operator: string;
  jumpHost: string;
}

/**
 * The record a host holds, from its live entry: undefined when the host has none (absent,
 * or konf could not read it), `{}`-like records for the rest. A damaged record (not konf's
 * JSON) counts as none: the next write replaces it.
 */
export function parseRecord(entry: LiveEntry | undefined): DeployedRecord | undefined {
  if (entry?.state !== 'file') return undefined;
  let doc: unknown;
  try {
    // A record over the large-file size comes spooled to disk, not in memory.
    const bytes = entry.content ?? (entry.spool !== undefined ? readFileSync(entry.spool) : undefined);
    if (bytes === undefined) return undefined;
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const files = (doc as { files?: unknown } | null)?.files;
  if (!files || typeof files !== 'object') return undefined;
  const record: DeployedRecord = {};
  for (const [p, raw] of Object.entries(files as Record<string, unknown>)) {
    if (!raw || typeof raw !== 'object') continue;
    const v = raw as Record<string, unknown>;
    const file: DeployedFile = { created: v.created === true };
    if (typeof v.sha256 === 'string') file.sha256 = v.sha256;
    if (typeof v.target === 'string') file.target = v.target;
    if (typeof v.mode === 'string' && /^[0-7]{1,4}$/.test(v.mode)) file.mode = Number.parseInt(v.mode, 8);
    record[p] = file;
  }
  return record;
}

/** The record file's bytes (paths sorted, so equal records are equal files). */
export function serializeRecord(host: string, record: DeployedRecord, stamp: RecordStamp, now: Date = new Date()): Buffer {
  const files: Record<string, Record<string, unknown>> = {};
  for (const p of Object.keys(record).sort()) {
    const f = record[p] as DeployedFile;
    files[p] = {
      ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
      ...(f.target !== undefined ? { target: f.target } : {}),
      ...(f.mode !== undefined ? { mode: (f.mode & 0o7777).toString(8).padStart(4, '0') } : {}),
      created: f.created,
    };
  }
  const doc = { v: RECORD_VERSION, host, op: stamp.op, operator: stamp.operator, jumpHost: stamp.jumpHost, time: now.toISOString(), files };
  return Buffer.from(`${JSON.stringify(doc)}\n`);
}

/** The record after a write batch: what each op wrote; created when konf made the path. */
export function recordAfter(previous: DeployedRecord, ops: readonly WriteOp[], before: readonly LiveEntry[], sha256: (b: Buffer) => string): DeployedRecord {
  const record: DeployedRecord = { ...previous };
  const wasMissing = new Set(before.filter((e) => e.state === 'missing').map((e) => e.path));
  for (const op of ops) {
    const created = (previous[op.path]?.created ?? false) || wasMissing.has(op.path);
    if (op.action === 'remove') delete record[op.path];
    else if (op.action === 'file') record[op.path] = { sha256: sha256(op.content), mode: op.mode ?? 0o644, created };
    else record[op.path] = { target: op.target, created };
  }
  return record;
}

/** The write op that puts the record on the host (one more entry of the journaled batch). */
export function recordWriteOp(content: Buffer): WriteOp {
  return { action: 'file', path: RECORD_PATH, content, mode: 0o600 };
}

// ---------------------------------------------------------------------------------------
// The jump host's record of older konf versions (migrated once)

function legacyPath(stateDir: string, host: string): string {
  return path.join(stateDir, 'deployed', `${host}.json`);
}

/** A record this jump host kept before records moved to the hosts (undefined: none). */
export async function readLegacyRecord(stateDir: string, host: string): Promise<DeployedRecord | undefined> {
  let text: string;
  try {
    text = await readFile(legacyPath(stateDir, host), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as DeployedRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the local record once the host holds its own. */
export async function retireLegacyRecord(stateDir: string, host: string): Promise<void> {
  await rm(legacyPath(stateDir, host), { force: true });
}

/** The record drift is judged by: the host's; while it has none, this jump host's old one; else empty. */
export async function effectiveRecord(stateDir: string, host: string, onHost: DeployedRecord | undefined): Promise<DeployedRecord> {
  return onHost ?? (await readLegacyRecord(stateDir, host)) ?? {};
}
