/**
 * `konf deploy HOST…|--all [--dry-run] [--yes] [--parallel N] [--fail-fast] [--break-lock]
 * [--confirm-within SECONDS] [--waves 1,10%,100% [--max-failures N|P%] [--order FILE]
 * [--rollback-on-stop]] [--json]`.
 */
import { ConfigError } from '../../core/errors.js';
import { deploy } from '../../core/ops/deploy.js';
import { diffFleet } from '../../core/ops/diffFleet.js';
import { handEdits } from '../../core/ops/drift.js';
import { planFingerprint, writeSet } from '../../core/ops/fingerprint.js';
import { ageOf, isStaleLock } from '../../core/ops/localProcess.js';
import type { Confirmed } from '../../core/ops/transaction.js';
import { checkOnlyPaths, restrictDiff } from '../../core/ops/onlyPaths.js';
import { writeOpsFor } from '../../core/diff/writeOps.js';
import { describeLock } from '../../core/remote/remoteHost.js';
import { paletteFor } from '../color.js';
import { canAsk, confirm } from '../confirm.js';
import { formatDiffs, terminalWidth } from '../diffPrinter.js';
import type { CliIO } from '../context.js';
import { count } from '../../core/util/count.js';
import { EXIT, cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';
import { confirmWithinProblem } from '../../core/fleet/reserved.js';
import { describeLimit, parseMaxFailures, parseWaves, planWaves, readOrder, type WaveOptions } from '../../core/ops/waves.js';
import type { OpsRuntime } from '../../core/ops/runtime.js';
import path from 'node:path';

export interface DeployFlags extends OpsFlags {
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  failFast?: boolean;
  breakLock?: boolean;
  confirmWithin?: string;
  waves?: string;
  maxFailures?: string;
  order?: string;
  rollbackOnStop?: boolean;
  /** The working folder relative --order paths are read from. */
  cwd?: string;
  /** `--only PATH` (repeatable): only these planned files. */
  only?: string[];
}

/** --confirm-within: whole seconds, 0 turns it off for every host. */
function confirmWithinFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const problem = confirmWithinProblem(value);
  if (problem !== undefined || value === '') throw new ConfigError(`--confirm-within ${problem ?? 'needs a number of seconds'}`);
  return Number(value);
}

/** --waves and its companions; the hosts in their rollout order. */
async function wavesFlag(rt: OpsRuntime, selected: string[], flags: DeployFlags): Promise<WaveOptions | undefined> {
  if (flags.waves === undefined) {
    for (const [set, name] of [
      [flags.maxFailures !== undefined, '--max-failures'],
      [flags.order !== undefined, '--order'],
      [flags.rollbackOnStop === true, '--rollback-on-stop'],
    ] as const) {
      if (set) throw new ConfigError(`${name} goes with --waves (a rollout in waves)`);
    }
    return undefined;
  }
  if (flags.failFast) throw new ConfigError('--fail-fast does not go with --waves: a wave stops the rollout after --max-failures failures (default 0)');
  const sizes = parseWaves(flags.waves);
  const maxFailures = parseMaxFailures(flags.maxFailures ?? '0');
  const inventory = rt.fleet.hosts;
  // The inventory's order (selected hosts), or the order file's.
  const ordered = flags.order !== undefined ? await readOrder(path.resolve(flags.cwd ?? process.cwd(), flags.order), inventory, selected) : inventory.filter((h) => selected.includes(h));
  return { waves: planWaves(ordered, sizes), maxFailures, rollbackOnStop: flags.rollbackOnStop ?? false };
}

export async function deployCommand(hosts: string[], flags: DeployFlags, io: CliIO): Promise<number> {
  const writeErr = io.stderr;
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all, flags.shard, io);
    const confirmWithin = confirmWithinFlag(flags.confirmWithin);
    const waves = await wavesFlag(rt, selected, flags);
    // Bad --only paths are refused before any host is contacted.
    const only = flags.only?.length ? checkOnlyPaths(await rt.freshPlans(selected), flags.only) : undefined;
    let confirmed: Record<string, Confirmed> | undefined;
    if (!flags.dryRun && !flags.yes) {
      // Show exactly what will be written where (planned from the repository as it is now), then ask.
      if (!canAsk(io)) throw new ConfigError('deploy needs confirmation: run it on a terminal, or pass --yes');
      const preview = await diffFleet(rt, selected, { signal: cancel.signal });
      preview.diffs = preview.diffs.map((d) => restrictDiff(d, only));
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
      const guarded = preview.diffs.filter((d) => d.pending > 0 && (confirmWithin ?? preview.plans.get(d.host)?.settings.confirmWithin ?? 0) > 0).map((d) => d.host);
      if (guarded.length > 0) {
        const secs = confirmWithin !== undefined ? `${confirmWithin} s` : 'konf_confirm_within';
        writeErr(`Confirm-or-revert (${secs}) on ${guarded.join(', ')}: each host puts itself back unless konf proves access over a new SSH connection in time\n`);
      }
      if (waves) {
        writeErr(`Rollout in ${count(waves.waves.length, 'wave')}: ${waves.waves.map((w, i) => `${i + 1}) ${w.join(' ')}`).join('  ')}; stops after more than ${describeLimit(waves.maxFailures)} failure(s) in a wave${waves.rollbackOnStop ? ', rolling back every host it changed' : ''}\n`);
      }
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
      ...(confirmWithin !== undefined ? { confirmWithin } : {}),
      ...(waves ? { waves } : {}),
      ...(only ? { only } : {}),
    });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
