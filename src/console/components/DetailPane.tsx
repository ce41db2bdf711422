/** The right-hand pane: the selected host's header, the tab bar and the active tab. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { age, fit, nameList, plural, shortTime, statusLine, wroteVerb } from '../format.js';
import { diffEntries, diffHostsOf, diffViewRows, filesFooterRows, listRows, paneLayout, previewEntries, shownExcluded } from '../state/select.js';
import { TABS, type AppState, type Tab } from '../state/types.js';
import { useTone } from '../theme.js';
import { DiffView } from './DiffView.js';
import { ExcludesTab, FilesTab, HistoryTab, LoadState, SwitchesTab } from './Tabs.js';
import { shortId } from '../state/confirm.js';
import { missingText } from '../state/driftAnswers.js';
import { keysOf } from '../keymap.js';

const LONG: Record<Tab, string> = { switches: 'Switches', excludes: 'Excludes', files: 'Files', diff: 'Diff', history: 'History' };
const SHORT: Record<Tab, string> = { switches: 'Switch', excludes: 'Excl', files: 'Files', diff: 'Diff', history: 'Hist' };

export const TabBar = memo(function TabBar(props: { tab: Tab; width: number; focused: boolean }) {
  const labels = props.width >= 60 ? LONG : SHORT;
  return (
    <Text wrap="truncate">
      {TABS.map((tab, i) => (
        <Text key={tab} inverse={tab === props.tab} bold={tab === props.tab} dimColor={tab !== props.tab}>
          {` ${i + 1} ${labels[tab]} `}
        </Text>
      ))}
    </Text>
  );
});

export function DetailPane(props: { state: AppState; now: number }) {
  const tone = useTone();
  const { state } = props;
  const layout = paneLayout(state);
  const width = layout.detailWidth;
  const host = state.selected;
  const focused = state.focus === 'detail';
  if (!host) {
    return (
      <Box flexDirection="column" width={width}>
        <Text dimColor>no host{state.hosts.length === 0 ? 's in this repository' : ' selected'}</Text>
      </Box>
    );
  }
  const status = state.status[host] ?? { kind: 'unknown' as const };
  const summary = state.hosts.find((h) => h.name === host);
  const check = state.checks[host];
  // The inventory columns whole (the host list drops what does not fit): address, last deploy.
  const details = state.inventory?.[host];
  const last = details?.lastDeploy;
  const info = [
    statusLine(status, host),
    details?.address,
    last ? `${wroteVerb(last.kind)} ${age(last.time, new Date(props.now))} ago by ${last.operator}${last.ok ? '' : ' (failed)'}` : undefined,
    check?.lastSnapshot ? `snapshot ${age(check.lastSnapshot, new Date(props.now))} ago` : undefined,
    summary && !summary.loading ? `${plural(summary.switches, 'switch')}` : undefined,
  ]
    .filter(Boolean)
    .join(' \u00b7 ');
  const statusTone = status.kind === 'in-sync' ? 'green' : status.kind === 'pending' ? 'yellow' : ['failed', 'unreachable', 'config-error'].includes(status.kind) ? 'red' : undefined;
  return (
    <Box flexDirection="column" width={width} height={layout.mainHeight}>
      <Text wrap="truncate">
        <Text bold>{host}</Text> <Text color={tone(statusTone)}>{info}</Text>
      </Text>
      <TabBar tab={state.tab} width={width} focused={focused} />
      <Box flexDirection="column" height={layout.detailRows} overflow="hidden">
        <TabBody state={state} now={props.now} width={width} focused={focused} host={host} />
      </Box>
    </Box>
  );
}

function TabBody(props: { state: AppState; now: number; width: number; focused: boolean; host: string }) {
  const tone = useTone();
  const { state, width, focused, host } = props;
  const status = state.status[host];
  if (status?.kind === 'config-error' && state.tab !== 'history') {
    return (
      <Text color={tone('red')} wrap="wrap">
        config error: {status.error}
      </Text>
    );
  }
  switch (state.tab) {
    case 'switches':
      return (
        <LoadState value={state.plans[host]} what="plan">
          {(plan) => <SwitchesTab plan={plan} cursor={state.lists.switches} rows={listRows(state, 'switches')} width={width} focused={focused} />}
        </LoadState>
      );
    case 'excludes':
      return (
        <LoadState value={state.plans[host]} what="plan">
          {(plan) => <ExcludesTab plan={plan} cursor={state.lists.excludes} rows={listRows(state, 'excludes')} width={width} focused={focused} />}
        </LoadState>
      );
    case 'files':
      return (
        <LoadState value={state.plans[host]} what="plan">
          {(plan) => <FilesTab plan={plan} changes={state.checks[host]?.diff?.files} cursor={state.lists.files} rows={listRows(state, 'files')} footer={filesFooterRows(paneLayout(state).detailRows)} width={width} focused={focused} />}
        </LoadState>
      );
    case 'diff': {
      const entries = diffEntries(state);
      const excluded = shownExcluded(state);
      const layout = paneLayout(state, entries.length + excluded.length);
      const hosts = diffHostsOf(state);
      return (
        <DiffView
          entries={entries}
          excluded={excluded}
          heading={hosts.length > 1 ? `${hosts.length} hosts: ${nameList(hosts)}` : `diff of ${host}`}
          sides={{ left: 'live', right: 'repo' }}
          wrap={state.diffWrap === true}
          cursor={state.diffCursor}
          layout={state.layout}
          width={width}
          fileRows={layout.diffFileRows}
          bodyRows={diffViewRows(state)}
          focused={focused}
          empty={diffEmptyText(state)}
          wideHint={state.layout === 'side-by-side' && layout.showHosts}
        />
      );
    }
    case 'history': {
      const preview = state.preview;
      if (preview) {
        const entries = previewEntries(state);
        const excluded = shownExcluded(state);
        const layout = paneLayout(state, entries.length + excluded.length);
        const rebuild = missingText(state.checks[host]) ? ` \u00b7 ${keysOf('rebuild')} rebuilds` : '';
        const title = `Rollback preview: ${host} \u2192 ${shortId(preview.snapshot.id)} (${shortTime(preview.snapshot.time)}, ${preview.snapshot.reason}) \u00b7 ${keysOf('rollback')} rolls back${rebuild} \u00b7 ${keysOf('back')} closes`;
        return (
          <Box flexDirection="column">
            <Text wrap="truncate" bold color={tone('magenta')}>
              {fit(title, width)}
            </Text>
            {preview.diff.state === 'ok' ? (
              <DiffView
                entries={entries}
                excluded={excluded}
                heading={`left: ${host} now \u00b7 right: the snapshot`}
                sides={{ left: 'now', right: `snapshot ${shortId(preview.snapshot.id)}` }}
                wrap={state.diffWrap === true}
                cursor={preview.cursor}
                layout={state.layout}
                width={width}
                fileRows={layout.diffFileRows}
                bodyRows={diffViewRows(state)}
                focused={focused}
                wideHint={state.layout === 'side-by-side' && layout.showHosts}
                empty={`the live files of ${host} already match this snapshot: a rollback writes nothing`}
              />
            ) : preview.diff.state === 'loading' ? (
              <Text dimColor>computing the rollback diff{'\u2026'}</Text>
            ) : (
              <Text color={tone('red')}>preview failed: {preview.diff.error}</Text>
            )}
          </Box>
        );
      }
      return (
        <LoadState value={state.histories[host]} what="history">
          {(snapshots) => <HistoryTab snapshots={snapshots} cursor={state.lists.history} rows={listRows(state, 'history')} width={width} focused={focused} now={props.now} missing={missingText(state.checks[host])} />}
        </LoadState>
      );
    }
  }
}

function diffEmptyText(state: AppState): string {
  const hosts = diffHostsOf(state);
  const parts = hosts.map((host) => {
    const status = state.status[host];
    const check = state.checks[host];
    if (check?.diff) return `${host}: in sync, nothing to deploy`;
    if (!status || status.kind === 'unknown' || status.kind === 'checking') return `${host}: checking\u2026`;
    return `${host}: ${statusLine(status, host)}`;
  });
  return parts.join(' \u00b7 ') || 'no host selected';
}
