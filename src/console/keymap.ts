/**
 * The console's one key table: command → keys → description → contexts. The input
 * dispatcher, the hint bar, the `?` help overlay and the README section are all generated
 * from it, so what the help says is what the keys do.
 */

/** Where the user is: the focused pane (and detail tab), or a modal layer on top. */
export type Context =
  | 'global' // any non-modal context
  | 'hosts'
  | 'switches'
  | 'excludes'
  | 'files'
  | 'diff'
  | 'history'
  | 'preview' // the rollback preview inside the History tab
  | 'log'
  | 'filter' // typing a filter (modal)
  | 'search' // typing a search in the diff or the log (modal)
  | 'confirm' // a confirmation dialog (modal)
  | 'inspect' // one row shown in full (modal)
  | 'choice' // a list of choices, e.g. how to answer a drifted file (modal)
  | 'help' // the help overlay (modal)
  | 'palette'; // the `:` command palette (modal)

const MODALS = ['filter', 'search', 'confirm', 'inspect', 'choice', 'help', 'palette'] as const satisfies readonly Context[];
export const MODAL_CONTEXTS: readonly Context[] = MODALS;

export type CommandId =
  | 'up'
  | 'down'
  | 'top'
  | 'bottom'
  | 'page-up'
  | 'page-down'
  | 'left'
  | 'right'
  | 'next-pane'
  | 'prev-pane'
  | 'tab'
  | 'open'
  | 'back'
  | 'filter'
  | 'filter-type'
  | 'filter-erase'
  | 'filter-accept'
  | 'filter-clear'
  | 'sort'
  | 'columns'
  | 'search'
  | 'search-type'
  | 'search-erase'
  | 'search-accept'
  | 'search-clear'
  | 'next-match'
  | 'prev-match'
  | 'palette'
  | 'palette-type'
  | 'palette-erase'
  | 'palette-up'
  | 'palette-down'
  | 'palette-run'
  | 'palette-close'
  | 'undo'
  | 'mark'
  | 'mark-all'
  | 'diff'
  | 'layout'
  | 'next-hunk'
  | 'prev-hunk'
  | 'next-file'
  | 'prev-file'
  | 'wrap'
  | 'show-excluded'
  | 'deploy'
  | 'snapshot'
  | 'history'
  | 'rollback'
  | 'rebuild'
  | 'answer'
  | 'choose'
  | 'yes'
  | 'no'
  | 'choice-next'
  | 'choice-prev'
  | 'validate'
  | 'focus-log'
  | 'follow'
  | 'log-grow'
  | 'log-shrink'
  | 'log-zoom'
  | 'wide'
  | 'refresh'
  | 'break-lock'
  | 'help'
  | 'quit'
  | 'interrupt'
  | 'redraw';

export interface KeyBinding {
  command: CommandId;
  /** Normalized key names (see keyName): single characters, or up, down, pageup, enter, escape, tab, shift-tab, space, backspace, ctrl-c… `char` means any printable character. */
  keys: readonly string[];
  description: string;
  contexts: readonly Context[];
  /** Short label for the hint bar; bindings without one only appear in the help. */
  hint?: string;
  /** Hint bar priority when the line is too narrow: 1 is always kept, then 2, then the rest (table order among equals). */
  keep?: 1 | 2;
}

// Literal types (`as const`), so that CommandsIn below knows which commands each context binds.
const LISTS = ['hosts', 'switches', 'excludes', 'files', 'diff', 'history', 'preview', 'log', 'help', 'confirm', 'inspect', 'choice'] as const satisfies readonly Context[];
const NON_MODAL = ['hosts', 'switches', 'excludes', 'files', 'diff', 'history', 'preview', 'log'] as const satisfies readonly Context[];
const DIFFS = ['diff', 'preview'] as const satisfies readonly Context[];
const ALL = ['global', ...NON_MODAL, ...MODALS] as const satisfies readonly Context[];

