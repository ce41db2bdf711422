/**
 * Rollout in waves (`konf deploy --waves 1,10%,100% [--max-failures N|P%] [--order FILE]
 * [--rollback-on-stop]`): the hosts, in a stable order (the inventory's, or the order
 * file's), are deployed wave after wave. Wave sizes follow Ansible's `serial`: each entry
 * is the size of one wave, a percentage is of all the hosts (rounded down, at least one),
 * and the last entry repeats until every host has had its wave. A wave starts only when
 * the previous one has finished completely (validation, post hooks, confirmation), and
 * the executable scripts of `hooks/health/` have run on each of its hosts: a failing one
 * counts as that host failing, and a host that failing health check finds changed is
 * rolled back to its pre-deploy snapshot. When a wave has more failures than allowed
 * (`--max-failures`, default 0: any failure), the rollout stops: later waves are not
 * started (listed), failed hosts are restored as always, and with `--rollback-on-stop`
 * every host this rollout changed is rolled back too.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, HostError, errorMessage } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import { readHooks } from '../fleet/hooks.js';
import { mapLimit } from '../util/mapLimit.js';
import { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import { runHooks } from './hooks.js';
import { emitHostResult, endOperation, hostResultOf, isFailure, type HostResult, type OperationReport, type RunOperationOptions } from './runOperation.js';
import { newOperationId } from './events.js';
import { resolveSnapshot, rollbackDiffLive } from './rollback.js';
import { runTransaction } from './transaction.js';

export { parseWaves, planWaves, type WaveSize } from './waveSizes.js';

export type FailureLimit = { count: number } | { percent: number };

/** `2` or `10%`: failures a wave may have before the rollout stops. */
export function parseMaxFailures(text: string): FailureLimit {
  const m = /^(\d+)(%?)$/.exec(text.trim());
  if (!m) throw new ConfigError(`--max-failures: \`${text}\` is not a number of hosts (0, 2) or a percentage of a wave (25%)`);
  const n = Number(m[1]);
  if (m[2] === '%') {
    if (n > 100) throw new ConfigError(`--max-failures: ${text} is more than 100%`);
    return { percent: n };
  }
  return { count: n };
}

/** Whether a wave of `size` hosts with `failed` failures exceeds the limit. */
export function exceeds(limit: FailureLimit, failed: number, size: number): boolean {
  return 'count' in limit ? failed > limit.count : failed * 100 > limit.percent * size;
}

export function describeLimit(limit: FailureLimit): string {
  return 'count' in limit ? String(limit.count) : `${limit.percent}%`;
}

/**
 * `--order FILE`: host names one a line (`#` comments, blank lines). Every selected host
 * must be listed; listed hosts that are not selected are left out. An unknown or repeated
 * name is an error naming file and line.
 */
export async function readOrder(file: string, inventory: readonly string[], selected: readonly string[]): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the order file: ${(err as Error).message}`, file);
  }
  const known = new Set(inventory);
  const seen = new Map<string, number>();
  for (const [i, raw] of text.split('\n').entries()) {
    const name = raw.replace(/#.*$/, '').trim();
    if (name === '') continue;
    if (/\s/.test(name)) throw new ConfigError(`one host name a line, not \`${name}\``, file, i + 1);
    if (!known.has(name)) throw new ConfigError(`unknown host ${name}; known hosts: ${inventory.join(', ')}`, file, i + 1);
    if (seen.has(name)) throw new ConfigError(`${name} is listed twice (first on line ${seen.get(name)})`, file, i + 1);
    seen.set(name, i + 1);
  }
  const want = new Set(selected);
  const missing = selected.filter((h) => !seen.has(h));
  if (missing.length > 0) throw new ConfigError(`does not list ${missing.join(', ')}: every host of a rollout needs its place in the order`, file);
  return [...seen.keys()].filter((h) => want.has(h));
}

export interface WaveOptions {
  waves: string[][];
  maxFailures: FailureLimit;
  rollbackOnStop: boolean;
}

