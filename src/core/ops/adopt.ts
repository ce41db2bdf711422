/**
 * adopt: writes what previewAdopt showed into the fleet repository (and nothing else),
 * as an operation of its own (event stream, audit log). The edits go in only if every
 * file still holds what the preview read; once written, the repository is planned again
 * from disk and must plan the adopted paths exactly as the preview said, for every host,
 * or the edits are undone. The adopted live versions become konf's own: the deployed
 * record on the host says so (adoptRecord.ts: under the host lock, journaled, atomic), so
 * later repository changes count as pending. A host that cannot take that record
 * leaves the repository edits in place, with a warning.
 * `commit` makes one git commit of exactly those files.
 */
import { HostError, errorMessage } from '../errors.js';
import { applyRepoEdits, revertRepoEdits } from '../fleet/repoEdit.js';
import { checkCommittable, commitFiles } from '../fleet/repoGit.js';
import type { EventSink } from './events.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { auditSinkFor } from './auditSink.js';
import { recordAdopted } from './adoptRecord.js';
import { adoptedSignature } from './adoptPaths.js';
import type { AdoptItem, AdoptPreview } from './adoptPreview.js';

export interface AdoptOptions {
  commit?: boolean;
  /** Files the admin edited themselves (a template, in $EDITOR, after seeing it): committed along with `commit`. */
  edited?: string[];
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export interface AdoptResult {
  report: OperationReport;
  /** The commit made (with `commit`). */
  commit?: string;
}

/** One line per item for messages, the audit log and the commit. */
export function describeItem(host: string, item: AdoptItem): string {
  switch (item.kind) {
    case 'adopt':
      return `${item.path}: ${host}'s version into ${item.planned?.source ?? 'etc/files'} (every host)`;
    case 'capture':
      return `${item.path}: captured from ${host} into etc/files`;
    case 'exclude':
      return `${item.path}: kept on ${host} only (excluded)`;
    case 'template':
      return `${item.path}: rendered from ${item.template?.source ?? 'a template'} (not adopted)`;
    case 'in-sync':
      return `${item.path}: in sync already`;
  }
}

export function commitMessage(preview: AdoptPreview, operator: string, edited: readonly string[] = []): string {
  const done = preview.items.filter((i) => i.kind === 'adopt' || i.kind === 'capture' || i.kind === 'exclude');
  const templates = preview.items.filter((i) => i.planned !== undefined && edited.includes(i.planned.source));
  const paths = [...done, ...templates].map((i) => i.path);
  const subject = `konf adopt ${preview.host}: ${paths.join(' ')}`;
  const body = [...done.map((i) => `- ${describeItem(preview.host, i)}`), ...edited.map((f) => `- ${f}: edited by ${operator} after comparing it with the live file`)].join('\n');
  const trailers = [`Konf-Host: ${preview.host}`, ...paths.map((p) => `Konf-Path: ${p}`), `Konf-Operator: ${operator}`].join('\n');
  return `${subject.length > 200 ? `${subject.slice(0, 197)}...` : subject}\n\n${body}\n\n${trailers}\n`;
}

export async function adopt(rt: OpsRuntime, preview: AdoptPreview, options: AdoptOptions = {}): Promise<AdoptResult> {
  const audit = await auditSinkFor(rt);
  const host = preview.host;
  let commit: string | undefined;
  const report = await runOperation(
    { kind: 'adopt', hosts: [host], operator: rt.operator, concurrency: 1, signal: options.signal, sinks: [options.onEvent, audit] },
    async (_h, emitter) => {
      const edits = preview.edits;
      const acted = preview.items.filter((i) => i.kind === 'adopt' || i.kind === 'capture' || i.kind === 'exclude');
      const edited = options.edited ?? [];
      if (edits.length === 0 && (edited.length === 0 || !options.commit)) return { outcome: 'unchanged', text: 'nothing to write to the repository' };
      const files = edits.map((e) => e.file);
      if (options.commit) await checkCommittable(rt.fleet.root, files);
      if (options.signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled before anything was written');
      try {
        if (edits.length > 0) await applyRepoEdits(rt.fleet.root, edits);
      } catch (err) {
        throw new HostError(host, 'changed', `${errorMessage(err)}`);
      }
      for (const e of edits) {
        emitter.emit({ type: 'file', host, phase: 'write', file: e.file, action: e.before.kind === 'absent' ? 'created' : 'written', level: 'info', text: `${e.before.kind === 'absent' ? 'created' : 'wrote'} ${e.file} in the repository (${e.why})` });
      }
      // What was written must plan exactly as shown, for every host the preview looked at.
      const paths = preview.items.filter((i) => i.kind !== 'template').map((i) => i.path);
      rt.invalidate();
      const hosts = Object.keys(preview.expected);
      rt.preparePlans(hosts);
      const differ: string[] = [];
      for (const h of hosts) {
        try {
          if (adoptedSignature(await rt.plan(h), paths) !== preview.expected[h]) differ.push(h);
        } catch (err) {
          differ.push(`${h} (${errorMessage(err)})`);
        }
      }
      if (differ.length > 0) {
        await revertRepoEdits(rt.fleet.root, edits);
        rt.invalidate();
        throw new HostError(host, 'changed', `the repository does not plan these paths as the preview showed for ${differ.join(', ')} (it changed meanwhile): the edits were undone; run it again`);
      }
      const taken = acted.filter((i) => i.kind === 'adopt' || i.kind === 'capture').map((i) => i.live);
      let text = [...acted.map((i) => describeItem(host, i)), ...edited.map((f) => `${f} edited by ${rt.operator}`)].join('; ');
      if (taken.length > 0) {
        try {
          await recordAdopted(rt, host, taken, emitter, options.signal);
          emitter.emit({ type: 'log', host, phase: 'write', level: 'info', text: `recorded ${taken.map((e) => e.path).join(', ')} as konf's own in ${host}'s deployed record` });
        } catch (err) {
          const warn = `${host}'s deployed record was not updated (${errorMessage(err)}): until konf next writes ${taken.map((e) => e.path).join(', ')} there, a repository change to them shows as drifted`;
          emitter.emit({ type: 'log', host, phase: 'write', level: 'warn', text: warn });
          text = `${text} (warning: ${warn})`;
        }
      }
      if (options.commit) {
        try {
          commit = await commitFiles(rt.fleet.root, [...files, ...edited], commitMessage(preview, rt.operator, edited), rt.operator);
        } catch (err) {
          return { outcome: 'failed', text: `${text}: written to the repository's working tree, but git commit failed: ${errorMessage(err).trim()}`, error: 'commit-failed', changed: acted.map((i) => i.path) };
        }
        emitter.emit({ type: 'log', host, phase: 'done', level: 'info', text: `committed ${files.length + edited.length} file(s) to the fleet repository: ${commit.slice(0, 10)}` });
      }
      return { outcome: 'ok', text: `${text}${commit ? ` (commit ${commit.slice(0, 10)})` : ' (left in the working tree)'}`, changed: acted.map((i) => i.path) };
    },
  );
  await audit.flush();
  return { report, ...(commit ? { commit } : {}) };
}
