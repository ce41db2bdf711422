/**
 * Answering drift in the console (pure): `a` on a drifted or pending file of the Files or
 * Diff tab opens the choices — adopt it for every host, keep it on this host, revert the
 * host, or (a template) edit the template in $EDITOR — in the console's choice widget.
 * Each choice is previewed before it runs: adopt and keep compute konf adopt's preview
 * (the repository edits, every other host's diff) and show it in a confirmation; revert
 * is a deploy of that one file with the deploy's confirmation. `B` in the History tab
 * rebuilds the host from the selected snapshot (offered when its files are mostly
 * missing), after a confirmation listing what it writes.
 */
import type { FileChange } from '../../core/diff/types.js';
import { toggleColumn } from './columnChooser.js';
import type { PlannedFile } from '../../core/fleet/types.js';
import type { AdoptPreview, HostCheck, PreviewDiff } from '../../core/ops/session.js';
import type { SnapshotInfo } from '../../core/store/types.js';
import { nameList, plural } from '../format.js';
import { keysOf } from '../keymap.js';
import { fileLine, isHandEdit, shortId, whereNote, writtenFiles } from './confirm.js';
import { moveCursor, type Motion } from './cursor.js';
import { busyHosts, pushEffects } from './ops.js';
import { diffEntries, runningOps } from './select.js';
import type { AppState, ChoiceItem, ChoiceState, ConfirmDialog } from './types.js';
import { fileRows } from './rows.js';
import { appendLog } from './log.js';

/** The file under the cursor of the Files or Diff tab, with its change on that host. */
export function fileUnderCursor(state: AppState): { host: string; change: FileChange } | { notice: string } {
  if (state.tab === 'diff') {
    const entries = diffEntries(state);
    const entry = entries[Math.min(state.diffCursor.file, entries.length - 1)];
    if (!entry) return { notice: 'no file here' };
    return { host: entry.host, change: entry.change };
  }
  const host = state.selected;
  const plan = host ? state.plans[host] : undefined;
  if (!host || plan?.state !== 'ok') return { notice: 'the plan is still loading' };
  const row = fileRows(plan.value)[state.lists.files.index];
  if (row?.type !== 'file') return { notice: 'a template leaves this file out here: nothing to answer' };
  const diff = state.checks[host]?.diff;
  if (!diff) return { notice: `${host} is not checked yet` };
  const change = diff.files.find((f) => f.path === row.file.path);
  if (!change) return { notice: `${row.file.path}: its live state is not known` };
  return { host, change };
}

/** The plan's entry the change was made from (undefined for a snapshot's or a removal). */
function plannedOf(change: FileChange): PlannedFile | undefined {
  const desired = change.desired;
  return desired && desired.state !== 'absent' ? desired.planned : undefined;
}

function driftText(change: FileChange): string {
  switch (change.drift) {
    case 'drifted':
      return 'changed on the host since konf wrote it';
    case 'both':
      return 'changed on the host and in the repository';
    default:
      return 'the repository changed (or konf never wrote it)';
  }
}

function provenance(state: AppState, host: string, change: FileChange): string[] {
  const planned = plannedOf(change);
  if (!planned) return [];
  if (planned.kind === 'symlink') return [`from ${planned.source} (symlink \u2192 ${planned.target})`];
  if (!planned.template) return [`from ${planned.source}`];
  const plan = state.plans[host];
  const used = planned.switchesUsed.map((name) => {
    const sw = plan?.state === 'ok' ? plan.value.switches.find((s) => s.name === name) : undefined;
    return sw ? `${name}=${sw.secret ? '********' : JSON.stringify(sw.value)} (${sw.origin.file}:${sw.origin.line})` : name;
  });
  return [`rendered from the template ${planned.source}`, used.length > 0 ? `reading ${used.join(', ')}` : 'reading no switches', `the Diff tab shows the live file (-) beside the rendered one (+); ${keysOf('layout')}: side by side`];
}