const BINDINGS = [
  { command: 'up', keys: ['up', 'k'], description: 'Move up / scroll up', contexts: LISTS, hint: 'move' },
  { command: 'down', keys: ['down', 'j'], description: 'Move down / scroll down', contexts: LISTS },
  { command: 'top', keys: ['g', 'home'], description: 'Go to the top', contexts: LISTS },
  { command: 'bottom', keys: ['G', 'end'], description: 'Go to the bottom (log: follow again)', contexts: LISTS },
  { command: 'page-up', keys: ['pageup'], description: 'Page up', contexts: LISTS },
  { command: 'page-down', keys: ['pagedown'], description: 'Page down', contexts: LISTS },
  { command: 'left', keys: ['left'], description: 'Scroll the diff left', contexts: DIFFS },
  { command: 'right', keys: ['right'], description: 'Scroll the diff right', contexts: DIFFS },
  { command: 'next-pane', keys: ['tab'], description: 'Next pane (hosts, detail, log)', contexts: ['global'], hint: 'pane' },
  { command: 'prev-pane', keys: ['shift-tab'], description: 'Previous pane', contexts: ['global'] },
  { command: 'tab', keys: ['1', '2', '3', '4', '5'], description: 'Pick a tab: 1 Switches, 2 Excludes, 3 Files, 4 Diff, 5 History', contexts: ['global'], hint: 'tabs' },
  { command: 'open', keys: ['enter'], description: 'Open: host details; a file\u2019s diff; a snapshot\u2019s preview; a switch or log line whole', contexts: ['hosts', 'switches', 'files', 'history', 'log'], hint: 'open', keep: 2 },
  { command: 'back', keys: ['escape'], description: 'Back / close (clears marks and filter in the host list)', contexts: [...NON_MODAL, 'help', 'inspect', 'choice'], hint: 'back', keep: 2 },
  { command: 'search', keys: ['/'], description: 'Search the diff or the log (log: host=NAME and level=warn filter its lines)', contexts: [...DIFFS, 'log'], hint: 'search', keep: 1 },
  { command: 'filter', keys: ['/'], description: 'Filter hosts: name, status (pending, status=drifted), switch=value; help: search', contexts: ['hosts', 'switches', 'excludes', 'files', 'history', 'help'], hint: 'filter', keep: 1 },
  { command: 'filter-type', keys: ['char'], description: 'Type the filter (words: name part or switch=value)', contexts: ['filter'] },
  { command: 'filter-erase', keys: ['backspace'], description: 'Erase a character of the filter', contexts: ['filter'] },
  { command: 'filter-accept', keys: ['enter'], description: 'Keep the filter and return to the list', contexts: ['filter'], hint: 'keep', keep: 1 },
  { command: 'filter-clear', keys: ['escape'], description: 'Clear the filter', contexts: ['filter'], hint: 'clear', keep: 1 },
  { command: 'search-type', keys: ['char'], description: 'Type the search', contexts: ['search'] },
  { command: 'search-erase', keys: ['backspace'], description: 'Erase a character of the search', contexts: ['search'] },
  { command: 'search-accept', keys: ['enter'], description: 'Keep the search (n/N: next/previous match)', contexts: ['search'], hint: 'keep', keep: 1 },
  { command: 'search-clear', keys: ['escape'], description: 'Clear the search', contexts: ['search'], hint: 'clear', keep: 1 },
  { command: 'next-match', keys: ['n'], description: 'Next match of the search', contexts: ['log'] },
  { command: 'prev-match', keys: ['N'], description: 'Previous match of the search', contexts: ['log'] },
  { command: 'sort', keys: ['s'], description: 'Sort the hosts: by name, status, last change (cycles)', contexts: ['hosts'], hint: 'sort' },
  { command: 'columns', keys: ['C'], description: 'Choose the host list columns: address, last deploy, switch values', contexts: ['hosts'], hint: 'columns' },
  { command: 'mark', keys: ['space'], description: 'Mark / unmark the host for batch work', contexts: ['hosts'], hint: 'mark', keep: 2 },
  { command: 'mark-all', keys: ['a'], description: 'Mark all shown hosts (again: unmark all)', contexts: ['hosts'] },
  { command: 'diff', keys: ['d'], description: 'Diff of the selected or marked hosts', contexts: ['global'], hint: 'diff', keep: 1 },
  { command: 'layout', keys: ['v'], description: 'Toggle unified / side-by-side diff', contexts: DIFFS, hint: 'layout' },
  { command: 'next-hunk', keys: ['n'], description: 'Next change, shown sideways (excluded skipped); next match while searching', contexts: DIFFS, hint: 'hunk', keep: 2 },
  { command: 'prev-hunk', keys: ['N'], description: 'Previous change; previous match while searching', contexts: DIFFS },
  { command: 'next-file', keys: [']'], description: 'Next file', contexts: DIFFS, hint: 'file' },
  { command: 'prev-file', keys: ['['], description: 'Previous file', contexts: DIFFS },
  { command: 'wrap', keys: ['W'], description: 'Wrap long lines (again: scroll them sideways)', contexts: DIFFS, hint: 'wrap' },
  { command: 'show-excluded', keys: ['x'], description: 'List each excluded file (again: one \u201cN excluded\u201d row per host)', contexts: DIFFS },
  { command: 'deploy', keys: ['D'], description: 'Deploy the selected or marked hosts (asks first)', contexts: ['global'], hint: 'deploy', keep: 1 },
  { command: 'snapshot', keys: ['S'], description: 'Snapshot the selected or marked hosts (asks first)', contexts: ['global'] },
  { command: 'history', keys: ['r'], description: 'Rollback picker: the host\u2019s snapshot history', contexts: ['hosts', 'switches', 'excludes', 'files', 'diff', 'log'] },
  { command: 'rollback', keys: ['r'], description: 'Roll back to the selected snapshot (asks first)', contexts: ['history', 'preview'], hint: 'rollback' },
  { command: 'undo', keys: ['u'], description: 'Undo the host\u2019s last konf operation: roll back to the snapshot before it (asks)', contexts: ['global'] },
  { command: 'rebuild', keys: ['B'], description: 'Rebuild the host from the selected snapshot, then its plan (asks first)', contexts: ['history', 'preview'], hint: 'rebuild' },
  { command: 'answer', keys: ['a'], description: 'Answer a drifted file: adopt it for all hosts, keep it here, revert, edit its template', contexts: ['files', 'diff'], hint: 'answer' },
  { command: 'choose', keys: ['enter'], description: 'Take the highlighted choice (its preview comes first)', contexts: ['choice'], hint: 'choose' },
  { command: 'yes', keys: ['y'], description: 'Confirm', contexts: ['confirm'], hint: 'yes', keep: 1 },
  { command: 'no', keys: ['n', 'escape'], description: 'Cancel', contexts: ['confirm'], hint: 'no', keep: 1 },
  { command: 'choice-next', keys: ['right', 'w'], description: 'Next choice of the dialog (deploy: all at once, or in waves)', contexts: ['confirm'], hint: 'rollout' },
  { command: 'choice-prev', keys: ['left', 'W'], description: 'Previous choice of the dialog', contexts: ['confirm'] },
  { command: 'validate', keys: ['V'], description: 'Check the selected host\u2019s changes with etc/validate (staged copies, nothing renamed)', contexts: ['global'] },
  { command: 'focus-log', keys: ['l'], description: 'Focus the log pane', contexts: ['global'] },
  { command: 'follow', keys: ['f'], description: 'Toggle log follow mode', contexts: ['global'] },
  { command: 'log-grow', keys: ['+'], description: 'Make the log pane taller', contexts: ['global'] },
  { command: 'log-shrink', keys: ['-'], description: 'Make the log pane shorter', contexts: ['global'] },
  { command: 'log-zoom', keys: ['z'], description: 'Zoom the log pane (again: back)', contexts: ['global'] },
  { command: 'wide', keys: ['w'], description: 'Wide detail pane: hide the host list while it is not focused (again: back)', contexts: ['global'] },
  { command: 'refresh', keys: ['R'], description: 'Re-read the repository and re-check the selected or marked hosts (all when none)', contexts: ['global'] },
  { command: 'break-lock', keys: ['U'], description: 'Break the selected host\u2019s lock (asks first, naming the holder)', contexts: ['global'] },
  { command: 'palette', keys: [':'], description: 'Command palette: every command, filtered as you type', contexts: ['global'], hint: 'commands' },
  { command: 'palette-type', keys: ['char'], description: 'Type to filter the commands', contexts: ['palette'] },
  { command: 'palette-erase', keys: ['backspace'], description: 'Erase a character', contexts: ['palette'] },
  { command: 'palette-up', keys: ['up', 'ctrl-p'], description: 'Previous command', contexts: ['palette'] },
  { command: 'palette-down', keys: ['down', 'ctrl-n'], description: 'Next command', contexts: ['palette'] },
  { command: 'palette-run', keys: ['enter'], description: 'Run the highlighted command', contexts: ['palette'], hint: 'run', keep: 1 },
  { command: 'palette-close', keys: ['escape'], description: 'Close the palette', contexts: ['palette'], hint: 'close', keep: 1 },
  { command: 'help', keys: ['?'], description: 'Help: this list (again: close)', contexts: ['global', 'help'], hint: 'help', keep: 1 },
  { command: 'quit', keys: ['q'], description: 'Quit (asks if an operation runs)', contexts: ['global'], hint: 'quit', keep: 1 },
  { command: 'interrupt', keys: ['ctrl-c'], description: 'Quit (asks if an operation runs; twice: cancel it and quit)', contexts: ALL },
  { command: 'redraw', keys: ['ctrl-l'], description: 'Redraw the screen', contexts: ALL },
] as const satisfies readonly KeyBinding[];

