/** The console's state and actions: plain data, changed only by the pure reducers here. */
import type { HostPlan } from '../../core/fleet/types.js';
import type { OperationKind, OpEvent, Level, Phase, HostOutcome } from '../../core/ops/events.js';
import type { AdoptPreview, AdoptTo, Confirmed, HostCheck, HostDetails, HostStatus, HostSummary, OperationResult, PreviewDiff, RepoChange, ValidateResult } from '../../core/ops/session.js';
import type { SnapshotInfo } from '../../core/store/types.js';
import type { KeyPress } from '../keymap.js';
import type { HostTally } from './hostCounts.js';

export type Focus = 'hosts' | 'detail' | 'log';
export type Tab = 'switches' | 'excludes' | 'files' | 'diff' | 'history';
export const TABS: readonly Tab[] = ['switches', 'excludes', 'files', 'diff', 'history'];
export type DiffLayout = 'unified' | 'side-by-side';
export type HostSort = 'name' | 'status' | 'change';
export const HOST_SORTS: readonly HostSort[] = ['name', 'status', 'change'];

export type Loadable<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; error: string };

/** A cursor in a windowed list: the selected index and the first visible row. */
export interface ListCursor {
  index: number;
  top: number;
}

/** Where a diff view is: which file, first visible row, horizontal offset. */
export interface DiffCursor {
  file: number;
  top: number;
  left: number;
}

export interface Size {
  columns: number;
  rows: number;
}

export interface LogLine {
  /** Sequence number, unique for the session (React key). */
  seq: number;
  time: string;
  level: Level;
  host?: string;
  /** `hook` lines are hook output; `console` lines are the console's own messages. */
  source: 'event' | 'hook' | 'console';
  stream?: 'stdout' | 'stderr';
  text: string;
}

export interface LogState {
  lines: readonly LogLine[];
  /** Lines ever appended (the next seq). */
  appended: number;
  /** Lines dropped from the front to bound memory. */
  dropped: number;
  capacity: number;
  follow: boolean;
  /** First visible line (index into lines) when not following. */
  top: number;
}

/** What a writing (or store-writing) operation does, as the user asked for it. */
export type OpRequest =
  | { kind: 'deploy'; hosts: string[]; confirmed?: Record<string, Confirmed>; waves?: string; only?: string[] }
  | { kind: 'snapshot'; hosts: string[] }
  | { kind: 'rollback'; host: string; snapshot: string; confirmed?: Confirmed }
  | { kind: 'break-lock'; host: string; opId?: string }
  | { kind: 'adopt'; host: string; preview: AdoptPreview }
  | { kind: 'rebuild'; host: string; snapshot: string; confirmed?: Confirmed };

/** What a choice does once taken: each opens its preview (a confirmation) before anything is written. */
export type ChoiceAction =
  | { type: 'adopt'; host: string; path: string; to: AdoptTo }
  | { type: 'revert'; host: string; path: string }
  | { type: 'edit-template'; host: string; path: string; source: string }
  | { type: 'column'; key: string };

export interface ChoiceItem {
  label: string;
  /** One line under the list about the highlighted item: what happens. */
  detail: string;
  action: ChoiceAction;
}

/** A modal list of choices (the console's choice widget): what it is about, the items, the highlighted one. */
export interface ChoiceState {
  title: string;
  lines: string[];
  items: ChoiceItem[];
  index: number;
}

/** A preview being computed (adopt, rebuild): its dialog opens when it arrives, unless Esc dropped it. */
export interface Waiting {
  key: string;
  host: string;
  what: string;
}

export interface HostProgress {
  phase: Phase;
  done?: number;
  total?: number;
  outcome?: HostOutcome;
  /** Confirm-or-revert: the host reverts itself at `deadline` unless konf proves access (confirm), or konf waits for it to (revert). */
  countdown?: { deadline: string; phase: 'confirm' | 'revert' };
}

export interface RunningOp {
  /** Console-local id (the core's op id arrives with op-start). */
  id: string;
  kind: OperationKind;
  hosts: string[];
  opId?: string;
  /** Who runs it and whether it is a dry run (from op-start): a host it writes gets its last deploy from the events. */
  operator?: string;
  dryRun?: boolean;
  progress: Record<string, HostProgress>;
  /** A rollout in waves: the wave running (or the last one), from the `wave` events. */
  wave?: { index: number; total: number; hosts: string[] };
  /** Badges before the operation, restored for hosts it did not change. */
  previous: Record<string, HostStatus>;
  finished: boolean;
  ok?: boolean;
  summary?: string;
}

