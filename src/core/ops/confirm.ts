/**
 * Confirm-or-revert, the controller's side (the host's side is remote/revert.ts). A deploy
 * of a host with `--confirm-within SECONDS` (or `konf_confirm_within`):
 *
 *   1. arms a revert on the host inside its write, before the first rename (armSpec: the
 *      post-rollback hooks as they are in the repository now, and their environment);
 *   2. after the post-deploy hooks, proves access with a NEW SSH connection — its own TCP
 *      connection, key exchange and authentication, never the pooled one — that runs the
 *      disarm (and, in the same round trip, closes the journal and releases the lock):
 *      confirmAccess, retried until shortly before the deadline;
 *   3. when no new connection gets in, waits out the deadline (the host reverts itself),
 *      then reconnects (awaitReconnect) so the transaction can verify the host is back at
 *      its pre-deploy state and report "reverted", never success.
 */
import { HostError, errorMessage } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import { readHooks } from '../fleet/hooks.js';
import type { ArmSpec } from '../remote/revert.js';
import type { Armed, RemoteHost, RevertDecision } from '../remote/remoteHost.js';
import type { OpEmitter } from './emitter.js';
import type { OpsRuntime } from './runtime.js';
import { hookEnv } from './hooks.js';

/** Attempts stop this long before the host's deadline: a disarm must not race it. */
export const CONFIRM_MARGIN_MS = 1000;
/** After the deadline, how long konf keeps trying to reconnect to a host that reverted itself. */
export const RECONNECT_GRACE_MS = 60_000;
const RETRY_MS = 1000;

/** The confirm-within seconds for a host: the command line's, else its switch (0: off). */
export function confirmWithinFor(plan: HostPlan, flag: number | undefined): number {
  return flag ?? plan.settings.confirmWithin ?? 0;
}

/** What the host needs to revert on its own: the post-rollback hooks (read now) and their environment. */
export async function armSpec(rt: OpsRuntime, plan: HostPlan, seconds: number, extra: { changed: string[]; op: string; operator: string; snapshot?: string }): Promise<ArmSpec> {
  const { hooks } = await readHooks(rt.fleet.root);
  return { seconds, hooks: hooks['post-rollback'].map((h) => ({ name: h.name, content: h.content })), env: hookEnv(plan, 'post-rollback', extra) };
}

export function clock(d: Date): string {
  return d.toISOString().slice(11, 19);
}

/** Says the armed revert, with its deadline (the console counts down from it). */
export function emitArmed(emitter: OpEmitter, host: string, armed: Armed): void {
  emitter.emit({
    type: 'log',
    host,
    phase: 'confirm',
    level: 'info',
    deadline: armed.deadline.toISOString(),
    text: `revert armed on the host (${armed.how === 'systemd' ? 'a transient systemd unit' : 'a detached process'}): it puts every file back at ${clock(armed.deadline)} (in ${armed.seconds} s) unless konf proves access over a new connection first`,
  });
}

export type ConfirmResult =
  | { kind: 'confirmed'; released: boolean; attempts: number; ms: number }
  | { kind: 'host-decided'; decision: Exclude<RevertDecision, 'disarmed'> }
  | { kind: 'lost'; error: string; attempts: number };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A signal that aborts with `parent` or after ms. */