export const KEYMAP: readonly KeyBinding[] = BINDINGS;

/**
 * The commands the table binds in a context, as a type: the console's handler table
 * (state/reducer.ts) must have a handler for each of them, so a binding without a
 * handler does not compile.
 */
export type CommandsIn<C extends Context> =
  (typeof BINDINGS)[number] extends infer B ? (B extends { readonly command: infer Id; readonly contexts: readonly (infer In)[] } ? (C extends In ? Id : never) : never) : never;

/** The subset of Ink's Key this module reads. */
export interface KeyFlags {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

/** A key press, normalized: a name for the table, and the typed text when it is printable. */
export interface KeyPress {
  name: string;
  /** The characters typed (a paste arrives as one string); undefined for special keys. */
  text?: string;
}

/** Turns Ink's (input, key) pair into a KeyPress, or undefined for what we ignore. */
export function keyPress(input: string, key: KeyFlags): KeyPress | undefined {
  if (key.upArrow) return { name: 'up' };
  if (key.downArrow) return { name: 'down' };
  if (key.leftArrow) return { name: 'left' };
  if (key.rightArrow) return { name: 'right' };
  if (key.pageUp) return { name: 'pageup' };
  if (key.pageDown) return { name: 'pagedown' };
  if (key.home) return { name: 'home' };
  if (key.end) return { name: 'end' };
  if (key.return) return { name: 'enter' };
  if (key.tab) return { name: key.shift ? 'shift-tab' : 'tab' };
  // Terminals send DEL (0x7f) for Backspace; Ink calls that `delete`.
  if (key.backspace || key.delete) return { name: 'backspace' };
  if (key.escape) return { name: 'escape' };
  if (key.ctrl) return input.length === 1 ? { name: `ctrl-${input.toLowerCase()}` } : undefined;
  if (key.meta || input.length === 0) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(input)) return undefined;
  if (input === ' ') return { name: 'space', text: ' ' };
  return { name: input, text: input };
}

