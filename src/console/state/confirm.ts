/** Confirmation dialogs: each states exactly what will be written where (pure). */
import type { FileChange } from '../../core/diff/types.js';
import type { Confirmed, HostStatus } from '../../core/ops/session.js';
import { parseWaves, planWaves } from '../../core/ops/waveSizes.js';
import { changeMark, formatMeta, nameList, plural, shortTime, withoutHost } from '../format.js';
import { reviewFiles, runningOps } from './select.js';
import type { AppState, ConfirmDialog, DialogChoice, PreviewState } from './types.js';

/** Files a deploy or rollback writes: pending changes (not excluded, unreadable or unchanged). */
export function writtenFiles(files: readonly FileChange[]): FileChange[] {
  return reviewFiles(files).filter((f) => f.kind !== 'excluded' && f.kind !== 'unreadable');
}

export function fileLine(change: FileChange): string {
  const parts: string[] = [];
  if (change.kind === 'modified' || ((change.kind === 'new' || change.kind === 'removed') && change.unified)) parts.push(`+${change.added} -${change.removed}`);
  if (change.kind === 'binary' && change.binary) parts.push(`binary, ${change.binary.toSize} bytes`);
  if (change.kind === 'removed') parts.push('removed');
  if (change.kind === 'link-changed' && change.desired?.state === 'symlink') parts.push(`symlink \u2192 ${change.desired.target}`);
  for (const meta of change.meta) parts.push(formatMeta(meta));
  const edit = isHandEdit(change) ? '  \u26a0 overwrites a hand edit' : '';
  return `    ${changeMark(change.kind)} ${change.path}${parts.length > 0 ? `  (${parts.join('; ')})` : ''}${edit}`;
}

/** Changed on the host since konf wrote it (drifted, or drifted and pending). */
export function isHandEdit(change: FileChange): boolean {
  return change.drift === 'drifted' || change.drift === 'both';
}

