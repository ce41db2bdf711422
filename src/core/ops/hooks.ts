/**
 * Runs a phase's hook scripts on the target host in name order, streaming their output
 * lines as events. The first non-zero exit stops the phase with a HostError.
 */
import { HostError } from '../errors.js';
import type { HookPhase, HostPlan } from '../fleet/types.js';
import type { RemoteHost } from '../remote/remoteHost.js';
import type { OpEmitter } from './emitter.js';

export const HOOK_TIMEOUT_MS = 5 * 60_000;

export function hookEnv(plan: HostPlan, phase: HookPhase, extra: { changed: string[]; op: string; operator: string; snapshot?: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of plan.switches) if (!s.name.startsWith('konf_')) env[s.name] = s.value;
  env.KONF_HOST = plan.host;
  env.KONF_PHASE = phase;
  env.KONF_ROOT = plan.settings.root;
  env.KONF_CHANGED = extra.changed.join('\n');
  env.KONF_OP = extra.op;
  env.KONF_OPERATOR = extra.operator;
  if (extra.snapshot) env.KONF_SNAPSHOT = extra.snapshot;
  return env;
}

export async function runHooks(
  remote: RemoteHost,
  plan: HostPlan,
  phase: HookPhase,
  emitter: OpEmitter,
  extra: { changed: string[]; op: string; operator: string; snapshot?: string },
  signal?: AbortSignal,
): Promise<void> {
  // A hook file that is not run is said where the admin is watching: in this operation.
  for (const skipped of plan.skippedHooks?.[phase] ?? []) {
    emitter.emit({ type: 'log', host: plan.host, phase, level: 'warn', text: `${phase} hook ${skipped.name} not run: ${skipped.source} is ${skipped.reason} (${skipped.hint})` });
  }
  const hooks = plan.hooks[phase];
  if (hooks.length === 0) return;
  const env = hookEnv(plan, phase, extra);
  for (const hook of hooks) {
    emitter.emit({ type: 'log', host: plan.host, phase, level: 'info', text: `running ${phase} hook ${hook.name}` });
    const result = await remote.run(hook.content, {
      name: hook.name,
      env,
      timeoutMs: HOOK_TIMEOUT_MS,
      signal,
      onLine: ({ stream, line }) =>
        emitter.emit({ type: 'hook-output', host: plan.host, phase, hook: hook.name, stream, level: stream === 'stderr' ? 'warn' : 'info', text: line }),
    });
    if (result.code !== 0) {
      throw new HostError(plan.host, 'hook-failed', `${phase} hook ${hook.name} exited with status ${result.code}`);
    }
  }
}