const ESCAPE_SEQUENCES: Record<string, string> = {
  '\x1b[A': 'up',
  '\x1b[B': 'down',
  '\x1b[C': 'right',
  '\x1b[D': 'left',
  '\x1bOA': 'up',
  '\x1bOB': 'down',
  '\x1bOC': 'right',
  '\x1bOD': 'left',
  '\x1b[5~': 'pageup',
  '\x1b[6~': 'pagedown',
  '\x1b[H': 'home',
  '\x1b[F': 'end',
  '\x1b[1~': 'home',
  '\x1b[4~': 'end',
  '\x1bOH': 'home',
  '\x1bOF': 'end',
  '\x1b[Z': 'shift-tab',
};

/**
 * Splits raw terminal input that holds several keys (a fast typist, keystrokes coalesced
 * by a slow SSH link, a paste) into key presses: printable characters, Enter, Tab,
 * Backspace, Ctrl-letters, Esc and the common escape sequences (arrows, PgUp/PgDn,
 * Home/End, Shift-Tab). Unknown escape sequences are skipped whole.
 */
export function splitKeys(raw: string): KeyPress[] {
  const out: KeyPress[] = [];
  const chars = [...raw];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\x1b') {
      const rest = chars.slice(i, i + 4).join('');
      const seq = Object.keys(ESCAPE_SEQUENCES).find((k) => rest.startsWith(k));
      if (seq) {
        out.push({ name: ESCAPE_SEQUENCES[seq] as string });
        i += seq.length - 1;
      } else if (chars[i + 1] === '[' || chars[i + 1] === 'O') {
        // an escape sequence we do not bind: skip to its final byte
        let j = i + 2;
        while (j < chars.length && !/[@-~]/.test(chars[j] as string)) j++;
        i = j;
      } else out.push({ name: 'escape' });
    } else if (ch === '\r' || ch === '\n') out.push({ name: 'enter' });
    else if (ch === '\t') out.push({ name: 'tab' });
    else if (ch === '\x7f' || ch === '\b') out.push({ name: 'backspace' });
    else if (ch === ' ') out.push({ name: 'space', text: ' ' });
    else if (ch < ' ') out.push({ name: `ctrl-${String.fromCharCode(ch.charCodeAt(0) + 96)}` });
    else out.push({ name: ch, text: ch });
  }
  return out;
}

