/** What the writing commands share: opening a runtime, choosing hosts, exit codes, printing. */
import { ConfigError } from '../../core/errors.js';
import { OpsRuntime } from '../../core/ops/runtime.js';
import { assertKnownHost } from '../../core/fleet/inventory.js';
import { parseShard, selectShard } from '../../core/fleet/shard.js';
import { descriptorsNeeded, ensureOpenFiles } from '../../core/util/openFiles.js';
import type { OperationReport } from '../../core/ops/runOperation.js';
import { isFailure } from '../../core/ops/runOperation.js';
import type { EventSink } from '../../core/ops/events.js';
import { paletteFor } from '../color.js';
import { humanEventPrinter, jsonEventPrinter } from '../eventPrinter.js';
import { interruptible, type Interrupts } from '../interrupts.js';
import type { CliIO } from '../context.js';
import { EXIT_CODES } from '../../core/exitCodes.js';

/** The one exit-code table (src/core/exitCodes.ts), under the short name the commands use. */
export const EXIT = EXIT_CODES;

export interface OpsFlags {
  repo: string;
  state?: string;
  parallel?: string | number;
  acceptNew?: boolean;
  reveal?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** `K/N`: only the hosts of shard K of N (by a hash of the host name). */
  shard?: string;
}

export async function openRuntime(flags: OpsFlags): Promise<OpsRuntime> {
  const concurrency = flags.parallel === undefined ? undefined : Number(flags.parallel);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new ConfigError(`--parallel takes a whole number >= 1, not ${String(flags.parallel)}`);
  return OpsRuntime.open({
    repo: flags.repo,
    ...(flags.state ? { stateDir: flags.state } : {}),
    ...(concurrency ? { concurrency } : {}),
    acceptNew: flags.acceptNew ?? false,
    reveal: flags.reveal ?? false,
  });
}

/**
 * HOST… or --all, each name checked against the inventory; with `shard` (`K/N`) only the
 * hosts of that shard (a stable share chosen by a hash of each name), said on `io.stderr`.
 * A shard may be empty.
 */
export function selectHosts(rt: OpsRuntime, hosts: string[], all: boolean | undefined): string[];
export function selectHosts(rt: OpsRuntime, hosts: string[], all: boolean | undefined, shard: string | undefined, io: Pick<CliIO, 'stderr'>): string[];
export function selectHosts(rt: OpsRuntime, hosts: string[], all: boolean | undefined, shard?: string, io?: Pick<CliIO, 'stderr'>): string[] {
  const parsed = shard === undefined ? undefined : parseShard(shard);
  if (all && hosts.length > 0) throw new ConfigError('give host names or --all, not both');
  let chosen: string[];
  if (all) chosen = [...rt.fleet.hosts];
  else {
    if (hosts.length === 0) throw new ConfigError('no hosts given: name hosts or use --all');
    for (const h of hosts) assertKnownHost(h, rt.fleet.hosts);
    chosen = [...new Set(hosts)];
  }
  let mine = chosen;
  if (parsed) {
    mine = selectShard(chosen, parsed);
    io?.stderr(`shard ${parsed.index}/${parsed.count}: ${mine.length} of ${chosen.length} host(s)\n`);
  }
  // One connection per host stays open for the run: enough descriptors, or stop here.
  ensureOpenFiles(descriptorsNeeded(mine.length, rt.concurrency), `a run over ${mine.length} host(s)`);
  return mine;
}

export function eventSink(flags: OpsFlags, io: CliIO): EventSink {
  return flags.json ? jsonEventPrinter(io.stdout) : humanEventPrinter(io.stdout, paletteFor(io.stdoutTerminal, io.env), { verbose: flags.verbose ?? false });
}

/**
 * The exit code of a writing operation: the signal's code when it was interrupted; 4
 * when a host is not back in a consistent state yet (its journal finishes that on the
 * next run, or it needs a human); 3 when a host failed (restored, or nothing written) or
 * was skipped; 0 only when every host completed.
 */
export function exitFor(report: OperationReport, interrupts?: Interrupts): number {
  const interrupted = interrupts?.code();
  if (interrupted !== undefined) return interrupted;
  const outcomes = [...report.results.values()].map((r) => r.outcome);
  if (outcomes.some((o) => o === 'recoverable' || o === 'restore-failed')) return EXIT.notConsistent;
  return outcomes.some((o) => isFailure(o) || o === 'skipped') ? EXIT.hostFailed : EXIT.ok;
}

/** Signals and a closed output interrupt the command at a safe point (see interrupts.ts). */
export function cancelOnSigint(): Interrupts {
  return interruptible();
}
