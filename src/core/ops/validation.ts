/**
 * etc/validate in operations: which checks a deploy's writes must pass (file checks per
 * written file, set checks once per deploy), their environment, and how their results
 * are said — in the event stream (phase `validate`: each check with the rule's file:line
 * and the validator's own output) and in the host's error message.
 */
import { HostError } from '../errors.js';
import type { HostPlan } from '../fleet/types.js';
import { ruleWhere, validateMatcher, type ValidateRule } from '../fleet/validate.js';
import type { CheckResult, RemoteChecks } from '../remote/checks.js';
import type { CheckFailedError, RemoteHost } from '../remote/remoteHost.js';
import type { WriteOp } from '../remote/types.js';
import type { OpEmitter } from './emitter.js';
import { hookEnv } from './hooks.js';

/** How long one check may run on the host. */
export const CHECK_TIMEOUT_SEC = 120;

/** The checks a batch of writes must pass (undefined: none apply). */
export function checksFor(plan: HostPlan, ops: readonly WriteOp[], extra: { op: string; operator: string; snapshot?: string }): RemoteChecks | undefined {
  const rules = plan.validate ?? [];
  if (rules.length === 0) return undefined;
  const match = validateMatcher(rules);
  const files: RemoteChecks['files'] = [];
  const sets = new Set<ValidateRule>();
  ops.forEach((o, i) => {
    for (const rule of match(o.path)) {
      if (rule.kind === 'set') sets.add(rule);
      else if (o.action !== 'remove') files.push({ id: rules.indexOf(rule), op: i, path: o.path, command: rule.command });
    }
  });
  if (files.length === 0 && sets.size === 0) return undefined;
  const env = hookEnv(plan, 'post-deploy', { changed: ops.map((o) => o.path), ...extra });
  env.KONF_PHASE = 'validate';
  return { env, files, sets: [...sets].map((r) => ({ id: rules.indexOf(r), command: r.command })), timeoutSec: CHECK_TIMEOUT_SEC };
}

function describeCheck(plan: HostPlan, ops: readonly WriteOp[], r: CheckResult): { rule: ValidateRule | undefined; what: string; file?: string } {
  const rule = (plan.validate ?? [])[r.id];
  const where = rule ? `${ruleWhere(rule)} (${rule.command})` : `check ${r.id}`;
  const file = r.op >= 0 ? ops[r.op]?.path : undefined;
  return { rule, what: file ? `${where} on ${file}` : where, ...(file ? { file } : {}) };
}

function exitText(code: number): string {
  if (code === 124) return `timed out after ${CHECK_TIMEOUT_SEC} s`;
  if (code === 127) return 'exit 127: command not found on the host';
  return `exit ${code}`;
}

/** Says one finished check in the event stream: a line for the check, then its own output. */
export function emitCheck(emitter: OpEmitter, plan: HostPlan, ops: readonly WriteOp[], r: CheckResult, staged = false): void {
  const { rule, what, file } = describeCheck(plan, ops, r);
  const at = file ? { file } : {};
  const kind = r.op >= 0 ? `file check${staged ? ' (staged copy)' : ''}` : 'set check';
  emitter.emit({ type: 'log', host: plan.host, phase: 'validate', level: r.ok ? 'info' : 'error', text: `${kind} ${what}: ${r.ok ? 'passed' : `failed (${exitText(r.code)})`}`, ...at });
  const tag = rule ? ruleWhere(rule) : `check ${r.id}`;
  for (const line of r.output) emitter.emit({ type: 'log', host: plan.host, phase: 'validate', level: r.ok ? 'info' : 'error', text: `${tag} | ${line}`, ...at });
}

/** The host's one-line message for a refusal: each failing rule with its file:line and the validator's first words (where the error usually is). */
export function refusalMessage(plan: HostPlan, ops: readonly WriteOp[], failed: readonly CheckResult[], how: string): string {
  const parts = failed.map((r) => {
    const { what } = describeCheck(plan, ops, r);
    const said = r.output.filter((l) => l.trim() !== '').slice(0, 2).join(' | ');
    return `${what}: ${exitText(r.code)}${said ? `: ${said}` : ''}`;
  });
  return `refused by etc/validate: ${parts.join('; ')}; ${how}`;
}

/** The HostError a file-check refusal becomes (nothing was renamed: the host is as it was). */
export function fileCheckRefusal(plan: HostPlan, ops: readonly WriteOp[], err: CheckFailedError): HostError {
  return new HostError(plan.host, 'check-failed', refusalMessage(plan, ops, err.results.filter((r) => !r.ok), 'nothing was renamed: the host is as it was'), { cause: err });
}

/** One file check run on a staged copy (konf diff --validate). */
export interface StagedCheck {
  /** The rule (undefined only if the plan changed under us). */
  rule?: ValidateRule;
  file: string;
  ok: boolean;
  code: number;
  output: string[];
  /** `exit 1`, `timed out after 120 s`, … */
  status: string;
}

/**
 * konf diff --validate: stages the writes beside their targets and runs the file checks
 * on the staged copies; nothing is renamed.
 */
export async function validateStaged(
  remote: RemoteHost,
  plan: HostPlan,
  ops: readonly WriteOp[],
  extra: { op: string; operator: string },
  opts: { signal?: AbortSignal; onCheck?: (r: CheckResult) => void } = {},
): Promise<StagedCheck[]> {
  const checks = checksFor(plan, ops, extra);
  if (!checks || checks.files.length === 0) return [];
  const results = await remote.stageAndCheck([...ops], { ...checks, sets: [] }, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onCheck ? { onCheck: opts.onCheck } : {}) });
  return results.map((r) => {
    const rule = (plan.validate ?? [])[r.id];
    return { ...(rule ? { rule } : {}), file: ops[r.op]?.path ?? '?', ok: r.ok, code: r.code, output: r.output, status: r.ok ? 'passed' : exitText(r.code) };
  });
}