/** Rolls one host back to a snapshot (a rollback transaction in this operation), for health failures and --rollback-on-stop. */
async function rollbackHost(rt: OpsRuntime, plan: HostPlan, snapshotId: string, emitter: OpEmitter, signal: AbortSignal | undefined): Promise<HostResult> {
  const snap = await resolveSnapshot(rt, plan.host, snapshotId);
  return runTransaction(
    rt,
    {
      kind: 'rollback',
      plan,
      diffLive: (remote, s) => rollbackDiffLive(rt, remote, plan, snap, true, s),
      snapshotReason: 'pre-rollback',
      preHook: 'pre-rollback',
      postHook: 'post-rollback',
      ...(signal ? { signal } : {}),
      breakHint: `konf rollback ${plan.host} ${snapshotId.slice(0, 10)} --break-lock`,
    },
    emitter,
  );
}

function undoText(rolled: HostResult, snapshotId: string): { outcome: HostResult['outcome']; back: string } {
  const short = snapshotId.slice(0, 10);
  if (rolled.outcome === 'ok' || rolled.outcome === 'unchanged') return { outcome: 'restored', back: `rolled back to its pre-deploy snapshot ${short}` };
  return { outcome: rolled.outcome === 'failed' ? 'restore-failed' : rolled.outcome, back: `rolling back to ${short} failed: ${rolled.text}` };
}

/**
 * Runs a deploy wave after wave (see the module comment). `perHost` is the deploy of one
 * host; host results are emitted once a wave's health checks are done.
 */
export async function runWaves(
  rt: OpsRuntime,
  options: RunOperationOptions & { plans: Map<string, HostPlan> },
  wave: WaveOptions,
  perHost: (host: string, emitter: OpEmitter) => Promise<HostResult>,
): Promise<OperationReport> {
  const op = options.op ?? newOperationId();
  const emitter = new OpEmitter(op, options.sinks, options.mask);
  const hosts = wave.waves.flat();
  const total = wave.waves.length;
  emitter.emit({ type: 'op-start', kind: options.kind, hosts, operator: options.operator, dryRun: options.dryRun ?? false });
  await options.prepare?.(emitter);
  emitter.emit({
    type: 'log',
    phase: 'wave',
    level: 'info',
    text: `rollout in ${total} wave(s): ${wave.waves.map((w, i) => `${i + 1}: ${w.length === 1 ? w[0] : `${w.length} hosts`}`).join(', ')}; a wave with more than ${describeLimit(wave.maxFailures)} failure(s) stops it${wave.rollbackOnStop ? ', and every host it changed is rolled back' : ''}`,
  });
  const results = new Map<string, HostResult>();
  let stopped: string | undefined;
  for (const [index, members] of wave.waves.entries()) {
    const tag = { index: index + 1, total, hosts: members };
    if (stopped || options.signal?.aborted) {
      const why = options.signal?.aborted ? `interrupted before wave ${index + 1}` : `not started: ${stopped}`;
      for (const host of members) {
        const r: HostResult = { outcome: 'skipped', text: why };
        results.set(host, r);
        emitHostResult(emitter, host, r);
      }
      continue;
    }
    emitter.emit({ type: 'log', phase: 'wave', level: 'info', wave: tag, text: `wave ${index + 1}/${total}: ${members.join(', ')}` });
    const waveResults = new Map<string, HostResult>();
    await mapLimit(members, options.concurrency, async (host) => {
      waveResults.set(host, await hostResultOf(options, perHost, host, emitter));
    });
    if (!options.dryRun && !options.signal?.aborted) await healthChecks(rt, options.plans, members, waveResults, emitter, options.signal);
    for (const host of members) {
      const r = waveResults.get(host) as HostResult;
      results.set(host, r);
      emitHostResult(emitter, host, r);
    }
    const failed = members.filter((h) => isFailure((waveResults.get(h) as HostResult).outcome));
    const summary = `${members.length - failed.length} of ${members.length} host(s) done${failed.length ? `, ${failed.length} failed (${failed.join(', ')})` : ''}`;
    if (exceeds(wave.maxFailures, failed.length, members.length)) {
      stopped = `the rollout stopped at wave ${index + 1}/${total} (${failed.length} failed, more than --max-failures ${describeLimit(wave.maxFailures)})`;
      emitter.emit({ type: 'log', phase: 'wave', level: 'error', wave: tag, text: `wave ${index + 1}/${total}: ${summary}: stopping the rollout` });
    } else {
      emitter.emit({ type: 'log', phase: 'wave', level: failed.length ? 'warn' : 'info', wave: tag, text: `wave ${index + 1}/${total}: ${summary}` });
    }
  }
  let extra: string | undefined;
  if (stopped) {
    const notStarted = hosts.filter((h) => results.get(h)?.outcome === 'skipped' && results.get(h)?.text.startsWith('not started'));
    emitter.emit({ type: 'log', phase: 'wave', level: 'error', text: `${stopped}; not started: ${notStarted.length ? notStarted.join(', ') : 'none'}` });
    extra = `${stopped}; not started: ${notStarted.length ? notStarted.join(', ') : 'none'}`;
    if (wave.rollbackOnStop && !options.dryRun) {
      const changed = hosts.filter((h) => results.get(h)?.outcome === 'ok' && results.get(h)?.snapshot);
      if (changed.length > 0) emitter.emit({ type: 'log', phase: 'wave', level: 'warn', text: `--rollback-on-stop: rolling back ${changed.join(', ')} to their pre-deploy snapshots` });
      await mapLimit(changed, options.concurrency, async (host) => {
        const before = results.get(host) as HostResult;
        const snapshot = before.snapshot as string;
        const plan = options.plans.get(host) as HostPlan;
        let rolled: HostResult;
        try {
          rolled = await rollbackHost(rt, plan, snapshot, emitter, undefined);
        } catch (err) {
          rolled = { outcome: 'failed', text: errorMessage(err) };
        }
        const { outcome, back } = undoText(rolled, snapshot);
        const r: HostResult = { outcome, text: `${before.text}, then ${back} (--rollback-on-stop)`, snapshot, ...(before.changed ? { changed: before.changed } : {}) };
        results.set(host, r);
        emitHostResult(emitter, host, r);
      });
      if (changed.length > 0) extra += `; rolled back ${changed.length} host(s) (--rollback-on-stop)`;
    }
  }
  return { op, ok: endOperation(emitter, options, results, extra), results };
}

