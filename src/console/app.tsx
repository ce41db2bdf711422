/**
 * The console's root: state in one reducer, one input dispatcher (keys resolved against
 * the keymap inside the reducer), effects performed by the Controller, and panes that
 * only render state. The FleetSession is the only thing it calls in the core.
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { memo, useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { Level } from '../core/ops/events.js';
import type { FleetSession } from '../core/ops/session.js';
import { CommandPalette } from './components/CommandPalette.js';
import { ChoiceList } from './components/ChoiceList.js';
import { ConfirmDialog } from './components/ConfirmDialog.js';
import { DetailPane } from './components/DetailPane.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { FilterBar } from './components/FilterBar.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { HintBar } from './components/HintBar.js';
import { InspectOverlay } from './components/InspectOverlay.js';
import { HostList, type HostListProps } from './components/HostList.js';
import { inventoryTable, type InventoryTable } from './state/inventoryColumns.js';
import { LogPane } from './components/LogPane.js';
import { TitleBar } from './components/TitleBar.js';
import { Controller } from './controller.js';
import { fit } from './format.js';
import { keyPresses } from './keymap.js';
import { memoryPrefs, type Prefs, type PrefsStore } from './prefs.js';
import { hostCounts } from './state/hostCounts.js';
import { initialState } from './state/init.js';
import { countdowns, countdownsByHost } from './state/ops.js';
import { reducer } from './state/reducer.js';
import { filteredLog } from './state/search.js';
import { activeContexts, confirmRows, helpRows, inspectLines, inspectRows, MIN_COLUMNS, MIN_ROWS, paletteRows, paneLayout, runningOps, shownHelpRows, visibleHosts } from './state/select.js';
import type { AppState, Size } from './state/types.js';
import { colorEnabled, ThemeContext } from './theme.js';
import { count } from '../core/util/count.js';

export interface AppProps {
  session: FleetSession;
  prefs?: PrefsStore;
  /** A fixed size (tests); default: the terminal's, following resizes. */
  size?: Size;
  /** Background checks at once (default: the preference, 8). */
  concurrency?: number;
  /** Colors on/off (default: on unless NO_COLOR is set). */
  color?: boolean;
  now?: () => Date;
  /** Called when the user has quit (default: Ink's exit). */
  onExit?: () => void;
  /** Messages for the log pane at start (e.g. preferences could not be opened). */
  warnings?: string[];
  /** Milliseconds check results and events are batched before a redraw (default 30). */
  eventBatchMs?: number;
  /** Ctrl-L: repaint the terminal (runConsole wires its screen writer). */
  onRedraw?: () => void;
  /** Text written with console.* while the console runs, shown in the log pane. */
  messages?: MessageSource;
  /** Receives the effect controller (runConsole stops it on hangup and SIGTERM). */
  onController?: (controller: Controller) => void;
  /** Opens a repository file in the admin's editor, the console suspended meanwhile (runConsole wires it). */
  edit?: (file: string) => Promise<{ error?: string }>;
}

export interface MessageSource {
  subscribe(listener: (level: Level, text: string) => void): () => void;
}

