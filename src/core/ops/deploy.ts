/**
 * deploy: per host, lock → snapshot (pre-deploy) → pre-deploy hooks → journaled atomic
 * writes → post-deploy hooks → unlock; any failure after the first write restores the
 * snapshot. Plans are rendered from the repository as it is on disk when the deploy
 * starts; what was confirmed (plan fingerprint, write set) is checked again under the
 * lock right before the first write. Hosts in sync are skipped after one read (unless a
 * lock or an unfinished journal is on them: those go through the lock, which recovers).
 */
import type { EventSink } from './events.js';
import type { LiveEntry } from '../remote/types.js';
import type { OpsRuntime } from './runtime.js';
import { runOperation, type OperationReport } from './runOperation.js';
import { diffPlan, readAndDiff } from './hostState.js';
import { changedPaths, runTransaction, type Confirmed } from './transaction.js';
import { auditSinkFor } from './auditSink.js';
import { HostError, errorMessage } from '../errors.js';
import { writeOpsFor } from '../diff/writeOps.js';
import { planFingerprint } from './fingerprint.js';
import { checksFor } from './validation.js';
import { confirmWithinFor } from './confirm.js';
import { runWaves, type WaveOptions } from './waves.js';
import { OpEmitter } from './emitter.js';
import type { HostResult } from './runOperation.js';
import { fetchBefore, pushAfter } from './storeSync.js';
import { count } from '../util/count.js';

/** A live entry whose bytes were read (a file over the large-file size read by hash has none: no snapshot from it). */
function hasContent(e: LiveEntry): boolean {
  return e.state !== 'file' || e.content !== undefined || e.spool !== undefined;
}
import { checkOnlyPaths, restrictDiff } from './onlyPaths.js';

export interface DeployOptions {
  hosts: string[];
  dryRun?: boolean;
  failFast?: boolean;
  breakLock?: boolean;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** What the admin confirmed, per host: a host whose plan or writes differ stops before writing. */
  confirmed?: Record<string, Confirmed>;
  /** How the "locked by" message says to break a lock (default `konf deploy HOST --break-lock`). */
  breakHint?: (host: string) => string;
  /** Confirm-or-revert for every host (seconds; 0: off); default: each host's konf_confirm_within. */
  confirmWithin?: number;
  /** Rollout in waves (hosts in wave order); without it every host runs at once (bounded by --parallel). */
  waves?: WaveOptions;
  /** `--only PATH`: compare and write only these planned files (each must be planned on every host). */
  only?: string[];
}

