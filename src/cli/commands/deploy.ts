/** `konf deploy HOST…|--all [--dry-run] [--yes] [--parallel N] [--fail-fast] [--break-lock] [--json]`. */
import { ConfigError } from '../../core/errors.js';
import { deploy } from '../../core/ops/deploy.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { paletteFor } from '../color.js';
import { canAsk, confirm } from '../confirm.js';
import { formatDiffs } from '../diffPrinter.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface DeployFlags extends OpsFlags {
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  failFast?: boolean;
  breakLock?: boolean;
}

export async function deployCommand(hosts: string[], flags: DeployFlags): Promise<number> {
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all);
    if (!flags.dryRun && !flags.yes) {
      // Show what will be written where, then ask (on a terminal only).
      if (!canAsk()) throw new ConfigError('deploy needs confirmation: run it on a terminal, or pass --yes');
      const preview = await diffFleet(rt, selected, { signal: cancel.signal });
      const c = paletteFor(process.stderr);
      process.stderr.write(formatDiffs(preview.diffs, { stat: true, sideBySide: false, width: process.stderr.columns ?? 120 }, c));
      for (const f of preview.failures) process.stderr.write(`${c.red(f.message)}\n`);
      const files = preview.diffs.reduce((n, d) => n + d.pending, 0);
      const hostsWithChanges = preview.diffs.filter((d) => d.pending > 0).length;
      if (files === 0) {
        process.stderr.write('nothing to deploy\n');
        return preview.failures.length > 0 ? EXIT.hostFailed : EXIT.ok;
      }
      if (!(await confirm(`Deploy ${files} file(s) to ${hostsWithChanges} host(s)?`, { yes: false, what: 'deploy' }))) {
        process.stderr.write('nothing deployed\n');
        return EXIT.ok;
      }
    }
    const report = await deploy(rt, { hosts: selected, dryRun: flags.dryRun ?? false, failFast: flags.failFast ?? false, breakLock: flags.breakLock ?? false, signal: cancel.signal, onEvent: eventSink(flags) });
    return exitFor(report);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
