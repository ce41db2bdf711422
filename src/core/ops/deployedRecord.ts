/**
 * What konf last wrote to each host, per path: the content hash (or link target) and
 * whether konf created the file. It tells a repository change ("pending") from a change
 * someone made on the host ("drifted"), and lets rollback remove only files konf created.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DeployedFile {
  sha256?: string;
  target?: string;
  /** Permission bits konf gave the file (when known). */
  mode?: number;
  /** konf created this path (it did not exist before konf first wrote it). */
  created: boolean;
}

export type DeployedRecord = Record<string, DeployedFile>;

function recordPath(stateDir: string, host: string): string {
  return path.join(stateDir, 'deployed', `${host}.json`);
}

export async function readDeployed(stateDir: string, host: string): Promise<DeployedRecord> {
  try {
    return JSON.parse(await readFile(recordPath(stateDir, host), 'utf8')) as DeployedRecord;
  } catch {
    return {};
  }
}

/** Replaces the host's record atomically (temp file + rename). */
export async function writeDeployed(stateDir: string, host: string, record: DeployedRecord): Promise<void> {
  const file = recordPath(stateDir, host);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
