/** `konf diff [HOST…|--all]`: exit 0 nothing pending, 1 changes pending, 2 config error, 3 a host failed. */
import { writeFile } from 'node:fs/promises';
import type { FileChange, HostDiff } from '../../core/diff/types.js';
import { renderHtmlReport } from '../../core/diff/report.js';
import { groupIdentical } from '../../core/diff/group.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { paletteFor } from '../color.js';
import { formatDiffs } from '../diffPrinter.js';
import { EXIT, cancelOnSigint, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface DiffFlags extends OpsFlags {
  all?: boolean;
  stat?: boolean;
  sideBySide?: boolean;
  html?: string;
}

/** A FileChange without file bodies: what --json prints. */
export function fileChangeJson(f: FileChange) {
  return {
    path: f.path,
    kind: f.kind,
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
  return { host: d.host, pending: d.pending, files: d.files.map(fileChangeJson) };
}

export async function diffCommand(hosts: string[], flags: DiffFlags): Promise<number> {
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all || hosts.length === 0);
    const result = await diffFleet(rt, selected, { signal: cancel.signal });
    if (flags.html) {
      const html = renderHtmlReport(result.diffs, { title: `konf diff: ${selected.length} host(s)`, generatedAt: new Date().toISOString(), reveal: rt.reveal, failures: result.failures });
      await writeFile(flags.html, html);
    }
    if (flags.json) {
      const groups = groupIdentical(result.diffs)
        .filter((g) => g.hosts.length > 1)
        .map((g) => ({ path: g.path, kind: g.kind, hosts: g.hosts }));
      process.stdout.write(`${JSON.stringify({ op: result.op, hosts: result.diffs.map(hostDiffJson), groups, failures: result.failures }, null, 1)}\n`);
    } else {
      const c = paletteFor(process.stdout);
      process.stdout.write(formatDiffs(result.diffs, { stat: flags.stat ?? false, sideBySide: flags.sideBySide ?? false, width: process.stdout.columns ?? 160 }, c));
      for (const f of result.failures) process.stdout.write(`${c.red(`${f.host}: ${f.message.replace(new RegExp(`^${f.host}: `), '')}`)}\n`);
      if (flags.html) process.stdout.write(`HTML report written to ${flags.html}\n`);
    }
    if (result.failures.length > 0) return EXIT.hostFailed;
    return result.diffs.some((d) => d.pending > 0) ? EXIT.pending : EXIT.ok;
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
