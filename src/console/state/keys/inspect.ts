/**
 * The full view (context `inspect`, modal): one row that a pane cuts, shown whole and
 * wrapped — Enter on a switch (its value and where it comes from) or on a log line.
 * j/k scroll it, Esc closes it. Secrets stay masked here too.
 */
import type { Switch } from '../../../core/fleet/types.js';
import { clockTime, SECRET_MASK } from '../../format.js';
import { scrollTop, type Motion } from '../cursor.js';
import { logTop } from '../log.js';
import { inspectLines, inspectRows, paneLayout } from '../select.js';
import type { AppState } from '../types.js';
import { back, motions, type ContextHandlers } from './handler.js';

export const inspect = {
  ...motions(scrollInspect),
  back: back((state) => ({ ...state, inspect: undefined })),
} satisfies ContextHandlers<'inspect'>;

function scrollInspect(state: AppState, motion: Motion): AppState {
  if (!state.inspect) return state;
  return { ...state, inspect: { ...state.inspect, top: scrollTop(state.inspect.top, motion, inspectLines(state).length, inspectRows(state)) } };
}

/** Enter in the Switches tab: the selected switch whole (a warning row: the warning whole). */
export function inspectSwitch(state: AppState): AppState {
  const plan = state.selected ? state.plans[state.selected] : undefined;
  if (plan?.state !== 'ok') return state;
  const index = state.lists.switches.index;
  const warnings = plan.value.warnings;
  if (index < warnings.length) return { ...state, inspect: { title: `${state.selected}: warning`, lines: [warnings[index]!], top: 0 } };
  const sw: Switch | undefined = plan.value.switches[index - warnings.length];
  if (!sw) return state;
  const origin = `${sw.origin.file}:${sw.origin.line} (${sw.origin.kind === 'host' ? 'set for this host' : 'the default'})`;
  return {
    ...state,
    inspect: {
      title: `${state.selected}: switch ${sw.name}`,
      lines: [`value: ${sw.secret ? `${SECRET_MASK} (a secret: never shown)` : sw.value}`, `from:  ${origin}`],
      top: 0,
    },
  };
}

/** Enter in the log pane: its selected line (the last one shown) whole. */
export function inspectLogLine(state: AppState): AppState {
  const line = selectedLogLine(state);
  if (!line) return { ...state, notice: 'the log is empty' };
  const who = line.host ?? 'konf';
  const kind = line.source === 'hook' ? `hook ${line.stream ?? ''}`.trim() : line.level;
  return { ...state, inspect: { title: `log ${clockTime(line.time)} ${who} (${kind})`, lines: line.text.split('\n'), top: 0 } };
}

/** The log line Enter shows: the last one in the pane's window. */
export function selectedLogLine(state: AppState) {
  const rows = paneLayout(state).logRows;
  const top = logTop(state.log, rows);
  const shown = state.log.lines.slice(top, top + rows);
  return shown[shown.length - 1];
}
