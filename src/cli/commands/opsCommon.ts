/** What the writing commands share: opening a runtime, choosing hosts, exit codes, printing. */
import { ConfigError } from '../../core/errors.js';
import { OpsRuntime } from '../../core/ops/runtime.js';
import type { OperationReport } from '../../core/ops/runOperation.js';
import { isFailure } from '../../core/ops/runOperation.js';
import type { EventSink } from '../../core/ops/events.js';
import { paletteFor } from '../color.js';
import { humanEventPrinter, jsonEventPrinter } from '../eventPrinter.js';

export const EXIT = { ok: 0, pending: 1, config: 2, hostFailed: 3 } as const;

export interface OpsFlags {
  repo: string;
  state?: string;
  parallel?: string | number;
  acceptNew?: boolean;
  reveal?: boolean;
  json?: boolean;
  verbose?: boolean;
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

/** HOST… or --all, each name checked against the inventory. */
export function selectHosts(rt: OpsRuntime, hosts: string[], all: boolean | undefined): string[] {
  if (all && hosts.length > 0) throw new ConfigError('give host names or --all, not both');
  if (all) return [...rt.fleet.hosts];
  if (hosts.length === 0) throw new ConfigError('no hosts given: name hosts or use --all');
  const known = new Set(rt.fleet.hosts);
  for (const h of hosts) {
    if (!known.has(h)) throw new ConfigError(`unknown host ${h}; known hosts: ${rt.fleet.hosts.join(', ')}`);
  }
  return [...new Set(hosts)];
}

export function eventSink(flags: OpsFlags): EventSink {
  const write = (s: string) => process.stdout.write(s);
  return flags.json ? jsonEventPrinter(write) : humanEventPrinter(write, paletteFor(process.stdout), { verbose: flags.verbose ?? false });
}

export function exitFor(report: OperationReport): number {
  return [...report.results.values()].some((r) => isFailure(r.outcome) || r.outcome === 'skipped') ? EXIT.hostFailed : EXIT.ok;
}

/** Ctrl-C cancels the operation cleanly (hosts mid-write restore); a second Ctrl-C exits. */
export function cancelOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\ncancelling: hosts in the middle of a write are restored (Ctrl-C again to quit at once)\n');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', handler);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', handler) };
}
