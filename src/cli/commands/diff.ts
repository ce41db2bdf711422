/** `konf diff [HOST…|--all]`: exit 0 nothing pending, 1 changes pending, 2 config error, 3 a host failed. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileChange, HostDiff } from '../../core/diff/types.js';
import { renderHtmlReport } from '../../core/diff/report.js';
import { groupIdentical } from '../../core/diff/group.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { paletteFor } from '../color.js';
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

export async function diffCommand(hosts: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  const writeOut = io.stdout;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all || hosts.length === 0);
    const result = await diffFleet(rt, selected, { signal: cancel.signal });
    if (flags.drift) result.diffs = result.diffs.map(driftOnly);
    if (flags.html) {
      const html = renderHtmlReport(result.diffs, { title: `konf diff: ${count(selected.length, 'host')}`, generatedAt: new Date().toISOString(), reveal: rt.reveal, failures: result.failures });
      await writeFile(path.resolve(io.cwd, flags.html), html);
    }
    if (flags.json) {
      const groups = groupIdentical(result.diffs)
        .filter((g) => g.hosts.length > 1)
        .map((g) => ({ path: g.path, kind: g.kind, hosts: g.hosts }));
      writeOut(`${JSON.stringify({ op: result.op, hosts: result.diffs.map(hostDiffJson), groups, failures: result.failures }, null, 1)}\n`);
    } else {
      const c = paletteFor(io.stdoutTerminal, io.env);
      writeOut(formatDiffs(result.diffs, { stat: flags.stat ?? false, sideBySide: flags.sideBySide ?? false, width: terminalWidth(io.stdoutTerminal, flags.width, io.env) }, c));
      for (const f of result.failures) writeOut(`${c.red(`${f.host}: ${f.message.replace(new RegExp(`^${f.host}: `), '')}`)}\n`);
      for (const [host, st] of result.hostState) {
        if (st.journal) writeOut(c.yellow(`${host}: an interrupted operation left its journal on the host: the next konf deploy or rollback puts those files back first\n`));
      }
      if (flags.html) writeOut(`HTML report written to ${flags.html}\n`);
    }
    if (result.failures.length > 0) return EXIT.hostFailed;
    return result.diffs.some((d) => d.pending > 0) ? EXIT.pending : EXIT.ok;
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
