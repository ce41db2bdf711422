/**
 * `konf adopt HOST PATH… --to repo|exclude [--this-host-only] [--yes] [--commit]`: answer
 * drift. The preview (repository edits as diffs, the host after, every other host the
 * edit changes with its diff) is always printed before anything is written; on a
 * terminal konf then asks (a template: edit it in $EDITOR or keep the file on this host;
 * a captured file: for every host or this host only). After writing, the host is read
 * again and its state printed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { adopt } from '../../core/ops/adopt.js';
import { diffPaths } from '../../core/ops/adoptPaths.js';
import { previewAdopt, type AdoptPreview, type AdoptRequest, type AdoptTo } from '../../core/ops/adoptPreview.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { markDrift, readWithRecord } from '../../core/ops/drift.js';
import { checkCommittable } from '../../core/fleet/repoGit.js';
import { unifiedDiff } from '../../core/diff/compare.js';
import { editFile } from '../../core/util/editor.js';
import { paletteFor, type Palette } from '../color.js';
import { canAsk, choose, confirm } from '../confirm.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import { formatAdoptPreview } from '../adoptPrinter.js';
import type { CliIO } from '../context.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';
import type { OpsRuntime } from '../../core/ops/runtime.js';

export interface AdoptFlags extends OpsFlags {
  to: string;
  yes?: boolean;
  commit?: boolean;
  thisHostOnly?: boolean;
}

function colorUnified(text: string, c: Palette): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l.startsWith('@@') ? c.cyan(l) : l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : l))
    .join('\n');
}

/** Opens each template in $EDITOR (the admin has seen live beside rendered); returns the files that changed. */
async function editTemplates(rt: OpsRuntime, sources: string[], c: Palette, io: CliIO): Promise<string[]> {
  const changed: string[] = [];
  for (const source of sources) {
    const abs = path.join(rt.fleet.root, source);
    const before = await readFile(abs, 'utf8');
    const run = editFile(abs, io.env);
    if (run.error !== undefined || run.code !== 0) throw new ConfigError(`the editor (${run.editor}) ${run.error ?? `exited with status ${run.code}`}`, source);
    const after = await readFile(abs, 'utf8');
    if (after === before) {
      io.stdout(c.dim(`${source}: not changed\n`));
      continue;
    }
    changed.push(source);
    const d = unifiedDiff(source, before, after);
    io.stdout(`${c.bold(`${source} (edited in ${run.editor}):`)}\n${colorUnified(d.unified ?? '', c)}\n`);
  }
  return changed;
}