export async function deploy(rt: OpsRuntime, options: DeployOptions): Promise<OperationReport> {
  const stamp = await rt.repoStamp();
  const plans = await rt.freshPlans(options.hosts);
  const only = options.only === undefined ? undefined : checkOnlyPaths(plans, options.only);
  const audit = options.dryRun ? undefined : await auditSinkFor(rt);
  const mask = rt.masker(plans.values());
  const perHost = async (host: string, emitter: OpEmitter): Promise<HostResult> => {
    const plan = plans.get(host);
    if (!plan) throw new Error(`no plan for ${host}`);
    const confirmed = options.confirmed?.[host];
    if (confirmed?.plan !== undefined && confirmed.plan !== planFingerprint(plan)) {
      throw new HostError(host, 'changed', 'the repository changed after you confirmed; nothing was written (review and confirm again)');
    }
    const confirmWithin = confirmWithinFor(plan, options.confirmWithin);
    const remote = await rt.remote(host, options.signal);
    emitter.emit({ type: 'log', host, phase: 'read', level: 'debug', text: 'reading live state' });
    const read = await readAndDiff(remote, plan, rt.reveal, options.signal, 'hash');
    const first = { ...read, diff: restrictDiff(read.diff, only) };
    const pending = changedPaths(first.diff);
    if (pending.length === 0 && !first.lock && !first.journal) return { outcome: 'unchanged', text: 'in sync' };
    if (options.dryRun) {
      for (const f of first.diff.files.filter((x) => pending.includes(x.path))) {
        emitter.emit({ type: 'file', host, phase: 'write', file: f.path, action: f.kind, level: 'info', text: `would ${f.kind === 'removed' ? 'remove' : 'write'} ${f.path} (${f.kind})` });
      }
      const checks = checksFor(plan, writeOpsFor(first.diff), { op: emitter.op, operator: rt.operator });
      if (checks) emitter.emit({ type: 'log', host, phase: 'validate', level: 'info', text: `would run ${checks.files.length} file check(s) on staged copies and ${checks.sets.length} set check(s) after the swap (etc/validate)` });
      if (confirmWithin > 0 && pending.length > 0) emitter.emit({ type: 'log', host, phase: 'confirm', level: 'info', text: `would arm a revert: the host puts every file back unless access is proven over a new connection within ${confirmWithin} s` });
      if (first.journal) emitter.emit({ type: 'log', host, phase: 'recover', level: 'warn', text: 'an unfinished operation left its journal on the host: a deploy puts the host back first' });
      return pending.length ? { outcome: 'pending', text: `would change ${count(pending.length, 'file')}`, changed: pending } : { outcome: 'unchanged', text: 'in sync' };
    }
    return runTransaction(
      rt,
      {
        kind: 'deploy',
        plan,
        diffLive: async (r, signal) => {
          const now = await readAndDiff(r, plan, true, signal);
          return { live: now.live, diff: restrictDiff(now.diff, only), ...(now.record ? { record: now.record } : {}) };
        },
        // What was just read (diffed again with secrets revealed: the writes need the real content).
        ...(!first.lock && !first.journal && first.live.every(hasContent)
          ? { preRead: { live: first.live, diff: rt.reveal ? first.diff : restrictDiff(diffPlan(plan, first.live, true), only), ...(first.record ? { record: first.record } : {}), ...(first.recordEntry ? { recordEntry: first.recordEntry } : {}) } }
          : {}),
        snapshotReason: 'pre-deploy',
        preHook: 'pre-deploy',
        postHook: 'post-deploy',
        breakLock: options.breakLock ?? false,
        signal: options.signal,
        stamp,
        validate: true,
        ...(confirmWithin > 0 ? { confirmWithin } : {}),
        ...(confirmed ? { confirmed } : {}),
        ...(options.breakHint ? { breakHint: options.breakHint(host) } : {}),
      },
      emitter,
    );
  };
  const common = {
    kind: 'deploy' as const,
    hosts: options.waves ? options.waves.waves.flat() : options.hosts,
    operator: rt.operator,
    concurrency: rt.concurrency,
    dryRun: options.dryRun ?? false,
    failFast: options.failFast ?? false,
    signal: options.signal,
    sinks: [options.onEvent, audit],
    mask,
    // The hosts' snapshot histories as the other jump hosts left them (shared store).
    // The store is opened beside the hosts' connects (its first open runs `git init`), not by the first snapshot.
    ...(options.dryRun
      ? {}
      : {
          prepare: async (emitter: OpEmitter) => {
            void rt.store().catch(() => undefined);
            await fetchBefore(rt)(emitter);
          },
        }),
  };
  const report = options.waves ? await runWaves(rt, { ...common, plans }, options.waves, perHost) : await runOperation(common, perHost);
  await audit?.flush();
  const after = new OpEmitter(report.op, [options.onEvent], mask);
  // Each batch of snapshots is a pack: now and then the small ones are rolled together.
  if (!options.dryRun && !options.signal?.aborted) {
    try {
      if (await (await rt.store()).tidy()) after.emit({ type: 'log', phase: 'snapshot', level: 'debug', text: 'rolled the small snapshot packs together (git repack --geometric=2)' });
    } catch (err) {
      after.emit({ type: 'log', phase: 'snapshot', level: 'warn', text: `could not repack the snapshot store: ${errorMessage(err)}` });
    }
  }
  // This run's snapshots and audit record go to the shared store (if any).
  if (!options.dryRun) await pushAfter(rt, after, options.signal);
  return report;
}