function terminalSize(stdout: NodeJS.WriteStream): Size {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

const Separator = memo(function Separator(props: { height: number }) {
  return (
    <Box width={1} height={props.height} flexDirection="column">
      <Text dimColor>{Array.from({ length: props.height }, () => '\u2502').join('\n')}</Text>
    </Box>
  );
});

function titleText(state: AppState): string {
  const { pending, failing: trouble, checking } = hostCounts(state);
  const parts = [count(state.hosts.length, 'host')];
  if (pending > 0) parts.push(`${pending} pending`);
  if (trouble > 0) parts.push(`${trouble} failing`);
  if (checking > 0) parts.push(`${checking} to check`);
  const running = runningOps(state);
  if (running.length > 0) parts.push(`${running.map((op) => op.kind).join(', ')} running`);
  return parts.join(' \u00b7 ');
}

export function App(props: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [prefs] = useState(() => props.prefs ?? memoryPrefs());
  const [initialPrefs] = useState(() => prefs.load());
  const [state, dispatch] = useReducer(reducer, undefined, () => {
    let s = initialState({
      repo: props.session.repo,
      hosts: props.session.hosts(),
      size: props.size ?? terminalSize(stdout),
      layout: initialPrefs.diffLayout,
      logHeight: initialPrefs.logHeight,
      lastHost: initialPrefs.lastHost,
      columns: initialPrefs.columns,
    });
    if (props.warnings && props.warnings.length > 0) {
      s = reducer(s, { type: 'log/append', time: new Date().toISOString(), lines: props.warnings.map((text) => ({ level: 'warn', text })) });
    }
    return s;
  });
  const theme = useMemo(() => ({ color: props.color ?? colorEnabled() }), [props.color]);

  // ---- effects: one controller for the app's lifetime
  const onExitRef = useRef(props.onExit ?? exit);
  onExitRef.current = props.onExit ?? exit;
  const onRedrawRef = useRef(props.onRedraw);
  onRedrawRef.current = props.onRedraw;
  // ---- $EDITOR: the keyboard is released (Ink stops reading) before the editor gets the terminal
  const [editing, setEditing] = useState(false);
  const released = useRef<(() => void) | undefined>(undefined);
  useEffect(() => {
    if (!editing) return;
    released.current?.();
    released.current = undefined;
  }, [editing]);
  const editRef = useRef(props.edit);
  editRef.current = props.edit;
  const edit = useCallback(async (file: string): Promise<{ error?: string }> => {
    const open = editRef.current;
    if (!open) return { error: 'no editor can be opened here' };
    await new Promise<void>((resolve) => {
      released.current = resolve;
      setEditing(true);
    });
    try {
      return await open(file);
    } finally {
      setEditing(false);
    }
  }, []);
  const controller = useMemo(
    () =>
      new Controller(props.session, dispatch, {
        concurrency: props.concurrency ?? initialPrefs.concurrency,
        onQuit: () => onExitRef.current(),
        now: props.now,
        eventBatchMs: props.eventBatchMs,
        onRedraw: () => onRedrawRef.current?.(),
        edit,
      }),
    // The session is fixed for the app's lifetime.
    [],
  );
  useEffect(() => {
    props.onController?.(controller);
    // Edits to the repository re-plan and re-check the hosts they concern.
    controller.watchRepository();
    return () => controller.dispose();
  }, [controller]);

  // ---- a lazily opened session: the full summaries (switches, errors) after the first frame;
  // asked for before the first checks run, so the plans are rendered in one batch.
  useEffect(() => {
    const session = props.session;
    if (!session.summaries || !session.hosts().some((h) => h.loading)) return;
    let live = true;
    session.summaries().then(
      (hosts) => live && dispatch({ type: 'hosts/loaded', hosts }),
      (error: unknown) => dispatch({ type: 'log/append', time: new Date().toISOString(), lines: [{ level: 'error', text: `cannot read the hosts: ${error instanceof Error ? error.message : String(error)}` }] }),
    );
    return () => {
      live = false;
    };
    // The session is fixed for the app's lifetime.
  }, [props.session]);

  const ranUpTo = useRef(-1);
  useEffect(() => {
    if (state.outbox.length === 0) return;
    let upTo = ranUpTo.current;
    for (const entry of state.outbox) {
      if (entry.seq <= ranUpTo.current) continue;
      upTo = entry.seq;
      try {
        controller.run(entry.effect);
      } catch (error) {
        dispatch({ type: 'log/append', time: new Date().toISOString(), lines: [{ level: 'error', text: `internal error: ${error instanceof Error ? error.message : String(error)}` }] });
      }
    }
    ranUpTo.current = upTo;
    dispatch({ type: 'outbox/taken', upTo });
  }, [state.outbox, controller]);

  // ---- stray console output goes to the log pane, not over the screen
  useEffect(() => {
    if (!props.messages) return;
    return props.messages.subscribe((level, text) => dispatch({ type: 'log/append', time: new Date().toISOString(), lines: [{ level, text }] }));
  }, [props.messages]);

  // ---- size: fixed, or the terminal's
  useEffect(() => {
    if (props.size) dispatch({ type: 'resize', size: props.size });
  }, [props.size]);
  useEffect(() => {
    if (props.size) return;
    const onResize = () => dispatch({ type: 'resize', size: terminalSize(stdout) });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, props.size]);

  // ---- preferences: layout and log height at once, the selection after a pause; only what changed
  const stored = useRef(initialPrefs);
  const saveChanged = useCallback(
    (patch: Partial<Prefs>) => {
      const changed = Object.fromEntries(Object.entries(patch).filter(([key, value]) => JSON.stringify(stored.current[key as keyof Prefs]) !== JSON.stringify(value))) as Partial<Prefs>;
      if (Object.keys(changed).length === 0) return;
      stored.current = { ...stored.current, ...changed };
      prefs.save(changed);
    },
    [prefs],
  );
  useEffect(() => {
    saveChanged({ diffLayout: state.layout });
  }, [saveChanged, state.layout]);
  useEffect(() => {
    saveChanged({ logHeight: state.logHeight });
  }, [saveChanged, state.logHeight]);
  useEffect(() => {
    if (state.columns) saveChanged({ columns: [...state.columns] });
  }, [saveChanged, state.columns]);
  const selectedRef = useRef(state.selected);
  selectedRef.current = state.selected;
  useEffect(() => {
    const timer = setTimeout(() => saveChanged({ lastHost: state.selected }), 1000);
    return () => clearTimeout(timer);
  }, [saveChanged, state.selected]);
  useEffect(() => () => saveChanged({ lastHost: selectedRef.current }), [saveChanged]);

  // ---- the one input dispatcher
  const onInput = useCallback((input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
    const presses = keyPresses(input, key);
    if (presses.length === 1) dispatch({ type: 'key', press: presses[0]! });
    else if (presses.length > 1) dispatch({ type: 'batch', actions: presses.map((press) => ({ type: 'key' as const, press })) });
  }, []);
  useInput(onInput, { isActive: !editing });

  // ---- confirm-or-revert countdowns (log pane, badges) tick once a second while a revert is armed
  const counting = countdowns(state.ops).length > 0;
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!counting) return;
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [counting]);

  const now = (props.now?.() ?? new Date()).getTime();
  return (
    <ThemeContext.Provider value={theme}>
      <Screen state={state} now={now} />
    </ThemeContext.Provider>
  );
}