/** The choices for one file: what can answer its drift here. */
export function driftChoices(state: AppState, host: string, change: FileChange): ChoiceState {
  const planned = plannedOf(change);
  const live = change.live;
  const livePresent = live?.state === 'file' || live?.state === 'symlink';
  const template = planned?.kind === 'file' && planned.template;
  const items: ChoiceItem[] = [];
  if (planned && template) {
    items.push({
      label: 'Edit the template in $EDITOR',
      detail: `a template cannot take the live file back: change ${planned.source} by hand; konf plans every host again when the editor closes`,
      action: { type: 'edit-template', host, path: change.path, source: planned.source },
    });
  } else if (planned && livePresent) {
    items.push({
      label: `Adopt it for every host (${host}'s version)`,
      detail: `${planned.source} takes ${host}'s live file (and its permissions line); every other host this changes is shown first`,
      action: { type: 'adopt', host, path: change.path, to: 'repo' },
    });
  }
  items.push({
    label: `Keep it on ${host} only`,
    detail: `adds ${change.path} to etc/serverconfig/exclude/${host}, with your name and the time`,
    action: { type: 'adopt', host, path: change.path, to: 'exclude' },
  });
  items.push({
    label: `Revert ${host}: deploy this file only`,
    detail: "writes the repository's version over the host's (locked, snapshotted first, hooks run)",
    action: { type: 'revert', host, path: change.path },
  });
  return {
    title: `${change.path} on ${host}: ${driftText(change)}`,
    lines: [...provenance(state, host, change), `${change.kind}${change.added || change.removed ? ` +${change.added} -${change.removed}` : ''}${change.meta.length ? ` (${change.meta.map((m) => `${m.field} ${m.from} \u2192 ${m.to}`).join(', ')})` : ''}`],
    items,
    index: 0,
  };
}

/** `a`: the choices for the file under the cursor (only a file with a pending change). */
export function openChoices(state: AppState): AppState {
  const at = fileUnderCursor(state);
  if ('notice' in at) return { ...state, notice: at.notice };
  const { host, change } = at;
  if (change.kind === 'excluded') return { ...state, notice: `${change.path} is excluded on ${host}: deploys leave it alone already` };
  if (change.kind === 'unchanged') return { ...state, notice: `${change.path} is in sync on ${host}: nothing to answer` };
  if (change.kind === 'unreadable') return { ...state, notice: `${change.path} cannot be read on ${host}: ${change.error ?? ''}` };
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  let next: AppState = { ...state, choice: driftChoices(state, host, change) };
  // The template's switch values show once the plan is in (it is loaded for the Files tab anyway).
  const planned = plannedOf(change);
  if (planned?.kind === 'file' && planned.template && !state.plans[host]) {
    next = pushEffects({ ...next, plans: { ...next.plans, [host]: { state: 'loading' } } }, [{ type: 'load-plan', host }]);
  }
  return next;
}

export function moveChoice(state: AppState, motion: Motion): AppState {
  const choice = state.choice;
  if (!choice) return state;
  const cursor = moveCursor({ index: choice.index, top: 0 }, motion, choice.items.length, choice.items.length);
  return { ...state, choice: { ...choice, index: cursor.index } };
}

/** Enter on a choice: its preview (adopt, keep, rebuild: computed; revert: the deploy's confirmation) or the editor. */
export function takeChoice(state: AppState): AppState {
  const choice = state.choice;
  const item = choice?.items[choice.index];
  if (!item) return { ...state, choice: undefined };
  const closed: AppState = { ...state, choice: undefined };
  const action = item.action;
  switch (action.type) {
    case 'adopt': {
      const key = `adopt:${state.outboxSeq}`;
      const what = action.to === 'repo' ? `adopting ${action.path} for every host` : `keeping ${action.path} on ${action.host}`;
      return pushEffects({ ...closed, waiting: { key, host: action.host, what }, notice: `previewing ${what}\u2026 (Esc drops it)` }, [{ type: 'load-adopt', key, host: action.host, path: action.path, to: action.to }]);
    }
    case 'revert':
      return revert(closed, action.host, action.path);
    case 'edit-template':
      if (runningOps(state).length > 0) return { ...closed, notice: 'an operation is running: edit the template once it has finished' };
      return pushEffects({ ...closed, notice: `editing ${action.source}\u2026` }, [{ type: 'edit', host: action.host, source: action.source }]);
    case 'column':
      return toggleColumn(state, action.key);
  }
}

