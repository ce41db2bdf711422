/** `konf deploy HOST…|--all [--dry-run] [--yes] [--parallel N] [--fail-fast] [--break-lock] [--json]`. */
import { ConfigError } from '../../core/errors.js';
import { deploy } from '../../core/ops/deploy.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { handEdits } from '../../core/ops/drift.js';
import { planFingerprint, writeSet } from '../../core/ops/fingerprint.js';
import { ageOf, isStaleLock } from '../../core/ops/localProcess.js';
import type { Confirmed } from '../../core/ops/transaction.js';
import { writeOpsFor } from '../../core/diff/writeOps.js';
import { describeLock } from '../../core/remote/remoteHost.js';
import { paletteFor } from '../color.js';
import { canAsk, confirm } from '../confirm.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import type { CliIO } from '../context.js';
import { count } from '../../core/util/count.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface DeployFlags extends OpsFlags {
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  failFast?: boolean;
  breakLock?: boolean;
}

export async function deployCommand(hosts: string[], flags: DeployFlags, io: CliIO): Promise<number> {
  const writeErr = io.stderr;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all);
    let confirmed: Record<string, Confirmed> | undefined;
    if (!flags.dryRun && !flags.yes) {
      // Show exactly what will be written where (planned from the repository as it is now), then ask.
      if (!canAsk(io)) throw new ConfigError('deploy needs confirmation: run it on a terminal, or pass --yes');
      const preview = await diffFleet(rt, selected, { signal: cancel.signal });
      const c = paletteFor(io.stderrTerminal, io.env);
      writeErr(formatDiffs(preview.diffs, { stat: true, sideBySide: false, width: terminalWidth(io.stderrTerminal, undefined, io.env) }, c));
      for (const f of preview.failures) writeErr(`${c.red(f.message)}\n`);
      for (const [host, st] of preview.hostState) {
        if (st.lock) {
          const stale = isStaleLock(st.lock, rt.jumpHost);
          writeErr(
            c.yellow(
              `${host}: locked by ${describeLock(st.lock)} (${ageOf(st.lock.since)})${stale ? ': that process no longer runs on this jump host — the deploy takes the lock over' : flags.breakLock ? ': --break-lock breaks it' : `: the deploy fails there (break it with: konf deploy ${host} --break-lock)`}\n`,
            ),
          );
        }
        if (st.journal) writeErr(c.yellow(`${host}: an interrupted operation left its journal: the deploy puts those files back first, then writes\n`));
      }
      const files = preview.diffs.reduce((n, d) => n + d.pending, 0);
      const hostsWithChanges = preview.diffs.filter((d) => d.pending > 0).length;
      const recovering = [...preview.hostState.values()].some((s) => s.journal);
      if (files === 0 && !recovering) {
        writeErr('nothing to deploy\n');
        return preview.failures.length > 0 ? EXIT.hostFailed : EXIT.ok;
      }
      const edits = preview.diffs.flatMap((d) => handEdits(d).map((p) => `${d.host}:${p}`));
      if (edits.length > 0) writeErr(c.yellow(`This overwrites ${count(edits.length, 'hand edit')} made on the hosts since konf wrote them: ${edits.join(', ')}\n`));
      if (!(await confirm(io, `Deploy ${count(files, 'file')} to ${count(hostsWithChanges, 'host')}?`, { yes: false, what: 'deploy' }))) {
        writeErr('nothing deployed\n');
        return EXIT.ok;
      }
      confirmed = {};
      for (const d of preview.diffs) {
        const plan = preview.plans.get(d.host);
        if (plan) confirmed[d.host] = { plan: planFingerprint(plan), writes: writeSet(writeOpsFor(d)) };
      }
    }
    const report = await deploy(rt, {
      hosts: selected,
      dryRun: flags.dryRun ?? false,
      failFast: flags.failFast ?? false,
      breakLock: flags.breakLock ?? false,
      signal: cancel.signal,
      onEvent: eventSink(flags, io),
      ...(confirmed ? { confirmed } : {}),
    });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
