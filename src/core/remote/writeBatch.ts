/** A write batch made ready for the write script: on-host paths, temp names, the payload; what a read saw, for the one-trip check. */
import { randomBytes } from 'node:crypto';
import { HostError } from '../errors.js';
import { onHost, targetPath, type TargetPath } from './paths.js';
import { stageDir, type PreparedOp, type ReadState } from './scripts/index.js';
import { tarArchive, type TarFile } from './tarWrite.js';
import type { LiveEntry, WriteOp } from './types.js';

/**
 * Paths, temps and payload of a batch (checked: nothing leaves the root, no path twice).
 * Every file and symlink is staged under its target's own name in its folder's staging
 * folder (`<folder>/.konf-tmp-<run>-new/<name>`: the same filesystem, so one `mv -t` per
 * folder renames them into place); the payload is one tar archive of every file's
 * content, named by its temp path, that the write script unpacks with one `tar -x`.
 */
export function prepareBatch(host: string, root: string, ops: WriteOp[]): { run: string; targets: TargetPath[]; prepared: PreparedOp[]; payload: Buffer[]; archiveBytes: number } {
  const run = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const targets: TargetPath[] = [];
  const prepared: PreparedOp[] = [];
  const files: TarFile[] = [];
  const seen = new Set<string>();
  ops.forEach((op) => {
    const t = targetPath(host, op.path);
    if (t.parent === undefined) throw new HostError(host, 'root-escape', `refusing to ${op.action === 'remove' ? 'remove' : 'write'} the root folder itself`);
    if (seen.has(t.logical)) throw new Error(`write batch for ${host} names ${t.logical} twice`);
    seen.add(t.logical);
    targets.push(t);
    const dir = onHost(root, t.parent);
    const path = onHost(root, t.logical);
    const temp = `${stageDir(dir, run)}/${t.name}`;
    if (op.action === 'remove') {
      prepared.push({ kind: 'remove', path, dir });
      return;
    }
    const owner = checkName(op.owner, 'owner', t.logical);
    const group = checkName(op.group, 'group', t.logical);
    if (op.action === 'file') {
      if (op.mode !== undefined && (!Number.isInteger(op.mode) || op.mode < 0 || op.mode > 0o7777)) throw new Error(`invalid mode ${op.mode} for ${t.logical}`);
      const mode = op.mode === undefined ? '' : op.mode.toString(8).padStart(4, '0');
      prepared.push({ kind: 'file', path, dir, temp, size: op.content.length, mode, owner, group });
      files.push({ name: temp.slice(1), content: op.content });
    } else {
      if (op.target === '' || op.target.includes('\0')) throw new Error(`invalid symlink target for ${t.logical}`);
      prepared.push({ kind: 'symlink', path, dir, temp, target: op.target, owner, group });
    }
  });
  const archive = files.length > 0 ? tarArchive(files) : { buffers: [], bytes: 0 };
  return { run, targets, prepared, payload: archive.buffers, archiveBytes: archive.bytes };
}

/** What the entries read hold, as the write script verifies them (undefined: a state it cannot verify). */
export function readStatesOf(host: string, root: string, entries: LiveEntry[]): ReadState[] | undefined {
  const states: ReadState[] = [];
  for (const e of entries) {
    const path = onHost(root, targetPath(host, e.path).logical);
    if (e.state === 'missing') states.push({ path, state: 'missing' });
    else if (e.state === 'file') states.push({ path, state: 'file', mode: e.mode, uid: e.uid, gid: e.gid, sha256: e.sha256 });
    else if (e.state === 'symlink') states.push({ path, state: 'symlink', target: e.target, uid: e.uid, gid: e.gid });
    else return undefined;
  }
  return states;
}

function checkName(v: string | undefined, what: string, path: string): string {
  if (v === undefined) return '';
  if (v === '' || /[:\s\0]/.test(v)) throw new Error(`invalid ${what} ${JSON.stringify(v)} for ${path}`);
  return v;
}
