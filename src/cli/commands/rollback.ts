/** `konf rollback HOST [SNAPSHOT] [--dry-run] [--yes] [--json]`: previews the diff, then restores. */
import { ConfigError } from '../../core/errors.js';
import { rollback, rollbackPreview } from '../../core/ops/rollback.js';
import { handEdits, withDrift } from '../../core/ops/drift.js';
import { writeSet } from '../../core/ops/fingerprint.js';
import { writeOpsFor } from '../../core/diff/writeOps.js';
import { paletteFor } from '../color.js';
import { canAsk, confirm } from '../confirm.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import type { CliIO } from '../context.js';
import { count } from '../../core/util/count.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';
import { hostDiffJson } from './diff.js';

export interface RollbackFlags extends OpsFlags {
  dryRun?: boolean;
  yes?: boolean;
  breakLock?: boolean;
}

export async function rollbackCommand(host: string, snapshotId: string | undefined, flags: RollbackFlags, io: CliIO): Promise<number> {
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const [selected] = selectHosts(rt, [host], false) as [string];
    if (!flags.dryRun && !flags.yes && !canAsk(io)) throw new ConfigError('rollback needs confirmation: run it on a terminal, or pass --yes');
    const preview = await rollbackPreview(rt, selected, snapshotId, cancel.signal, (w) => io.stderr(`${paletteFor(io.stderrTerminal, io.env).yellow(`konf: warning: ${w}`)}\n`));
    const snapshot = preview.snapshot;
    const diff = withDrift(preview.diff, preview.record);
    // With --json, stdout carries JSON only: the preview goes to stderr.
    const out = flags.json ? io.stderrTerminal : io.stdoutTerminal;
    const write = flags.json ? io.stderr : io.stdout;
    const c = paletteFor(out, io.env);
    const head = `rollback ${selected} to snapshot ${snapshot.info.id.slice(0, 10)} (${snapshot.info.reason}, ${snapshot.info.time}, by ${snapshot.info.operator})`;
    if (flags.json && flags.dryRun) {
      io.stdout(`${JSON.stringify({ snapshot: snapshot.info, diff: hostDiffJson(diff) }, null, 1)}\n`);
    } else {
      write(`${c.bold(head)}\n`);
      write(formatDiffs([diff], { stat: false, sideBySide: false, width: terminalWidth(out, undefined, io.env) }, c));
    }
    if (diff.pending === 0) {
      if (!flags.json) write('nothing to roll back: the host already matches the snapshot\n');
      return EXIT.ok;
    }
    if (flags.dryRun) return EXIT.ok;
    const edits = handEdits(diff);
    if (edits.length > 0 && !flags.json) write(c.yellow(`This overwrites ${count(edits.length, 'hand edit')} made on ${selected} since konf wrote them: ${edits.join(', ')}\n`));
    if (!flags.yes && !(await confirm(io, `Restore ${count(diff.pending, 'file')} on ${selected} from snapshot ${snapshot.info.id.slice(0, 10)}?`, { yes: false, what: 'rollback' }))) {
      write('nothing rolled back\n');
      return EXIT.ok;
    }
    const report = await rollback(rt, {
      host: selected,
      snapshotId: snapshot.info.id,
      breakLock: flags.breakLock ?? false,
      signal: cancel.signal,
      onEvent: eventSink(flags, io),
      confirmed: { writes: writeSet(writeOpsFor(preview.diff)) },
    });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