export interface ConfirmDialog {
  title: string;
  lines: string[];
  /** A choice made in the dialog (a deploy of several hosts: all at once, or in waves); `choice` is the chosen index. */
  choices?: readonly DialogChoice[];
  choice?: number;
  /** What `y` does. */
  action: { type: 'run'; request: OpRequest } | { type: 'quit' };
  yesLabel: string;
  top: number;
}

/** One option of a dialog's choice: its label and what it adds to the request. */
export interface DialogChoice {
  label: string;
  /** deploy: wave sizes (`1,10%,100%`); absent: every host at once. */
  waves?: string;
}

export interface PreviewState {
  host: string;
  snapshot: SnapshotInfo;
  diff: Loadable<PreviewDiff>;
  cursor: DiffCursor;
  /** Open the rollback confirmation as soon as the preview has loaded. */
  confirmWhenLoaded: boolean;
  /** Opened by `u`: what the rollback undoes ("the deploy of 05-01 10:30 by alice"). */
  undoes?: string;
}

/** Side effects the reducers ask for; the app's effect runner performs and drains them. */
export type Effect =
  | { type: 'check'; hosts: string[]; priority: boolean }
  | { type: 'load-plan'; host: string }
  | { type: 'load-history'; host: string }
  | { type: 'load-preview'; host: string; snapshot: string }
  | { type: 'load-adopt'; key: string; host: string; path: string; to: AdoptTo }
  | { type: 'load-rebuild'; key: string; host: string; snapshot: string }
  /** Open a repository file (a template) in $EDITOR, the console suspended meanwhile. */
  | { type: 'edit'; host: string; source: string }
  | { type: 'run'; local: string; request: OpRequest }
  /** Read the repository again (R); then re-check these hosts (and, with `andAffected`, every host whose plan it changed). */
  | { type: 'reload'; hosts: string[]; andAffected?: boolean }
  | { type: 'quit'; cancel: boolean }
  | { type: 'redraw' }
  /** Read the hosts' addresses and last deploys (inventory columns, sort by last change). */
  | { type: 'load-inventory'; hosts: string[] }
  /** Load the diff engine (text diffs show a placeholder until it is in). */
  | { type: 'load-diff-engine' }
  /** `V`: the etc/validate file checks on staged copies of the host's pending files. */
  | { type: 'validate'; host: string };

export interface OutboxEntry {
  seq: number;
  effect: Effect;
}

export interface SearchState {
  /** What is searched in the diff (n/N then go from match to match instead of hunk to hunk). */
  diff: string;
  /** The log's search: `host=NAME` and `level=LEVEL` words filter its lines, the rest is searched. */
  log: string;
  /** Which search is being typed. */
  editing?: 'diff' | 'log';
  /** The diff match the view is at (file index, row). */
  diffHit?: { file: number; row: number };
  /** The log line (seq) of the match the view is at. */
  logHit?: number;
}