/** Revert: a deploy of that one file, confirmed with exactly what it writes. */
function revert(state: AppState, host: string, path: string): AppState {
  const check = state.checks[host];
  const change = check?.diff?.files.find((f) => f.path === path);
  if (!check || !change) return { ...state, notice: `${host} is not checked yet` };
  const where = whereNote(state, host);
  const lines = [`${host}${where}: writes 1 file`, fileLine(change)];
  if (isHandEdit(change)) lines.push(' ', `\u26a0 Overwrites the hand edit made on ${host} since konf wrote ${path}`);
  lines.push(' ', 'The host is locked and snapshotted first, then its hooks run;', 'any failure restores the snapshot. Nothing else is written.');
  const writes = check.confirm?.writes?.filter((line) => line.split('\t')[0] === path);
  const confirmed = check.confirm ? { [host]: { ...(check.confirm.plan !== undefined ? { plan: check.confirm.plan } : {}), ...(writes ? { writes } : {}) } } : undefined;
  const dialog: ConfirmDialog = {
    title: `Deploy ${path} only to ${host} (revert it)?`,
    lines,
    action: { type: 'run', request: { kind: 'deploy', hosts: [host], only: [path], ...(confirmed ? { confirmed } : {}) } },
    yesLabel: 'revert',
    top: 0,
  };
  return { ...state, confirm: dialog };
}

// ---------------------------------------------------------------- adopt's preview

function unifiedLines(text: string | undefined, indent: string): string[] {
  if (!text) return [];
  return text
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ '))
    .map((l) => `${indent}${l}`);
}

export function adoptDialog(preview: AdoptPreview): ConfirmDialog {
  const host = preview.host;
  const item = preview.items[0];
  const path = item?.path ?? '';
  const repo = item?.to === 'repo';
  const lines: string[] = [`Repository changes (${plural(preview.edits.length, 'file')}, left in the working tree for you to commit):`];
  for (const v of preview.views) {
    lines.push(`  ${v.created ? 'new file' : 'edit'} ${v.file}  (${v.why})`);
    lines.push(...unifiedLines(v.unified, '    '));
    if (v.note) lines.push(`    ${v.note}`);
  }
  lines.push(' ');
  const after = preview.hostAfter;
  lines.push(after.pending === 0 ? `${host} after the edit: in sync` : `${host} after the edit still differs: ${after.files.filter((f) => f.kind !== 'unchanged' && f.kind !== 'excluded').map((f) => f.path).join(', ')}`);
  const changed = preview.others.filter((o) => o.diff && o.diff.pending > 0);
  if (repo) {
    if (changed.length === 0) lines.push('No other host changes on its next deploy.');
    else {
      lines.push(`\u26a0 Other hosts this changes on their next deploy (${changed.length}): ${nameList(changed.map((o) => o.host), 6)}`);
      const shown = new Map<string, string>();
      for (const other of changed) {
        for (const f of other.diff!.files.filter((x) => x.kind !== 'unchanged' && x.kind !== 'excluded')) {
          lines.push(`  ${other.host}: ${fileLine(f).trim()}`);
          const key = `${f.path}\0${f.unified ?? f.kind}`;
          const same = shown.get(key);
          if (same) lines.push(`    (the same change as on ${same})`);
          else {
            shown.set(key, other.host);
            lines.push(...unifiedLines(f.unified, '    '));
          }
        }
      }
    }
    const quiet = preview.others.filter((o) => o.diff && o.diff.pending === 0).map((o) => o.host);
    if (quiet.length + preview.unaffected.length > 0) lines.push(`Unchanged on their next deploy: ${nameList([...quiet, ...preview.unaffected], 6)}`);
    for (const o of preview.others.filter((x) => x.error)) lines.push(`${o.host}: could not tell what changes there: ${o.error ?? ''}`);
  } else {
    lines.push('No other host is affected: the exclude concerns this host only.');
  }
  return {
    title: repo ? `Adopt ${path} from ${host} into the repository, for every host?` : `Keep ${path} on ${host} only (exclude it there)?`,
    lines,
    action: { type: 'run', request: { kind: 'adopt', host, preview } },
    yesLabel: 'write to the repository',
    top: 0,
  };
}

export function onAdoptPreview(state: AppState, key: string, preview: AdoptPreview): AppState {
  if (state.waiting?.key !== key) return state;
  const next: AppState = { ...state, waiting: undefined, notice: undefined };
  if (preview.edits.length === 0) return { ...next, notice: `nothing to write: ${preview.items.map((i) => i.path).join(', ')} on ${preview.host} already matches the repository` };
  if (next.confirm || next.quitting) return next;
  return { ...next, confirm: adoptDialog(preview) };
}

export function onWaitingError(state: AppState, key: string, error: string, time: string): AppState {
  if (state.waiting?.key !== key) return state;
  const what = state.waiting.what;
  return {
    ...state,
    waiting: undefined,
    notice: `${what}: ${error}`,
    log: appendLog(state.log, [{ time, level: 'error', host: state.waiting.host, source: 'console', text: `${what}: ${error}` }]),
  };
}

