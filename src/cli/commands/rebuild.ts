/** `konf rebuild HOST [--from OTHER] [SNAPSHOT] [--dry-run] [--yes] [--json]`: previews, asks, then rebuilds. */
import { ConfigError } from '../../core/errors.js';
import { rebuild, rebuildPreview } from '../../core/ops/rebuild.js';
import { markDrift, handEdits } from '../../core/ops/drift.js';
import { planFingerprint, writeSet } from '../../core/ops/fingerprint.js';
import { writeOpsFor } from '../../core/diff/writeOps.js';
import { paletteFor } from '../color.js';
import { canAsk, confirm } from '../confirm.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import type { CliIO } from '../context.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';
import { hostDiffJson } from './diff.js';

export interface RebuildFlags extends OpsFlags {
  from?: string;
  dryRun?: boolean;
  yes?: boolean;
  breakLock?: boolean;
}

export async function rebuildCommand(host: string, snapshotId: string | undefined, flags: RebuildFlags, io: CliIO): Promise<number> {
  const writeOut = io.stdout;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const [selected] = selectHosts(rt, [host], false) as [string];
    if (flags.from !== undefined && flags.from.trim() === '') throw new ConfigError('--from needs the name of the host whose snapshot to use');
    if (!flags.dryRun && !flags.yes && !canAsk(io)) throw new ConfigError('rebuild needs confirmation: run it on a terminal, or pass --yes');
    const target = { host: selected, ...(flags.from !== undefined ? { from: flags.from } : {}), ...(snapshotId !== undefined ? { snapshotId } : {}) };
    const preview = await rebuildPreview(rt, target, cancel.signal);
    const { snapshot } = preview;
    const diff = await markDrift(rt, selected, preview.diff, preview.record);
    const outTerminal = flags.json ? io.stderrTerminal : io.stdoutTerminal;
    const write = flags.json ? io.stderr : writeOut;
    const c = paletteFor(outTerminal, io.env);
    const of = snapshot.info.host === selected ? '' : ` of ${snapshot.info.host}`;
    const head = `rebuild ${selected} from snapshot ${snapshot.info.id.slice(0, 10)}${of} (${snapshot.info.reason}, ${snapshot.info.time}, by ${snapshot.info.operator}), then its plan on top`;
    const recorded = snapshot.entries.filter((e) => e.state === 'file' || e.state === 'symlink').length;
    if (flags.json && flags.dryRun) {
      writeOut(`${JSON.stringify({ snapshot: snapshot.info, diff: hostDiffJson(diff) }, null, 1)}\n`);
    } else {
      write(`${c.bold(head)}\n${c.dim(`${recorded} file(s) and symlinks recorded, ${preview.plan.files.length} planned; nothing is removed`)}\n`);
      write(formatDiffs([diff], { stat: false, sideBySide: false, width: terminalWidth(outTerminal, undefined, io.env) }, c));
    }
    if (diff.pending === 0) {
      if (!flags.json) write('nothing to rebuild: the host already holds the snapshot and its plan\n');
      return EXIT.ok;
    }
    if (flags.dryRun) return EXIT.ok;
    const edits = handEdits(diff);
    if (edits.length > 0 && !flags.json) write(c.yellow(`This overwrites ${edits.length} hand edit(s) made on ${selected} since konf wrote them: ${edits.join(', ')}\n`));
    if (!flags.yes && !(await confirm(io, `Write ${diff.pending} file(s) to ${selected} (snapshot ${snapshot.info.id.slice(0, 10)}${of} and the plan)?`, { yes: false, what: 'rebuild' }))) {
      write('nothing rebuilt\n');
      return EXIT.ok;
    }
    const report = await rebuild(rt, {
      ...target,
      snapshotId: snapshot.info.id,
      breakLock: flags.breakLock ?? false,
      signal: cancel.signal,
      onEvent: eventSink(flags, io),
      confirmed: { plan: planFingerprint(preview.plan), writes: writeSet(writeOpsFor(preview.diff)) },
    });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
