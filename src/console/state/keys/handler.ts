/**
 * The shape of the key handler tables: one table per keymap context (one file each in
 * this folder), command id → handler. Their types come from the keymap table itself
 * (CommandsIn), so a binding without a handler, or a handler for a command its context
 * does not bind, does not compile.
 */
import type { CommandsIn, Context, KeyPress } from '../../keymap.js';
import type { Motion } from '../cursor.js';
import type { AppState } from '../types.js';

/** What one command does in one context: the state after the key (pure; effects go to the outbox). */
export type CommandHandler = (state: AppState, press: KeyPress) => AppState;

/** Commands bound in the global context. */
export type GlobalCommand = CommandsIn<'global'>;

/** The global table: every command bound in `global`. It also serves the other contexts that bind such a command (Ctrl-C in a dialog) unless their table has its own. */
export type GlobalHandlers = { readonly [K in GlobalCommand]: CommandHandler };

export type PaneContext = Exclude<Context, 'global'>;

/** A context's table: a handler for every command the keymap binds there; the global commands are optional (their global handler is the default). */
export type ContextHandlers<C extends PaneContext> = { readonly [K in Exclude<CommandsIn<C>, GlobalCommand>]: CommandHandler } & {
  readonly [K in Extract<CommandsIn<C>, GlobalCommand>]?: CommandHandler;
};

/** The six list motions (up, down, top, bottom, page-up, page-down), all done by one function of the context. */
export function motions(move: (state: AppState, motion: Motion) => AppState): Record<Motion, CommandHandler> {
  return {
    up: (state) => move(state, 'up'),
    down: (state) => move(state, 'down'),
    top: (state) => move(state, 'top'),
    bottom: (state) => move(state, 'bottom'),
    'page-up': (state) => move(state, 'page-up'),
    'page-down': (state) => move(state, 'page-down'),
  };
}

/**
 * Esc: a deploy waiting for its hosts' checks is cancelled first, wherever the user is, and
 * a preview being computed (adopt, rebuild) is dropped; otherwise the context's own `back`.
 */
export function back(handler: (state: AppState) => AppState): CommandHandler {
  return (state) => {
    if (state.pendingDeploy) return { ...state, pendingDeploy: undefined, notice: 'deploy cancelled', noticeHosts: undefined };
    if (state.waiting) return { ...state, waiting: undefined, notice: `dropped: ${state.waiting.what}` };
    return handler(state);
  };
}

/** Esc in a detail tab: back to the host list. */
export function focusHosts(state: AppState): AppState {
  return { ...state, focus: 'hosts' };
}