export async function adoptCommand(host: string, paths: string[], flags: AdoptFlags, io: CliIO): Promise<number> {
  const writeOut = io.stdout;
  if (flags.to !== 'repo' && flags.to !== 'exclude') throw new ConfigError(`--to takes repo or exclude, not ${JSON.stringify(flags.to)}`);
  const to: AdoptTo = flags.to;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  const c = paletteFor(io.stdoutTerminal, io.env);
  const width = terminalWidth(io.stdoutTerminal, undefined, io.env);
  try {
    const [selected] = selectHosts(rt, [host], false) as [string];
    const interactive = !flags.yes && canAsk(io);
    if (!flags.yes && !interactive) throw new ConfigError('adopt needs confirmation: run it on a terminal, or pass --yes (the preview is printed either way)');
    let req: AdoptRequest = { host: selected, paths: paths.map((p) => ({ path: p, to })), commit: flags.commit ?? false, thisHostOnly: flags.thisHostOnly ?? false, signal: cancel.signal };
    let preview: AdoptPreview = await previewAdopt(rt, req);
    writeOut(formatAdoptPreview(preview, width, c));

    // Templates cannot be written back: the admin edits the template or keeps the file on this host.
    const templates = preview.items.filter((i) => i.kind === 'template');
    let edited: string[] = [];
    if (templates.length > 0) {
      if (!interactive) {
        throw new ConfigError(
          `${templates.map((t) => `${t.path} is rendered from ${t.template?.source ?? 'a template'}`).join('; ')}: a template cannot be adopted from a live file. Keep it on ${selected} with --to exclude, or edit the template (on a terminal, konf adopt offers both); nothing was written`,
        );
      }
      const toEdit: string[] = [];
      for (const t of templates) {
        const source = t.template?.source ?? '';
        const answer = await choose(io, `${t.path}: [e] edit ${source} in $EDITOR, [x] keep it on ${selected} only (exclude), [s] skip it?`, ['e', 'x', 's'], 's');
        if (answer === 'e') toEdit.push(source);
        req = {
          ...req,
          paths: answer === 'x' ? req.paths.map((p) => (p.path === t.path ? { ...p, to: 'exclude' as const } : p)) : answer === 's' ? req.paths.filter((p) => p.path !== t.path) : req.paths,
        };
      }
      if (toEdit.length > 0) {
        if (flags.commit) await checkCommittable(rt.fleet.root, toEdit);
        edited = await editTemplates(rt, [...new Set(toEdit)], c, io);
      }
      if (req.paths.length === 0) {
        writeOut('nothing adopted\n');
        return EXIT.ok;
      }
      preview = await previewAdopt(rt, req);
      writeOut(`\n${formatAdoptPreview(preview, width, c)}`);
    }

    // A captured file: for every host (as shown), or this host only (excluded on the others)?
    if (interactive && !req.thisHostOnly && preview.items.some((i) => i.kind === 'capture') && rt.fleet.hosts.length > 1) {
      const answer = await choose(io, `Capture for [a]ll hosts as shown, or [t]his host only (left out on the ${rt.fleet.hosts.length - 1} other host(s) by an exclude line)? [a/t/N]`, ['a', 't', 'n'], 'n');
      if (answer === 'n') {
        writeOut('nothing adopted\n');
        return EXIT.ok;
      }
      if (answer === 't') {
        req = { ...req, thisHostOnly: true };
        preview = await previewAdopt(rt, req);
        writeOut(`\n${formatAdoptPreview(preview, width, c)}`);
      }
    }

    if (preview.edits.length === 0 && !(flags.commit && edited.length > 0)) {
      if (edited.length > 0) await showHostNow(rt, preview, c, width, io);
      return EXIT.ok;
    }
    const question =
      preview.edits.length === 0 ? `Commit ${edited.join(', ')} (edited in your editor) to the fleet repository?` : `Write ${preview.edits.length} file(s)${flags.commit ? ' and commit them' : ''} to the fleet repository?`;
    if (interactive && !(await confirm(io, question, { yes: false, what: 'adopt' }))) {
      writeOut('nothing written\n');
      return EXIT.ok;
    }
    const result = await adopt(rt, preview, { commit: flags.commit ?? false, edited, signal: cancel.signal, onEvent: eventSink(flags, io) });
    const code = exitFor(result.report, cancel);
    if (code !== EXIT.ok) return code;
    if (preview.edits.length > 0 && !flags.commit) writeOut(c.dim('The changes are in the working tree of the fleet repository: review and commit them (git diff, git commit), or run with --commit.\n'));
    await showHostNow(rt, preview, c, width, io, edited.length > 0);
    return code;
  } finally {
    cancel.dispose();
    await rt.close();
  }
}

/** Reads the host again against the repository as it is now: the truth after the adoption. */
async function showHostNow(rt: OpsRuntime, preview: AdoptPreview, c: Palette, width: number, io: CliIO, everyHost = true): Promise<void> {
  const host = preview.host;
  const paths = preview.items.map((i) => i.path);
  rt.invalidate();
  const plan = await rt.plan(host);
  const { live, record } = await readWithRecord(await rt.remote(host), paths);
  const now = await markDrift(rt, host, diffPaths(plan, live, paths, rt.reveal), record);
  io.stdout(now.pending === 0 ? c.green(`${host} now: in sync (${paths.join(', ')})\n`) : `${c.yellow(`${host} now:`)}\n${formatDiffs([now], { stat: false, sideBySide: false, width }, c)}`);
  // A template edit changes what every host renders: show them all (re-planned from disk).
  const templatePaths = preview.items.filter((i) => i.planned?.kind === 'file' && i.planned.template).map((i) => i.path);
  if (!everyHost || templatePaths.length === 0) return;
  const others = rt.fleet.hosts.filter((h) => h !== host);
  if (others.length === 0) return;
  const fleet = await diffFleet(rt, others);
  const diffs = fleet.diffs.map((d) => ({ ...d, files: d.files.filter((f) => templatePaths.includes(f.path)) })).map((d) => ({ ...d, pending: d.files.filter((f) => f.kind !== 'unchanged' && f.kind !== 'excluded' && f.kind !== 'unreadable').length }));
  const changing = diffs.filter((d) => d.pending > 0);
  io.stdout(changing.length ? `${c.bold(`Other hosts' diffs for ${templatePaths.join(', ')} now (what their next deploy writes):`)}\n${formatDiffs(changing, { stat: false, sideBySide: false, width }, c)}` : c.dim(`No other host differs at ${templatePaths.join(', ')}.\n`));
  for (const f of fleet.failures) io.stdout(c.red(`${f.message}\n`));
}