export function onEditDone(state: AppState, host: string, source: string, error: string | undefined, time: string): AppState {
  const text = error ? `editing ${source} failed: ${error}` : `edited ${source}: planning again`;
  const next: AppState = { ...state, notice: error ? text : undefined, log: appendLog(state.log, [{ time, level: error ? 'error' : 'info', host, source: 'console', text }]) };
  // The repository is read again (the watcher would too): the host and every host the edit concerns are re-checked at once.
  return error ? next : pushEffects(next, [{ type: 'reload', hosts: [host], andAffected: true }]);
}

// ---------------------------------------------------------------- rebuild

/** Most of the host's planned files are missing (a fresh or wiped machine): History offers a rebuild. */
export function mostlyMissing(check: HostCheck | undefined): boolean {
  const files = check?.diff?.files.filter((f) => f.kind !== 'excluded') ?? [];
  if (files.length === 0) return false;
  const missing = files.filter((f) => f.kind === 'new').length;
  return missing * 2 >= files.length;
}

/** "5 of 6 files missing" when most of the host's planned files are missing (History then offers a rebuild), else undefined. */
export function missingText(check: HostCheck | undefined): string | undefined {
  if (!mostlyMissing(check)) return undefined;
  const files = check!.diff!.files.filter((f) => f.kind !== 'excluded');
  return `${files.filter((f) => f.kind === 'new').length} of ${plural(files.length, 'file')} missing`;
}

/** `B` in History: the rebuild's preview (live vs the selected snapshot and the plan), then its confirmation. */
export function askRebuild(state: AppState): AppState {
  const host = state.selected;
  if (!host) return state;
  if (busyHosts(state).has(host)) return { ...state, notice: `busy: ${host}` };
  const history = state.histories[host];
  const snapshot = state.preview?.host === host ? state.preview.snapshot : history?.state === 'ok' ? history.value[state.lists.history.index] : undefined;
  if (!snapshot) return { ...state, notice: 'no snapshot selected' };
  const key = `rebuild:${state.outboxSeq}`;
  const what = `rebuilding ${host} from ${shortId(snapshot.id)}`;
  return pushEffects({ ...state, waiting: { key, host, what }, notice: `previewing ${what}\u2026 (Esc drops it)` }, [{ type: 'load-rebuild', key, host, snapshot: snapshot.id }]);
}

export function rebuildDialog(state: AppState, host: string, snapshot: SnapshotInfo | undefined, id: string, diff: PreviewDiff): ConfirmDialog {
  const files = writtenFiles(diff.files);
  const lines = [
    snapshot
      ? `Snapshot ${shortId(snapshot.id)} of ${host}: ${snapshot.time.replace('T', ' ').slice(0, 16)}, ${snapshot.reason}, by ${snapshot.operator}; every file it recorded, then the plan on top.`
      : `Snapshot ${shortId(id)} of ${host}: every file it recorded, then the plan on top.`,
    `Writes ${plural(files.length, 'file')} on ${host}${whereNote(state, host)}:`,
    ...files.map(fileLine),
  ];
  const edits = files.filter(isHandEdit);
  if (edits.length > 0) lines.push(`\u26a0 Overwrites ${plural(edits.length, 'hand edit')}: ${nameList(edits.map((f) => f.path), 4)}`);
  lines.push(' ', 'Nothing is removed. A pre-rebuild snapshot is taken first (so it can be undone);', 'the pre-rollback and post-rollback hooks run; any failure restores the host.');
  return {
    title: `Rebuild ${host} from snapshot ${shortId(id)} (${plural(files.length, 'file')})?`,
    lines,
    action: { type: 'run', request: { kind: 'rebuild', host, snapshot: id, ...(diff.confirm ? { confirmed: diff.confirm } : {}) } },
    yesLabel: 'rebuild',
    top: 0,
  };
}

export function onRebuildPreview(state: AppState, key: string, host: string, id: string, diff: PreviewDiff): AppState {
  if (state.waiting?.key !== key) return state;
  const next: AppState = { ...state, waiting: undefined, notice: undefined };
  if (writtenFiles(diff.files).length === 0) return { ...next, notice: `nothing to rebuild: ${host} already holds snapshot ${shortId(id)} and its plan` };
  if (next.confirm || next.quitting) return next;
  const history = state.histories[host];
  const snapshot = history?.state === 'ok' ? history.value.find((s) => s.id === id) : undefined;
  return { ...next, confirm: rebuildDialog(state, host, snapshot, id, diff) };
}