/**
 * Every key press in one Ink input event. Ink hands several keys that arrive together to
 * the handler as one raw string; each is a key of its own here.
 */
export function keyPresses(input: string, key: KeyFlags): KeyPress[] {
  if ([...input].length > 1 && !key.meta) {
    const keys = splitKeys(input);
    if (keys.length > 1) return keys;
  }
  const single = keyPress(input, key);
  return single ? [single] : [];
}

/**
 * The binding a key runs in the given contexts (most specific first), or undefined.
 * Named keys win over `char` (typed text) bindings.
 */
export function resolveKey(press: KeyPress, contexts: readonly Context[]): KeyBinding | undefined {
  for (const context of contexts) {
    for (const binding of KEYMAP) {
      if (binding.contexts.includes(context) && binding.keys.includes(press.name)) return binding;
    }
  }
  if (press.text === undefined) return undefined;
  for (const context of contexts) {
    for (const binding of KEYMAP) {
      if (binding.contexts.includes(context) && binding.keys.includes('char')) return binding;
    }
  }
  return undefined;
}

/** Bindings that apply in these contexts, in table order (for the hint bar). */
export function bindingsFor(contexts: readonly Context[]): KeyBinding[] {
  return KEYMAP.filter((binding) => binding.contexts.some((c) => contexts.includes(c)));
}

const KEY_LABELS: Record<string, string> = {
  up: '\u2191',
  down: '\u2193',
  left: '\u2190',
  right: '\u2192',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  'shift-tab': 'Shift-Tab',
  space: 'Space',
  backspace: 'Backspace',
  'ctrl-c': 'Ctrl-C',
  'ctrl-l': 'Ctrl-L',
  'ctrl-p': 'Ctrl-P',
  'ctrl-n': 'Ctrl-N',
  char: 'text',
};

export function keyLabel(name: string): string {
  return KEY_LABELS[name] ?? name;
}

export function keysLabel(binding: KeyBinding): string {
  if (binding.command === 'tab') return '1\u20265';
  return binding.keys.map(keyLabel).join(' ');
}

/** The keys of a command, as the help shows them (for text that names a key: it follows the table). */
export function keysOf(command: CommandId): string {
  const binding = KEYMAP.find((b) => b.command === command);
  return binding ? keysLabel(binding) : '';
}

const CONTEXT_LABELS: Record<Context, string> = {
  global: 'anywhere',
  hosts: 'hosts',
  switches: 'switches',
  excludes: 'excludes',
  files: 'files',
  diff: 'diff',
  history: 'history',
  preview: 'rollback preview',
  log: 'log',
  filter: 'filter',
  search: 'search',
  confirm: 'confirmation',
  inspect: 'full view',
  choice: 'choices',
  help: 'help',
  palette: 'palette',
};

export function contextsLabel(binding: KeyBinding): string {
  const list = binding.contexts;
  if (ALL.every((c) => list.includes(c))) return 'always';
  if (LISTS.every((c) => list.includes(c)) && list.length === LISTS.length) return 'lists';
  if (NON_MODAL.every((c) => list.includes(c))) {
    const rest = list.filter((c) => !(NON_MODAL as readonly Context[]).includes(c)).map((c) => CONTEXT_LABELS[c]);
    return ['panes', ...rest].join(', ');
  }
  return list.map((c) => CONTEXT_LABELS[c]).join(', ');
}

/** One help row per binding: keys, what it does, where it applies. */
export interface HelpRow {
  keys: string;
  description: string;
  where: string;
}

export function helpRows(): HelpRow[] {
  return KEYMAP.map((binding) => ({ keys: keysLabel(binding), description: binding.description, where: contextsLabel(binding) }));
}

/** The key table as Markdown, for the README (generated, and checked by a test). */
export function keymapMarkdown(): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| keys | command | where |', '| --- | --- | --- |'];
  for (const row of helpRows()) {
    const keys = row.keys
      .split(' ')
      .map((k) => `\`${escape(k)}\``)
      .join(' ');
    lines.push(`| ${keys} | ${escape(row.description)} | ${escape(row.where)} |`);
  }
  return lines.join('\n') + '\n';
}
