/** `konf diff [HOST…|--all]`: exit 0 nothing pending, 1 changes pending, 2 config error, 3 a host failed. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileChange, HostDiff } from '../../core/diff/types.js';
import { groupIdentical } from '../../core/diff/group.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { paletteFor, type Palette } from '../color.js';
import type { StagedCheck } from '../../core/ops/validation.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import type { CliIO } from '../context.js';
import { count } from '../../core/util/count.js';
import { EXIT, cancelOnSigint, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface DiffFlags extends OpsFlags {
  all?: boolean;
  stat?: boolean;
  sideBySide?: boolean;
  html?: string;
  /** Only drift: show the files changed on the hosts since konf wrote them; exit 1 only when there are some. */
  drift?: boolean;
  width?: string;
  /** Run the etc/validate file checks on staged copies of the pending writes (nothing renamed); exit 3 when one fails. */
  validate?: boolean;
}

/** A FileChange without file bodies: what --json prints. */
export function fileChangeJson(f: FileChange) {
  return {
    path: f.path,
    kind: f.kind,
    ...(f.drift ? { state: f.drift } : {}),
    meta: f.meta,
    added: f.added,
    removed: f.removed,
    ...(f.unified !== undefined ? { unified: f.unified } : {}),
    ...(f.binary ? { binary: f.binary } : {}),
    ...(f.excludeRule ? { excludeRule: f.excludeRule } : {}),
    ...(f.error ? { error: f.error } : {}),
  };
}

export function hostDiffJson(d: HostDiff) {
  return { host: d.host, pending: d.pending, ...(d.drifted !== undefined ? { drifted: d.drifted } : {}), files: d.files.map(fileChangeJson) };
}

/** The diff reduced to its drifted files (drifted or both). */
function driftOnly(d: HostDiff): HostDiff {
  const files = d.files.filter((f) => f.drift === 'drifted' || f.drift === 'both');
  return { ...d, files, pending: files.length, drifted: files.length };
}

/** The file checks of --validate: one line each, the validator's own output under a failing one. */
function formatChecks(checks: ({ host: string } & StagedCheck)[], c: Palette): string {
  if (checks.length === 0) return 'validate: no etc/validate file check applies to the pending writes\n';
  let out = '';
  for (const k of checks) {
    const rule = k.rule ? `${k.rule.file}:${k.rule.line} ${k.rule.command}` : 'a check';
    out += `${k.host}: ${k.ok ? c.green('✓') : c.red('✗')} ${k.file}: ${rule} on the staged copy: ${k.ok ? 'passed' : c.red(k.status)}\n`;
    if (!k.ok) for (const line of k.output) out += `${k.host}:     ${line}\n`;
  }
  const failed = checks.filter((k) => !k.ok).length;
  out += failed ? c.red(`validate: ${failed} of ${checks.length} file check(s) failed: a deploy would be refused there (nothing was renamed)\n`) : `validate: ${checks.length} file check(s) passed on staged copies (nothing was renamed)\n`;
  return out;
}

export async function diffCommand(hosts: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  const writeOut = io.stdout;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all || hosts.length === 0, flags.shard, io);
    const result = await diffFleet(rt, selected, { signal: cancel.signal, validate: flags.validate ?? false });
    const checks = [...result.checks].flatMap(([host, list]) => list.map((c) => ({ host, ...c })));
    const refused = checks.some((c) => !c.ok);
    if (flags.drift) result.diffs = result.diffs.map(driftOnly);
    if (flags.html) {
      const { renderHtmlReport } = await import('../../core/diff/report.js');
      const html = renderHtmlReport(result.diffs, { title: `konf diff: ${count(selected.length, 'host')}`, generatedAt: new Date().toISOString(), reveal: rt.reveal, failures: result.failures });
      await writeFile(path.resolve(io.cwd, flags.html), html);
    }
    if (flags.json) {
      const groups = groupIdentical(result.diffs)
        .filter((g) => g.hosts.length > 1)
        .map((g) => ({ path: g.path, kind: g.kind, hosts: g.hosts }));
      const validation = flags.validate
        ? {
            validation: checks.map((c) => ({
              host: c.host,
              file: c.file,
              ...(c.rule ? { rule: `${c.rule.file}:${c.rule.line}`, command: c.rule.command } : {}),
              ok: c.ok,
              status: c.status,
              output: c.output,
            })),
          }
        : {};
      writeOut(`${JSON.stringify({ op: result.op, hosts: result.diffs.map(hostDiffJson), groups, failures: result.failures, ...validation }, null, 1)}\n`);
    } else {
      const c = paletteFor(io.stdoutTerminal, io.env);
      writeOut(formatDiffs(result.diffs, { stat: flags.stat ?? false, sideBySide: flags.sideBySide ?? false, width: terminalWidth(io.stdoutTerminal, flags.width, io.env) }, c));
      for (const f of result.failures) writeOut(`${c.red(`${f.host}: ${f.message.replace(new RegExp(`^${f.host}: `), '')}`)}\n`);
      for (const [host, st] of result.hostState) {
        if (st.journal) writeOut(c.yellow(`${host}: an interrupted operation left its journal on the host: the next konf deploy or rollback puts those files back first\n`));
      }
      if (flags.validate) writeOut(formatChecks(checks, c));
      if (flags.html) writeOut(`HTML report written to ${flags.html}\n`);
    }
    if (result.failures.length > 0 || refused) return EXIT.hostFailed;
    return result.diffs.some((d) => d.pending > 0) ? EXIT.pending : EXIT.ok;
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