export interface AppState {
  size: Size;
  repo: string;
  hosts: readonly HostSummary[];
  status: Record<string, HostStatus>;
  /** The title's host counts, kept by batches of check results (state/hostCounts.ts); valid only for the `status` and `hosts` it names. */
  tally?: HostTally;
  checks: Record<string, HostCheck>;
  /** Selected host name (stable under filtering) and the host list's first visible row. */
  selected: string | undefined;
  hostTop: number;
  marks: Record<string, true>;
  filter: { text: string; editing: boolean };
  /** Host list order (`s` cycles): name, status (worst first), last change (newest first). */
  sort: HostSort;
  /** The `:` command palette, while open: what is typed and the highlighted command. */
  palette?: { text: string; index: number; top: number };
  /** `/` searches in the diff and in the log (the log's also filter by host= and level=); `editing` while one is typed. */
  search: SearchState;
  /** Per host: its address (the resolved HostName) and last deploy (audit log), loaded after the first frame; last deploys follow the operation events. */
  inventory?: Record<string, HostDetails>;
  /** The host list's inventory columns, most wanted first (the `columns` preference): `address`, `deployed`, or a switch name. */
  columns?: readonly string[];
  /** `u` pressed before the host's history had loaded: undo once it is in. */
  pendingUndo?: string;
  focus: Focus;
  tab: Tab;
  /** Cursors of the list tabs, reset when the selected host changes. */
  lists: Record<'switches' | 'excludes' | 'files' | 'history', ListCursor>;
  plans: Record<string, Loadable<HostPlan>>;
  histories: Record<string, Loadable<SnapshotInfo[]>>;
  /** Hosts shown in the Diff tab; undefined = the selected host. */
  diffHosts: string[] | undefined;
  diffCursor: DiffCursor;
  /** The diff path to jump to once the Diff tab has its files (from Files → Enter). */
  diffPath?: string;
  preview: PreviewState | undefined;
  layout: DiffLayout;
  /** Diff views wrap long lines (`W`) instead of scrolling them sideways. */
  diffWrap?: boolean;
  /** Diff views list each excluded file instead of one collapsed "N excluded" row per host (`x`). */
  showExcluded?: boolean;
  /** The diff engine is loaded after the first frame, as an effect; `ready` redraws the diffs. */
  diffEngine: 'loading' | 'ready' | 'failed';
  log: LogState;
  logHeight: number;
  logZoom: boolean;
  /** Hide the host list while the detail or log pane has focus (more room for diffs). */
  wide: boolean;
  confirm: ConfirmDialog | undefined;
  /** A row shown whole (Enter on a switch or a log line): its lines, wrapped to the screen, and their scroll. */
  inspect?: { title: string; lines: string[]; top: number };
  /** The choice list on top (e.g. how to answer a drifted file). */
  choice?: ChoiceState;
  /** A preview being computed whose confirmation opens when it arrives. */
  waiting?: Waiting;
  /** The `?` overlay: its scroll, and the search typed after `/` in it (rows that do not match are hidden). */
  help: { open: boolean; top: number; query?: string; searching?: boolean };
  ops: readonly RunningOp[];
  opSeq: number;
  outbox: readonly OutboxEntry[];
  outboxSeq: number;
  /** A short message on the title bar (e.g. "no host selected"); cleared by the next key. */
  notice?: string;
  /** Hosts whose check results clear the notice once all are in ("re-checking 3 hosts"). */
  noticeHosts?: readonly string[];
  /** Hosts whose last check predates a change of the repository (re-checks are queued). */
  stale: Record<string, true>;
  /** A deploy asked for while some of its hosts were being (re-)checked: its dialog opens once they are in. */
  pendingDeploy?: { hosts: string[]; skipped: string[]; failed?: string[] };
  quitting: boolean;
}

export type Action =
  | { type: 'key'; press: KeyPress }
  | { type: 'resize'; size: Size }
  /** The full host summaries of a lazily opened session (they replace the names-only list). */
  | { type: 'hosts/loaded'; hosts: HostSummary[] }
  | { type: 'check/start'; host: string }
  | { type: 'check/result'; check: HostCheck }
  | { type: 'check/error'; host: string; error: string; time: string }
  | { type: 'plan/result'; host: string; plan: HostPlan }
  | { type: 'plan/error'; host: string; error: string }
  | { type: 'history/result'; host: string; snapshots: SnapshotInfo[] }
  | { type: 'history/error'; host: string; error: string }
  | { type: 'preview/result'; host: string; snapshot: string; diff: PreviewDiff }
  | { type: 'preview/error'; host: string; snapshot: string; error: string }
  | { type: 'adopt/preview'; key: string; preview: AdoptPreview }
  | { type: 'rebuild/preview'; key: string; host: string; snapshot: string; diff: PreviewDiff }
  /** A preview (adopt, rebuild) could not be made: why. */
  | { type: 'waiting/error'; key: string; error: string; time: string }
  /** The editor closed (the repository watcher re-plans what it changed). */
  | { type: 'edit/done'; host: string; source: string; error?: string; time: string }
  | { type: 'op/events'; items: { local: string; event: OpEvent }[] }
  | { type: 'op/end'; local: string; result?: OperationResult; error?: string; time: string }
  /** The repository changed on disk (watcher) or was read again (R): re-plan and re-check. `recheck` overrides which hosts. */
  | { type: 'repo/changed'; change: RepoChange; recheck?: string[]; time: string }
  | { type: 'repo/error'; error: string; time: string }
  | { type: 'log/append'; lines: { level: Level; text: string; host?: string }[]; time: string }
  /** Addresses and last deploys of hosts (merged into what is known). */
  | { type: 'inventory/result'; inventory: Record<string, HostDetails> }
  | { type: 'diff-engine/loaded' }
  | { type: 'diff-engine/error'; error: string; time: string }
  | { type: 'validate/result'; result: ValidateResult; time: string }
  | { type: 'validate/error'; host: string; error: string; time: string }
  | { type: 'outbox/taken'; upTo: number }
  /** Several actions applied in one state update (one render). */
  | { type: 'batch'; actions: Action[] };

export interface InitOptions {
  repo: string;
  hosts: HostSummary[];
  size: Size;
  layout?: DiffLayout;
  logHeight?: number;
  lastHost?: string;
  logCapacity?: number;
  /** Inventory columns (the `columns` preference). */
  columns?: readonly string[];
}