/** The inventory columns the host list shows (the same object while nothing changed: its rows stay memoized). */
let lastInventory: { table: InventoryTable; shown: readonly number[]; props: NonNullable<HostListProps['inventory']> } | undefined;
function inventoryProps(state: AppState, shown: readonly number[]): HostListProps['inventory'] {
  const table = inventoryTable(state);
  if (shown.length === 0) return undefined;
  if (lastInventory?.table !== table || lastInventory.shown.join() !== shown.join()) lastInventory = { table, shown, props: { columns: table.columns, cells: table.cells, shown } };
  return lastInventory.props;
}

function HostPane({ state, now }: { state: AppState; now: number }) {
  const layout = paneLayout(state);
  const shown = visibleHosts(state);
  return (
    <Box flexDirection="column" width={layout.hostWidth} height={layout.mainHeight}>
      <HostList
        hosts={shown}
        total={state.hosts.length}
        status={state.status}
        checks={state.checks}
        marks={state.marks}
        selected={state.selected}
        top={state.hostTop}
        width={layout.hostWidth}
        badgeWidth={layout.badgeWidth}
        rows={layout.hostRows}
        focused={state.focus === 'hosts'}
        now={now}
        countdowns={countdownsByHost(state.ops)}
        sort={state.sort}
        inventory={inventoryProps(state, layout.inventoryShown)}
      />
      <Box flexGrow={1} />
      {layout.filterBar ? <FilterBar text={state.filter.text} editing={state.filter.editing} matches={shown.length} width={layout.hostWidth} /> : null}
    </Box>
  );
}