/**
 * hooks/health/* on every host of a finished wave that did not fail. A failing check
 * counts as the host failing; a host it finds changed is rolled back to its pre-deploy
 * snapshot. Hooks are read when they run.
 */
async function healthChecks(rt: OpsRuntime, plans: Map<string, HostPlan>, members: string[], results: Map<string, HostResult>, emitter: OpEmitter, signal: AbortSignal | undefined): Promise<void> {
  const { hooks, skipped } = await readHooks(rt.fleet.root);
  if (hooks.health.length === 0 && !skipped.health?.length) return;
  await mapLimit(members, rt.concurrency, async (host) => {
    const before = results.get(host) as HostResult;
    if (isFailure(before.outcome) || before.outcome === 'skipped') return;
    const plan = { ...(plans.get(host) as HostPlan), hooks, skippedHooks: skipped };
    try {
      const remote = await rt.remote(host, signal);
      await runHooks(remote, plan, 'health', emitter, { changed: before.changed ?? [], op: emitter.op, operator: rt.operator, ...(before.snapshot ? { snapshot: before.snapshot } : {}) }, signal);
    } catch (err) {
      const why = `health check failed: ${errorMessage(err).replace(new RegExp(`^${host}: `), '')}`;
      if (before.outcome !== 'ok' || !before.snapshot) {
        results.set(host, { outcome: 'failed', text: why, error: err instanceof HostError ? err.kind : 'error' });
        return;
      }
      emitter.emit({ type: 'log', host, phase: 'health', level: 'error', text: `${why}: rolling it back to its pre-deploy snapshot ${before.snapshot.slice(0, 10)}` });
      let rolled: HostResult;
      try {
        rolled = await rollbackHost(rt, plans.get(host) as HostPlan, before.snapshot, emitter, undefined);
      } catch (rollbackErr) {
        rolled = { outcome: 'failed', text: errorMessage(rollbackErr) };
      }
      const { outcome, back } = undoText(rolled, before.snapshot);
      results.set(host, { outcome, text: `${why}; ${back}`, error: 'hook-failed', snapshot: before.snapshot, ...(before.changed ? { changed: before.changed } : {}) });
    }
  });
}
