/**
 * The root reducer: it only routes. Every key press, resize, check result and operation
 * event comes through here and goes to the pure function that handles it; side effects
 * (checks, loads, operations, quitting, loading the diff engine) are queued in `outbox`
 * for the Controller. Nothing here or below imports a module at run time.
 *
 * Keys are resolved against the keymap here, in the reducer, so two keys arriving before
 * a render still see each other's effect: the binding's context (the first active one it
 * applies in) picks the table in HANDLERS below, the command id the handler in it.
 *
 * To add a command:
 *   1. keymap.ts: its CommandId and an entry in the table (keys, description, contexts,
 *      hint); the hint bar, `?` help and the README's key table follow from it;
 *   2. keys/<context>.ts: a handler in the table of each context the entry names (the
 *      context's name is the file's, except switches/excludes/files: planTabs.ts; a
 *      `global` handler in keys/global.ts also serves the modal contexts it names) —
 *      until then it does not compile;
 *   3. a test: the pure handler in test/console/keys/<context>.test.ts, the screen in an
 *      ink-testing-library test; then `npm run readme:keys`.
 * A new context (e.g. a palette that owns the keys while open): add it to Context in
 * keymap.ts, make activeContexts (select.ts) return it, and give it a table here.
 */
import { KEYMAP, resolveKey, type CommandId, type Context, type KeyPress } from '../keymap.js';
import { checkFailed, checkResult, checkStarted, hostsLoaded, reduceBatch } from './checks.js';
import { choice } from './keys/choice.js';
import { confirm } from './keys/confirm.js';
import { diff } from './keys/diff.js';
import { filter } from './keys/filter.js';
import { global } from './keys/global.js';
import type { CommandHandler, ContextHandlers, GlobalHandlers, PaneContext } from './keys/handler.js';
import { help } from './keys/help.js';
import { inspect } from './keys/inspect.js';
import { history } from './keys/history.js';
import { hosts } from './keys/hosts.js';
import { log } from './keys/log.js';
import { excludes, files, switches } from './keys/planTabs.js';
import { palette } from './keys/palette.js';
import { preview } from './keys/preview.js';
import { search } from './keys/search.js';
import { onAdoptPreview, onEditDone, onRebuildPreview, onWaitingError } from './driftAnswers.js';
import { diffEngineFailed, diffEngineLoaded, historyFailed, historyLoaded, planFailed, planLoaded, previewLoaded } from './loads.js';
import { consoleLines } from './log.js';
import { applyEvents, effectsTaken, endOp } from './ops.js';
import { repoChanged, repoFailed } from './repo.js';
import { activeContexts } from './select.js';
import { resized } from './selection.js';
import { paletteItems } from './palette.js';
import { undoAfterHistory } from './undo.js';
import type { Action, AppState } from './types.js';
import { validated, validateFailed } from './validate.js';

/** Context → its key table (command → handler). The types make it complete: see keys/handler.ts. */
const HANDLERS: { readonly global: GlobalHandlers } & { readonly [C in PaneContext]: ContextHandlers<C> } = {
  global,
  hosts,
  switches,
  excludes,
  files,
  diff,
  history,
  preview,
  log,
  filter,
  search,
  confirm,
  inspect,
  choice,
  help,
  palette: { ...palette, 'palette-run': runPaletteChoice },
};

export function reducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'key':
      return onKey(state, action.press);
    case 'resize':
      return resized(state, action.size);
    case 'hosts/loaded':
      return hostsLoaded(state, action.hosts);
    case 'check/start':
      return checkStarted(state, action.host);
    case 'check/result':
      return checkResult(state, action.check);
    case 'check/error':
      return checkFailed(state, action.host, action.error, action.time);
    case 'plan/result':
      return planLoaded(state, action.host, action.plan);
    case 'plan/error':
      return planFailed(state, action.host, action.error);
    case 'history/result':
      return undoAfterHistory(historyLoaded(state, action.host, action.snapshots), action.host);
    case 'history/error':
      return undoAfterHistory(historyFailed(state, action.host, action.error), action.host);
    case 'preview/result':
      return previewLoaded(state, action.host, action.snapshot, { diff: action.diff });
    case 'preview/error':
      return previewLoaded(state, action.host, action.snapshot, { error: action.error });
    case 'inventory/result':
      return { ...state, inventory: { ...state.inventory, ...action.inventory } };
    case 'diff-engine/loaded':
      return diffEngineLoaded(state);
    case 'diff-engine/error':
      return diffEngineFailed(state, action.error, action.time);
    case 'adopt/preview':
      return onAdoptPreview(state, action.key, action.preview);
    case 'rebuild/preview':
      return onRebuildPreview(state, action.key, action.host, action.snapshot, action.diff);
    case 'waiting/error':
      return onWaitingError(state, action.key, action.error, action.time);
    case 'edit/done':
      return onEditDone(state, action.host, action.source, action.error, action.time);
    case 'op/events':
      return applyEvents(state, action.items);
    case 'op/end':
      return endOp(state, action.local, action.result, action.error, action.time);
    case 'repo/changed':
      return repoChanged(state, action.change, action.recheck, action.time);
    case 'repo/error':
      return repoFailed(state, action.error, action.time);
    case 'log/append':
      return consoleLines(state, action.lines, action.time);
    case 'validate/result':
      return validated(state, action.result, action.time);
    case 'validate/error':
      return validateFailed(state, action.host, action.error, action.time);
    case 'outbox/taken':
      return effectsTaken(state, action.upTo);
    case 'batch':
      return reduceBatch(state, action.actions, reducer);
  }
}

/** A key: its binding where the user is, run by that context's handler; any key clears the notice. */
function onKey(state: AppState, press: KeyPress): AppState {
  const contexts = activeContexts(state);
  const binding = resolveKey(press, contexts);
  const cleared = state.notice === undefined ? state : { ...state, notice: undefined };
  if (!binding) return cleared;
  const context = contexts.find((c) => binding.contexts.includes(c));
  const handler = context && handlerFor(context, binding.command);
  return handler ? handler(cleared, press) : cleared;
}

/** The handler of a command in a context: the context's own, else the global one. */
export function handlerFor(context: Context, id: CommandId): CommandHandler | undefined {
  const own = (HANDLERS[context] as Partial<Record<CommandId, CommandHandler>>)[id];
  return own ?? (HANDLERS.global as Partial<Record<CommandId, CommandHandler>>)[id];
}

/**
 * Runs one command as its key would where the user is (for callers that bypass the
 * keyboard, and tests); a command not bound in the active contexts changes nothing.
 */
export function command(state: AppState, id: CommandId, press: KeyPress = { name: '' }): AppState {
  const context = activeContexts(state).find((c) => boundIn(id, c));
  const handler = context && handlerFor(context, id);
  return handler ? handler(state, press) : state;
}

/** Enter in the palette: it closes, and the highlighted command runs where the user was (or says where it works). */
function runPaletteChoice(state: AppState): AppState {
  const open = state.palette;
  if (!open) return state;
  const item = paletteItems(state)[open.index];
  const closed: AppState = { ...state, palette: undefined };
  if (!item) return closed;
  if (!item.available) return { ...closed, notice: `${item.keys}: ${item.label} — works in ${item.where}` };
  return command(closed, item.command, item.press);
}

/** True when the keymap binds the command in the context. */
export function boundIn(id: CommandId, context: Context): boolean {
  return KEYMAP.some((binding) => binding.command === id && binding.contexts.includes(context));
}