/** The search typed at the bottom line (`/` in the diff or the log). */
function SearchLine(props: { where: 'diff' | 'log'; text: string; width: number }) {
  const label = `/${props.text}\u2588`;
  const help = props.where === 'log' ? '  host=NAME level=warn filter \u00b7 Enter keeps \u00b7 Esc clears' : '  Enter keeps (n/N: matches) \u00b7 Esc clears';
  return (
    <Text wrap="truncate" inverse>
      {fit(label + help, props.width)}
    </Text>
  );
}

/** A kept search of the pane in use, named on the hint bar (n/N go to its matches). */
function activeSearch(state: AppState, contexts: readonly string[]): string | undefined {
  const text = contexts[0] === 'log' ? state.search.log : contexts[0] === 'diff' || contexts[0] === 'preview' ? state.search.diff : '';
  return text ? `/${text} (n/N)` : undefined;
}

function Screen({ state, now }: { state: AppState; now: number }) {
  const layout = paneLayout(state);
  if (layout.tooSmall) {
    return (
      <Box width={layout.columns} height={layout.rows}>
        <Text wrap="wrap">
          konf needs at least {MIN_COLUMNS}{'\u00d7'}{MIN_ROWS} (now {state.size.columns}{'\u00d7'}{state.size.rows}). Enlarge the terminal; q quits.
        </Text>
      </Box>
    );
  }
  const contexts = activeContexts(state);
  const modalWidth = layout.columns;
  const modal = state.confirm ? (
    // Sized to its content, centered at the top of the main area.
    <Box flexDirection="column" width={modalWidth} alignItems="center">
      <ConfirmDialog dialog={state.confirm} rows={confirmRows(state)} width={modalWidth} />
    </Box>
  ) : state.inspect ? (
    <InspectOverlay title={state.inspect.title} lines={inspectLines(state)} top={state.inspect.top} rows={inspectRows(state)} width={modalWidth} />
  ) : state.choice ? (
    <Box flexDirection="column" width={modalWidth} alignItems="center">
      <ChoiceList choice={state.choice} rows={layout.showMain ? layout.mainHeight : layout.logHeight} width={modalWidth} />
    </Box>
  ) : state.help.open ? (
    <HelpOverlay
      top={state.help.top}
      rows={helpRows(state)}
      width={modalWidth}
      all={shownHelpRows({ help: { open: true, top: 0 } })}
      shown={shownHelpRows(state)}
      query={state.help.query ?? ''}
      searching={state.help.searching === true}
    />
  ) : state.palette ? (
    <CommandPalette state={state} rows={paletteRows(state)} width={modalWidth} />
  ) : undefined;
  return (
    <Box flexDirection="column" width={layout.columns} height={layout.rows}>
      <TitleBar repo={state.repo} text={titleText(state)} width={layout.columns} quitting={state.quitting} />
      {layout.showMain ? (
        <Box height={layout.mainHeight} flexDirection="row" overflow="hidden">
          {modal ?? (
            <>
              {layout.showHosts ? (
                <>
                  <HostPane state={state} now={now} />
                  <Separator height={layout.mainHeight} />
                </>
              ) : null}
              <ErrorBoundary name="detail pane" resetKey={`${state.selected}:${state.tab}`}>
                <DetailPane state={state} now={now} />
              </ErrorBoundary>
            </>
          )}
        </Box>
      ) : null}
      {!layout.showMain && modal ? (
        <Box height={layout.logHeight} overflow="hidden">
          {modal}
        </Box>
      ) : (
        <ErrorBoundary name="log pane">
          <LogPane log={filteredLog(state.log, state.search.log)} query={state.search.log} hit={state.search.logHit} rows={layout.logRows} width={layout.columns} focused={state.focus === 'log' || state.logZoom} zoomed={state.logZoom} ops={state.ops} now={now} />
        </ErrorBoundary>
      )}
      {state.search.editing ? (
        <SearchLine where={state.search.editing} text={state.search.editing === 'log' ? state.search.log : state.search.diff} width={layout.columns} />
      ) : (
        <HintBar contexts={contexts} width={layout.columns} notice={state.notice ?? activeSearch(state, contexts)} />
      )}
    </Box>
  );
}