/** Where a host's files go: " (root /srv/chroot, via sudo)", or "" for / as the login user. */
export function whereNote(state: AppState, host: string): string {
  const summary = state.hosts.find((h) => h.name === host);
  const plan = state.plans[host];
  const settings = plan?.state === 'ok' ? plan.value.settings : undefined;
  const root = summary?.root ?? settings?.root ?? '/';
  const become = summary?.become ?? settings?.become ?? '';
  const notes: string[] = [];
  if (root !== '/') notes.push(`root ${root}`);
  if (become === 'sudo') notes.push('via sudo');
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

/** Why a host has no computed changes yet, and what the deploy will do about it (the error on a line of its own). */
function uncheckedLines(state: AppState, host: string): { lines: string[] } {
  const status = state.status[host];
  const where = whereNote(state, host);
  switch (status?.kind) {
    case 'unreachable':
      return { lines: [`${host}${where}: unreachable \u2014 the deploy will fail there`, `    ${withoutHost(status.error, host)}`] };
    case 'locked':
      return { lines: [`${host}${where}: locked by ${status.by} since ${shortTime(status.since)} \u2014 the deploy will fail there while the lock is held (U breaks it)`] };
    default:
      return { lines: [`${host}${where}: its changes are unknown`] };
  }
}

/**
 * Why a deploy cannot show what it would write on a host (its check failed, or has not
 * run): such a host is left out of the deploy rather than deployed blind. Unreachable and
 * locked hosts stay in (the dialog says the deploy will fail there).
 */
export function unknownChanges(state: AppState, host: string): string | undefined {
  if (state.checks[host]?.diff) return undefined;
  const status = state.status[host];
  if (status?.kind === 'unreachable' || status?.kind === 'locked') return undefined;
  if (status?.kind === 'failed' || status?.kind === 'restored') return `the check failed: ${withoutHost(status.error, host)}`;
  return 'not checked';
}

/** D's confirmation (hosts whose changes are unknown left out and named), or a notice when no host remains. */
export function openDeployDialog(state: AppState, hosts: string[], skipped: string[]): AppState {
  const unknown = hosts.map((h) => [h, unknownChanges(state, h)] as const).filter((e): e is readonly [string, string] => e[1] !== undefined);
  const deployed = hosts.filter((h) => !unknown.some(([u]) => u === h));
  if (deployed.length === 0) {
    const [first] = unknown;
    return { ...state, notice: first ? `cannot deploy ${nameList(unknown.map(([h]) => h), 3)}: ${unknown.length === 1 ? first[1] : 'their checks failed'}` : 'no host to deploy' };
  }
  const dialog = deployDialog(state, deployed, skipped);
  if (unknown.length === 0) return { ...state, confirm: dialog };
  const left = unknown.map(([h, why]) => `left out: ${h} \u2014 ${why} (its changes cannot be shown)`);
  return { ...state, confirm: { ...dialog, lines: [...left, ...dialog.lines] } };
}

export function deployDialog(state: AppState, hosts: string[], skipped: string[]): ConfirmDialog {
  const lines: string[] = [];
  let fileCount = 0;
  const edits: string[] = [];
  const confirmed: Record<string, Confirmed> = {};
  for (const host of hosts) {
    const check = state.checks[host];
    const diff = check?.diff;
    const status = state.status[host];
    // A stale lock (its konf is gone from this jump host) is taken over by the deploy.
    const takenOver = status?.kind === 'locked' && status.stale === true;
    if (!diff || (status?.kind === 'locked' && !takenOver) || status?.kind === 'unreachable') {
      lines.push(...uncheckedLines(state, host).lines);
      continue;
    }
    if (check.confirm) confirmed[host] = check.confirm;
    const where = whereNote(state, host);
    if (takenOver && status?.kind === 'locked') {
      lines.push(`${host}${where}: stale lock of ${status.by} (that konf is gone): the deploy takes it over${status.journal ? ' and first puts back what it left half written' : ''}`);
    }
    const files = writtenFiles(diff.files);
    fileCount += files.length;
    if (files.length === 0) {
      lines.push(`${host}${where}: in sync, nothing to write`);
      continue;
    }
    lines.push(`${host}${where}: writes ${plural(files.length, 'file')}`);
    for (const file of files) {
      lines.push(fileLine(file));
      if (isHandEdit(file)) edits.push(`${host}:${file.path}`);
    }
  }
  if (skipped.length > 0) lines.push(`skipped (config error): ${nameList(skipped)}`);
  if (edits.length > 0) {
    lines.push(' ');
    lines.push(`\u26a0 Overwrites ${plural(edits.length, 'hand edit')} made on the host since konf wrote ${edits.length === 1 ? 'it' : 'them'}: ${nameList(edits, 4)}`);
  }
  lines.push(' ');
  lines.push('Each host is locked and snapshotted first, then its hooks run;');
  lines.push('any failure restores the snapshot.');
  const choices = rolloutChoices(state, hosts);
  if (choices.length > 1) lines.push('In waves, each wave waits for the one before; a failure stops the rollout.');
  const files = plural(fileCount, 'file');
  return {
    title: `Deploy ${files} to ${plural(hosts.length, 'host')}: ${nameList(hosts, 3)}?`,
    lines,
    ...(choices.length > 1 ? { choices, choice: 0 } : {}),
    action: { type: 'run', request: { kind: 'deploy', hosts, ...(Object.keys(confirmed).length > 0 ? { confirmed } : {}) } },
    yesLabel: 'deploy',
    top: 0,
  };
}

/** Wave sizes the deploy dialog offers (like `konf deploy --waves`), besides every host at once. */
export const WAVE_CHOICES = ['1,100%', '1,10%,100%', '1,25%,50%,100%', '1'] as const;

/**
 * How a deploy of several hosts may roll out: every host at once, or in waves (hosts in
 * inventory order, as the deploy runs them). Choices that split the hosts alike are shown once.
 */
export function rolloutChoices(state: AppState, hosts: readonly string[]): DialogChoice[] {
  if (hosts.length < 2) return [];
  const wanted = new Set(hosts);
  const ordered = state.hosts.map((h) => h.name).filter((h) => wanted.has(h));
  const choices: DialogChoice[] = [{ label: `all ${hosts.length} hosts at once` }];
  const seen = new Set<string>();
  for (const waves of WAVE_CHOICES) {
    const sizes = planWaves(ordered, parseWaves(waves)).map((w) => w.length);
    const shape = sizes.join('+');
    if (seen.has(shape) || sizes.length < 2) continue;
    seen.add(shape);
    const label = waves === '1' ? `one host at a time (waves ${waves})` : `waves ${waves}: ${sizes.length <= 4 ? sizes.join(' + ') : `${sizes.slice(0, 3).join(' + ')} + \u2026 (${sizes.length} waves)`}`;
    choices.push({ label, waves });
  }
  return choices;
}

export function snapshotDialog(hosts: string[], skipped: string[]): ConfirmDialog {
  const lines = [
    `Reads the managed files (contents, mode, owner, group) of: ${nameList(hosts, 8)}`,
    'and records them in the snapshot store, one snapshot per host.',
    'Nothing is written on the hosts.',
  ];
  if (skipped.length > 0) lines.push(`skipped (config error): ${nameList(skipped)}`);
  return {
    title: `Snapshot ${plural(hosts.length, 'host')}: ${nameList(hosts, 3)}?`,
    lines,
    action: { type: 'run', request: { kind: 'snapshot', hosts } },
    yesLabel: 'snapshot',
    top: 0,
  };
}

export function shortId(id: string): string {
  return id.slice(0, 7);
}

export function rollbackDialog(state: AppState, preview: PreviewState): ConfirmDialog {
  const { host, snapshot } = preview;
  const files = preview.diff.state === 'ok' ? writtenFiles(preview.diff.value.files) : [];
  const lines = [
    ...(preview.undoes ? [`u undoes ${preview.undoes}, back to the snapshot before it:`] : []),
    `Snapshot ${shortId(snapshot.id)} of ${host}: ${shortTime(snapshot.time)}, ${snapshot.reason}, by ${snapshot.operator}; it records ${plural(snapshot.files, 'file')}.`,
  ];
  if (files.length === 0) lines.push(`The live files of ${host}${whereNote(state, host)} already match it: nothing to write.`);
  else {
    lines.push(`Writes ${plural(files.length, 'file')} on ${host}${whereNote(state, host)}:`);
    for (const file of files) lines.push(fileLine(file));
    const edits = files.filter(isHandEdit);
    if (edits.length > 0) lines.push(`\u26a0 Overwrites ${plural(edits.length, 'hand edit')} made on ${host} since konf wrote ${edits.length === 1 ? 'it' : 'them'}: ${nameList(edits.map((f) => f.path), 4)}`);
  }
  lines.push(' ');
  lines.push('A pre-rollback snapshot is taken first, so this can be undone.');
  return {
    title: `Roll back ${host} to snapshot ${shortId(snapshot.id)} (${plural(files.length, 'file')})?`,
    lines,
    action: {
      type: 'run',
      request: { kind: 'rollback', host, snapshot: snapshot.id, ...(preview.diff.state === 'ok' && preview.diff.value.confirm ? { confirmed: preview.diff.value.confirm } : {}) },
    },
    yesLabel: 'roll back',
    top: 0,
  };
}

/** Breaking a host's lock: names the holder, says what konf then does on the host. */
export function breakLockDialog(state: AppState, host: string, status: Extract<HostStatus, { kind: 'locked' }>): ConfirmDialog {
  const holder = status.holder;
  const who = holder ? `${holder.operator}@${holder.jumpHost} (pid ${holder.pid}, ${holder.operation})` : status.by;
  const lines = [`Held by ${who} since ${shortTime(status.since)}.`];
  if (status.stale) lines.push('That konf process no longer runs on this jump host (the next deploy would take the lock over too).');
  else lines.push('Break it only if that konf is gone: it would otherwise go on writing.');
  if (status.journal) lines.push(`${host} has the journal of an unfinished operation: konf puts those files back first and runs the post-rollback hooks.`);
  lines.push(' ');
  lines.push(`konf takes the lock of ${host}${whereNote(state, host)} over, then releases it.`);
  lines.push('Whose lock was broken is recorded in the audit log.');
  return {
    title: `Break the lock of ${host} held by ${status.by}?`,
    lines,
    action: { type: 'run', request: { kind: 'break-lock', host, ...(holder ? { opId: holder.opId } : {}) } },
    yesLabel: 'break the lock',
    top: 0,
  };
}

export function quitDialog(state: AppState): ConfirmDialog {
  const running = runningOps(state);
  const lines = running.map((op) => `${op.kind} on ${nameList(op.hosts)}`);
  lines.push(' ');
  lines.push('Quitting asks it to stop; hosts it has not reached yet are skipped.');
  return {
    title: `${plural(running.length, 'operation')} running. Quit anyway?`,
    lines,
    action: { type: 'quit' },
    yesLabel: 'quit',
    top: 0,
  };
}