function within(ms: number, parent?: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(new Error(`no answer within ${Math.round(ms / 100) / 10} s`)), Math.max(1, ms));
  const onAbort = () => ac.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    dispose: () => {
      clearTimeout(t);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Proves access with a new SSH connection and disarms the revert over it (then closes the
 * journal and releases the lock in the same round trip). A failed attempt is tried again
 * with another new connection, until shortly before the deadline.
 */
export async function confirmAccess(rt: OpsRuntime, host: string, op: string, armed: Armed, emitter: OpEmitter, signal?: AbortSignal): Promise<ConfirmResult> {
  const started = Date.now();
  let attempts = 0;
  let lastError = '';
  emitter.emit({ type: 'log', host, phase: 'confirm', level: 'info', deadline: armed.deadline.toISOString(), text: 'proving access over a new SSH connection' });
  for (;;) {
    if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled while confirming access');
    const left = armed.deadline.getTime() - Date.now() - CONFIRM_MARGIN_MS;
    if (left <= 0) return { kind: 'lost', error: lastError || 'no time was left before the deadline', attempts };
    attempts++;
    const budget = within(left, signal);
    let close: (() => Promise<void>) | undefined;
    try {
      const fresh = await rt.freshRemote(host, budget.signal);
      close = fresh.close;
      const r = await fresh.remote.confirmAndRelease(op, { signal: budget.signal });
      if (r.decision === 'unarmed') {
        // An earlier attempt's round trip may have got through before its connection failed:
        // then the journal is closed and our lock is gone.
        const st = await fresh.remote.readLockState({ signal: budget.signal });
        if (!st.journal && (st.lock === undefined || st.lock.opId !== op)) return { kind: 'confirmed', released: true, attempts, ms: Date.now() - started };
        return { kind: 'host-decided', decision: 'unarmed' };
      }
      if (r.decision !== 'disarmed') return { kind: 'host-decided', decision: r.decision };
      return { kind: 'confirmed', released: r.released, attempts, ms: Date.now() - started };
    } catch (err) {
      if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled while confirming access', { cause: err });
      // An attempt cut short by the deadline says less than the refusal before it.
      const said = errorMessage(err).replace(new RegExp(`^${host}: `), '');
      if (!budget.signal.aborted || lastError === '') {
        if (said !== lastError) {
          const again = lastError === '' ? `; trying again until ${clock(new Date(armed.deadline.getTime() - CONFIRM_MARGIN_MS))}` : '';
          emitter.emit({ type: 'log', host, phase: 'confirm', level: 'warn', deadline: armed.deadline.toISOString(), text: `a new SSH connection failed: ${said}${again}` });
        }
        lastError = said;
      }
    } finally {
      budget.dispose();
      await close?.().catch(() => undefined);
    }
    await sleep(Math.min(RETRY_MS, armed.deadline.getTime() - Date.now() - CONFIRM_MARGIN_MS), signal);
  }
}

/**
 * After access was lost: waits out the host's deadline (it reverts itself then), and
 * reconnects — a new connection again — once it lets konf in. Throws a HostError
 * 'unreachable' when it still does not, RECONNECT_GRACE_MS after the deadline.
 */
export async function awaitReconnect(rt: OpsRuntime, host: string, armed: Armed, emitter: OpEmitter, signal?: AbortSignal, graceMs = RECONNECT_GRACE_MS): Promise<RemoteHost> {
  const wait = armed.deadline.getTime() - Date.now();
  if (wait > 0) {
    emitter.emit({ type: 'log', host, phase: 'revert', level: 'warn', deadline: armed.deadline.toISOString(), text: `waiting for the host to revert itself at ${clock(armed.deadline)} (in ${Math.ceil(wait / 1000)} s)` });
    await sleep(wait, signal);
  }
  const until = armed.deadline.getTime() + graceMs;
  let lastError = '';
  for (;;) {
    if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled while waiting for the host to revert itself');
    try {
      rt.forget(host);
      const remote = await rt.remote(host, signal);
      await remote.readLockState({ signal });
      emitter.emit({ type: 'log', host, phase: 'revert', level: 'info', text: 'reconnected after the revert deadline' });
      return remote;
    } catch (err) {
      if (signal?.aborted) throw new HostError(host, 'cancelled', 'cancelled while waiting for the host to revert itself', { cause: err });
      lastError = errorMessage(err).replace(new RegExp(`^${host}: `), '');
    }
    if (Date.now() >= until) {
      throw new HostError(host, 'unreachable', `still no access ${Math.round(graceMs / 1000)} s after the revert deadline (${lastError})`);
    }
    await sleep(RETRY_MS, signal);
  }
}
