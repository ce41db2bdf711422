/**
 * Human output of `konf adopt`'s preview: what happens to each path, the repository edits
 * as diffs (nothing is written before they are shown), the host as the edited repository
 * plans it, and every other host the edit changes, with its diff.
 */
import type { AdoptItem, AdoptPreview } from '../core/ops/adoptPreview.js';
import { sideBySideRows } from '../core/diff/sideBySide.js';
import type { Palette } from './color.js';
import { driftNote, formatDiffs, renderSideBySide } from './diffPrinter.js';

function colorUnified(text: string, c: Palette): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l.startsWith('+++') || l.startsWith('---') ? c.bold(l) : l.startsWith('@@') ? c.cyan(l) : l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l))
    .join('\n');
}

function itemLine(host: string, item: AdoptItem, c: Palette): string {
  const drift = item.change ? driftNote(item.change, c) : '';
  switch (item.kind) {
    case 'adopt':
      return `${c.bold(item.path)}${drift}: ${host}'s version goes into ${item.planned?.source ?? 'etc/files'}, for every host`;
    case 'capture':
      return `${c.bold(item.path)}: not managed yet; ${host}'s file is captured into etc/files${item.path}`;
    case 'exclude':
      return `${c.bold(item.path)}${drift}: kept on ${host} only (added to its exclude file; deploys leave it alone there)`;
    case 'template':
      return `${c.bold(item.path)}${drift}: rendered from the template ${item.template?.source ?? '?'}, which cannot be written back from a live file`;
    case 'in-sync':
      return `${c.bold(item.path)}: ${host} already holds what the repository plans: nothing to adopt`;
  }
}

/** Live beside rendered, and where the rendered text comes from. */
export function formatTemplateItem(host: string, item: AdoptItem, width: number, c: Palette): string {
  let out = `  template ${item.template?.source ?? '?'} for ${host}`;
  const used = item.template?.switches ?? [];
  out += used.length ? `, reading: ${used.map((s) => `${s.name}=${JSON.stringify(s.value)} ${c.dim(`(${s.origin})`)}`).join(', ')}\n` : ', reading no switches\n';
  const change = item.change;
  if (!change || change.kind === 'unchanged') return `${out}  live and rendered are the same\n`;
  if (change.binary) return `${out}  binary: live ${change.binary.fromSize ?? 0} bytes, rendered ${change.binary.toSize ?? 0} bytes\n`;
  if (!change.unified) return `${out}  ${change.kind}${change.meta.length ? `: ${change.meta.map((m) => `${m.field} ${m.from} (live) vs ${m.to} (planned)`).join(', ')}` : ''}\n`;
  out += `  ${c.dim('live on the host (left) beside the rendered template (right):')}\n`;
  return `${out}${renderSideBySide(sideBySideRows(change), width, c)}\n`;
}

export function formatAdoptPreview(p: AdoptPreview, width: number, c: Palette): string {
  let out = c.bold(`konf adopt on ${p.host}:\n`);
  for (const item of p.items) out += `  ${itemLine(p.host, item, c)}\n`;
  for (const item of p.items.filter((i) => i.kind === 'template')) out += formatTemplateItem(p.host, item, width, c);
  if (p.edits.length === 0) return `${out}${c.dim('Nothing to write to the repository.')}\n`;

  out += c.bold(`\nRepository changes (${p.edits.length} file(s), not written yet):\n`);
  for (const v of p.views) {
    out += `${c.bold(`${v.created ? 'new file' : 'edit'} ${v.file}`)} ${c.dim(`(${v.why})`)}\n`;
    if (v.unified) out += `${colorUnified(v.unified, c)}\n`;
    if (v.note) out += `  ${v.note}\n`;
  }
  const after = p.hostAfter;
  if (after.pending === 0) {
    const excluded = after.files.filter((f) => f.kind === 'excluded').map((f) => f.path);
    out += c.green(`\n${p.host} after the edit: in sync${excluded.length ? ` (${excluded.join(', ')} excluded there)` : ''}\n`);
  } else {
    out += c.yellow(`\n${p.host} after the edit still differs from the repository:\n`) + formatDiffs([after], { stat: false, sideBySide: false, width }, c);
  }
  const changed = p.others.filter((o) => o.diff !== undefined && o.diff.pending > 0);
  const failed = p.others.filter((o) => o.error !== undefined);
  const quiet = p.others.filter((o) => o.diff !== undefined && o.diff.pending === 0);
  const excluded = quiet.filter((o) => o.diff!.files.every((f) => f.kind === 'excluded'));
  const inSync = quiet.filter((o) => !excluded.includes(o));
  if (changed.length > 0) {
    out += c.bold(c.yellow(`\nOther hosts this changes on their next deploy (${changed.length}):\n`));
    out += formatDiffs(
      changed.map((o) => o.diff!),
      { stat: false, sideBySide: false, width },
      c,
    );
  } else if (p.others.length + p.unaffected.length > 0 && failed.length === 0) {
    out += c.dim('\nNo other host changes on its next deploy.\n');
  }
  if (excluded.length > 0) out += c.dim(`Left out by an exclude line (never written there): ${excluded.map((o) => o.host).join(', ')}\n`);
  if (inSync.length > 0) out += c.dim(`Already holding it (nothing to write there): ${inSync.map((o) => o.host).join(', ')}\n`);
  if (p.unaffected.length > 0) out += c.dim(`Unaffected (their plan for these paths stays): ${p.unaffected.join(', ')}\n`);
  for (const o of failed) out += c.red(`${o.host}: could not tell what changes there: ${o.error ?? ''}\n`);
  return out;
}
