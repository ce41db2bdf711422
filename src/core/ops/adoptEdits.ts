/** The repository edits `konf adopt` prepares: live content and metadata taken in, edits gathered per file, shown as diffs. */
import { ConfigError } from '../errors.js';
import { isBinaryContent, sha256, unifiedDiff } from '../diff/compare.js';
import { readRepoContent, contentText, sameContent, type RepoContent, type RepoEdit } from '../fleet/repoEdit.js';
import type { Permission } from '../fleet/types.js';
import type { LiveEntry } from '../remote/types.js';
import type { RepoEditView } from './adoptPreview.js';

export function liveContent(e: LiveEntry): RepoContent {
  if (e.state === 'file') {
    // A file over the large-file size is read by hash only: its bytes are not held to adopt.
    if (e.content === undefined) throw new ConfigError(`${e.path} is larger than konf reads into memory (${e.size} bytes): copy it into the fleet repository by hand`);
    return { kind: 'file', content: e.content };
  }
  if (e.state === 'symlink') return { kind: 'symlink', target: e.target };
  return { kind: 'absent' };
}

/** What a live entry is, for messages. */
export function liveProblem(host: string, e: LiveEntry): string | undefined {
  switch (e.state) {
    case 'file':
    case 'symlink':
      return undefined;
    case 'missing':
      return `${e.path} does not exist on ${host}`;
    case 'dir':
      return `${e.path} is a folder on ${host}: only files and symlinks can be adopted`;
    case 'other':
      return `${e.path} is not a regular file or symlink on ${host}`;
    case 'unreadable':
      return `${e.path} cannot be read on ${host}: ${e.error}`;
  }
}

/** The metadata a permissions line must give `path` so that the plan keeps the live metadata; undefined when the rules agree already. */
export function permissionFor(live: LiveEntry, rule: Permission | undefined, capture: boolean): Permission | undefined {
  if (live.state !== 'file' && live.state !== 'symlink') return undefined;
  const liveMode = live.state === 'file' ? live.mode & 0o7777 : undefined;
  if (rule === undefined) {
    // A managed file without a rule keeps its live metadata on every host: nothing to say.
    // A captured file gets its line, so every host gets it with the same metadata.
    if (!capture || live.state === 'symlink') return undefined;
    return { mode: liveMode, owner: live.owner, group: live.group };
  }
  const differs = (rule.mode !== undefined && liveMode !== undefined && rule.mode !== liveMode) || (rule.owner !== undefined && rule.owner !== live.owner) || (rule.group !== undefined && rule.group !== live.group);
  if (!differs) return undefined;
  // The new line replaces the rule for this path whole: the fields it declared, with the live values.
  const p: Permission = {};
  if (rule.mode !== undefined && liveMode !== undefined) p.mode = liveMode;
  if (rule.owner !== undefined) p.owner = live.owner;
  if (rule.group !== undefined) p.group = live.group;
  return p;
}

/** Accumulates text edits of one repository file (several lines added to one exclude or permissions file). */
export class EditSet {
  private readonly files = new Map<string, { before: RepoContent; after: RepoContent; why: string[] }>();
  constructor(private readonly root: string) {}

  async current(file: string): Promise<RepoContent> {
    const known = this.files.get(file);
    if (known) return known.after;
    return readRepoContent(this.root, file);
  }

  async set(file: string, after: RepoContent, why: string): Promise<void> {
    const known = this.files.get(file);
    if (known) {
      known.after = after;
      known.why.push(why);
    } else this.files.set(file, { before: await readRepoContent(this.root, file), after, why: [why] });
  }

  async text(file: string): Promise<string> {
    const c = await this.current(file);
    if (c.kind === 'symlink') throw new ConfigError('is a symlink: konf does not edit it through the link', file);
    return c.kind === 'file' ? c.content.toString('utf8') : '';
  }

  edits(): RepoEdit[] {
    return [...this.files.entries()].filter(([, e]) => !sameContent(e.before, e.after)).map(([file, e]) => ({ file, before: e.before, after: e.after, why: e.why.join('; ') }));
  }
}

export function viewOf(e: RepoEdit, secrets: string[], reveal: boolean): RepoEditView {
  const created = e.before.kind === 'absent';
  const base = { file: e.file, why: e.why, created };
  const binary = (c: RepoContent) => c.kind === 'file' && isBinaryContent(c.content);
  if (binary(e.before) || binary(e.after)) {
    const size = (c: RepoContent) => (c.kind === 'file' ? `${c.content.length} bytes, sha256 ${sha256(c.content).slice(0, 12)}` : c.kind);
    return { ...base, note: `binary: ${size(e.before)} → ${size(e.after)}` };
  }
  const d = unifiedDiff(e.file, contentText(e.before), contentText(e.after), { secrets: reveal ? [] : secrets });
  return d.unified !== undefined ? { ...base, unified: d.unified } : { ...base, note: 'no change in content' };
}
