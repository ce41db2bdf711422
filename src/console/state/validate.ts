/**
 * `V`: the etc/validate file checks on staged copies of the selected host's pending files
 * (what `konf diff HOST --validate` runs; nothing is renamed). The result goes to the log
 * pane — each check with its rule, the validator's own words under a failing one — and to
 * the title bar's notice (pure).
 */
import type { ValidateResult } from '../../core/ops/session.js';
import { plural } from '../format.js';
import { appendLog, type NewLogLine } from './log.js';
import { busyHosts, pushEffects } from './ops.js';
import type { AppState } from './types.js';

export function askValidate(state: AppState): AppState {
  const host = state.selected;
  if (!host) return { ...state, notice: 'no host selected' };
  if (state.status[host]?.kind === 'config-error') return { ...state, notice: 'config error: fix the host\u2019s files first' };
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  return pushEffects({ ...state, notice: `${host}: running the etc/validate file checks on staged copies\u2026` }, [{ type: 'validate', host }]);
}

export function validated(state: AppState, result: ValidateResult, time: string): AppState {
  const { host, checks } = result;
  const lines: NewLogLine[] = [];
  const line = (level: NewLogLine['level'], text: string) => lines.push({ time, level, host, source: 'console', text });
  for (const k of checks) {
    line(k.ok ? 'info' : 'error', `${k.ok ? '\u2713' : '\u2717'} ${k.file}: ${k.rule ?? 'a check'} on the staged copy: ${k.status}`);
    if (!k.ok) for (const out of k.output) line('error', `    ${out}`);
  }
  const failed = checks.filter((k) => !k.ok).length;
  let notice: string;
  if (result.pending === 0) notice = `${host}: in sync, nothing to check`;
  else if (checks.length === 0) notice = `${host}: no etc/validate file check applies to its ${plural(result.pending, 'pending file')}`;
  else if (failed > 0) notice = `${host}: ${failed} of ${plural(checks.length, 'file check')} failed: a deploy would be refused (see the log)`;
  else notice = `${host}: ${plural(checks.length, 'file check')} passed on staged copies (nothing renamed)`;
  line(failed > 0 ? 'error' : 'info', `validate: ${notice.slice(host.length + 2)}`);
  return { ...state, notice, log: appendLog(state.log, lines) };
}

export function validateFailed(state: AppState, host: string, error: string, time: string): AppState {
  const text = `validate: the checks could not run: ${error}`;
  return { ...state, notice: `${host}: ${text}`, log: appendLog(state.log, [{ time, level: 'error', host, source: 'console', text }]) };
}
