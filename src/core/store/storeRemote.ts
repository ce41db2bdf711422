/**
 * The snapshot store's shared git remote (`store_remote` in etc/konf.conf, or
 * KONF_STORE_REMOTE): several jump hosts share their snapshots and audit logs through it.
 *
 * Refs, the same names locally and on the remote:
 *
 *     refs/konf/hosts/<host>       the host's snapshots (one linear chain, or merges, below)
 *     refs/konf/audit/<jump id>    one jump host's audit records, one commit each
 *
 * and locally `refs/konf/remote/hosts/<host>`, `refs/konf/remote/audit/<id>`: what the
 * remote held when this store last fetched or pushed (so "not pushed yet" is a local ref
 * that differs from its remote one, and survives offline runs and crashes).
 *
 * fetch(): one `git fetch` of every host ref (and the audit refs when asked) into the
 * remote refs, bounded by a timeout; each host whose remote ref moved is checked (its tip
 * must be a konf commit of that host) and taken: the local ref is created or moved forward
 * to it; when both sides gained snapshots (a jump host worked offline while another pushed)
 * a merge commit joins the two chains, keeping every snapshot and its id.
 *
 * push(): one `git push` of every local ref that differs from its remote ref — this run's
 * snapshots and any an earlier run could not push. Never forced: a ref another jump host
 * moved meanwhile is rejected, fetched, checked, joined and pushed again (at most 3 times).
 * The host lock already serialises writers of one host, so that only happens after offline
 * work. An unreachable remote is a warning; the refs stay queued for the next push.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { catFileBatch, gitText, runGit, type GitRun } from './git.js';
import { encodeCommit, ObjectWriter } from './gitObjects.js';
import { parseMessage, trailer } from './message.js';

export const HOSTS_PREFIX = 'refs/konf/hosts/';
export const AUDIT_PREFIX = 'refs/konf/audit/';
const REMOTE_HOSTS = 'refs/konf/remote/hosts/';
const REMOTE_AUDIT = 'refs/konf/remote/audit/';
const ZERO = '0'.repeat(40);
const PUSH_ATTEMPTS = 3;

export interface RemoteSettings {
  url: string;
  /** Bound for each fetch or push. */
  timeoutMs: number;
  /** Where the remote was set (`etc/konf.conf:3`, `KONF_STORE_REMOTE`), for messages. */
  origin: string;
}

export interface FetchResult {
  ok: boolean;
  /** Hosts whose snapshots from other jump hosts were taken into the local store. */
  updated: string[];
  /** Hosts whose two chains were joined by a merge commit. */
  merged: string[];
  /** Why the remote could not be read, or what was not taken. */
  warnings: string[];
}

export interface PushResult {
  ok: boolean;
  /** Refs now on the remote. */
  pushed: string[];
  /** Refs still to push (the next push tries again). */
  queued: string[];
  warnings: string[];
}

/** An audit record as the store keeps it: one JSON line, its operation id and start time. */
export interface AuditLine {
  op: string;
  start: string;
  json: string;
}

/** A name for this state folder's audit ref: the jump host's name plus a random id, made once. */
export async function jumpHostId(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'jump-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (/^[A-Za-z0-9._-]{1,80}$/.test(id) && !id.includes('..') && !id.endsWith('.lock')) return id;
  } catch {
    // made below
  }
  const host = os.hostname().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'jump';
  const id = `${host}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch {
    return (await readFile(file, 'utf8')).trim(); // another konf made it first
  }
}

export class StoreRemote {
  private readonly writer: ObjectWriter;

  constructor(
    readonly gitDir: string,
    readonly settings: RemoteSettings,
    /** This state folder's audit ref name (see jumpHostId). */
    readonly jumpId: string,
  ) {
    this.writer = new ObjectWriter(gitDir);
  }

  /** `the shared snapshot store /srv/konf.git (etc/konf.conf:1)` */
  describe(): string {
    return `the shared snapshot store ${this.settings.url} (${this.settings.origin})`;
  }

  /** Fetches the hosts' refs (and every jump host's audit ref with `audit`) and takes what other jump hosts added. */
  async fetch(options: { audit?: boolean; signal?: AbortSignal } = {}): Promise<FetchResult> {
    const result: FetchResult = { ok: false, updated: [], merged: [], warnings: [] };
    const before = await this.refs();
    const specs = [`+${HOSTS_PREFIX}*:${REMOTE_HOSTS}*`, ...(options.audit ? [`+${AUDIT_PREFIX}*:${REMOTE_AUDIT}*`] : [])];
    const run = await this.network(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--', this.settings.url, ...specs], options.signal);
    if (run.code !== 0) {
      result.warnings.push(`could not fetch from ${this.describe()}: ${why(run, this.settings.timeoutMs)}`);
      return result;
    }
    result.ok = true;
    const after = await this.refs();
    const moved: { host: string; local?: string; remote: string; previous?: string }[] = [];
    for (const [name, remote] of after) {
      if (!name.startsWith(REMOTE_HOSTS)) continue;
      const host = name.slice(REMOTE_HOSTS.length);
      const local = after.get(HOSTS_PREFIX + host);
      if (local === remote) continue;
      moved.push({ host, remote, ...(local ? { local } : {}), ...(before.has(name) ? { previous: before.get(name) } : {}) });
    }
    if (moved.length === 0) return result;
    const tips = await catFileBatch(this.gitDir, moved.map((m) => m.remote));
    const updates: { ref: string; to: string; from: string }[] = [];
    for (const [i, m] of moved.entries()) {
      const tip = tips[i];
      if (tip?.found !== true || tip.type !== 'commit' || commitHost(tip.content) !== m.host) {
        result.warnings.push(`${this.describe()}: ${HOSTS_PREFIX}${m.host} there is not a konf snapshot history of ${m.host}; not taken`);
        continue;
      }
      if (m.local === undefined) {
        updates.push({ ref: HOSTS_PREFIX + m.host, to: m.remote, from: ZERO });
        result.updated.push(m.host);
      } else if (m.local === m.previous || (await this.isAncestor(m.local, m.remote))) {
        updates.push({ ref: HOSTS_PREFIX + m.host, to: m.remote, from: m.local });
        result.updated.push(m.host);
      } else if (!(await this.isAncestor(m.remote, m.local))) {
        // Both sides gained snapshots: join the chains, keeping every snapshot.
        updates.push({ ref: HOSTS_PREFIX + m.host, to: await this.mergeCommit(m.host, m.local, m.remote), from: m.local });
        result.merged.push(m.host);
      }
      // else: the local ref is ahead (snapshots not pushed yet): push() sends them.
    }
    await this.updateRefs(updates);
    return result;
  }

  /**
   * Pushes every local ref the remote does not have yet (never forced); `audit`: records
   * these audit lines first (see recordAudit), so they go with it.
   */
  async push(options: { signal?: AbortSignal; audit?: AuditLine[] } = {}): Promise<PushResult> {
    const result: PushResult = { ok: true, pushed: [], queued: [], warnings: [] };
    let known: Map<string, string> | undefined = await this.refs();
    if (options.audit?.length) {
      const recorded = await this.recordAuditOn(known, options.audit);
      if (recorded !== undefined) known.set(AUDIT_PREFIX + this.jumpId, recorded.tip);
    }
    for (let attempt = 1; ; attempt++) {
      const refs = known ?? (await this.refs());
      known = undefined;
      const pending = [...refs].filter(([name, oid]) => this.isShared(name) && refs.get(remoteName(name)) !== oid).map(([name]) => name);
      if (pending.length === 0) return result;
      const run = await this.network(['push', '--porcelain', '--', this.settings.url, ...pending.map((r) => `${r}:${r}`)], options.signal);
      const statuses = parsePorcelain(run.stdout.toString('utf8'));
      if (statuses.size === 0) {
        result.ok = false;
        result.queued = pending;
        result.warnings.push(`could not push ${pending.length} ref(s) to ${this.describe()}: ${why(run, this.settings.timeoutMs)}; they stay queued and the next konf run pushes them`);
        return result;
      }
      const done: { ref: string; to: string; from: string }[] = [];
      const rejected: string[] = [];
      for (const ref of pending) {
        const flag = statuses.get(ref);
        if (flag === ' ' || flag === '*' || flag === '=' || flag === '+') {
          done.push({ ref: remoteName(ref), to: refs.get(ref) as string, from: refs.get(remoteName(ref)) ?? ZERO });
          result.pushed.push(ref);
        } else rejected.push(ref);
      }
      await this.updateRefs(done, true);
      if (rejected.length === 0) return result;
      if (attempt >= PUSH_ATTEMPTS) {
        result.ok = false;
        result.queued = rejected;
        result.warnings.push(`${this.describe()} refused ${rejected.join(', ')} after ${attempt} attempts (${rejectionText(run.stdout.toString('utf8'), rejected[0] as string)}); they stay queued`);
        return result;
      }
      // Another jump host moved these refs: take what it added (joining the chains), then push again.
      const fetched = await this.fetch({ audit: rejected.some((r) => r.startsWith(AUDIT_PREFIX)), ...(options.signal ? { signal: options.signal } : {}) });
      result.warnings.push(...fetched.warnings);
      if (!fetched.ok) {
        result.ok = false;
        result.queued = rejected;
        result.warnings.push(`${this.describe()} refused ${rejected.join(', ')} (another jump host moved them) and they could not be fetched to join; they stay queued`);
        return result;
      }
    }
  }

  /**
   * Adds this jump host's audit records that its audit ref does not hold yet (one commit
   * each, oldest first) to `refs/konf/audit/<jump id>`; push() then shares them.
   */
  async recordAudit(lines: AuditLine[]): Promise<number> {
    return (await this.recordAuditOn(await this.refs(), lines))?.added ?? 0;
  }

  /** recordAudit on a known set of refs: the audit ref's new tip and how many lines it gained (undefined: none). */
  private async recordAuditOn(refs: Map<string, string>, lines: AuditLine[]): Promise<{ tip: string; added: number } | undefined> {
    if (lines.length === 0) return undefined;
    const ref = AUDIT_PREFIX + this.jumpId;
    const tip = refs.get(ref);
    let fresh = lines;
    if (tip !== undefined) {
      const [commit] = await catFileBatch(this.gitDir, [tip]);
      const lastOp = commit?.found === true ? auditOpOf(commit.content) : undefined;
      const at = lastOp === undefined ? -1 : lines.findIndex((l) => l.op === lastOp);
      if (at >= 0) fresh = lines.slice(at + 1);
      else {
        const known = new Set((await gitText(this.gitDir, ['log', '--format=%s', ref, '--'])).split('\n').map((s) => s.replace(/^audit /, '')));
        fresh = lines.filter((l) => !known.has(l.op));
      }
    }
    if (fresh.length === 0) return undefined;
    const tree = await this.writer.writeTree([]);
    let parent = tip;
    for (const line of fresh) {
      const time = Math.floor((Date.parse(line.start) || Date.now()) / 1000);
      const who = { name: 'konf', email: `${this.jumpId}@konf`, time };
      parent = await this.writer.write('commit', encodeCommit(tree, parent === undefined ? [] : [parent], who, who, `audit ${line.op}\n\n${line.json}\n`));
    }
    // Compare-and-swap: another konf of this state folder exporting at the same moment wins; what it left out goes next time.
    return (await this.updateRefs([{ ref, to: parent as string, from: tip ?? ZERO }])) ? { tip: parent as string, added: fresh.length } : undefined;
  }

  /** Every other jump host's audit records (as fetched last), oldest first within each. */
  async sharedAudit(): Promise<string[]> {
    const refs = [...(await this.refs()).keys()].filter((r) => r.startsWith(REMOTE_AUDIT) && r !== REMOTE_AUDIT + this.jumpId);
    if (refs.length === 0) return [];
    const out = await gitText(this.gitDir, ['log', '--format=%x1e%B', ...refs, '--']);
    return out
      .split('\x1e')
      .slice(1)
      .map((body) => body.split('\n\n').slice(1).join('\n\n').trim())
      .filter((json) => json.startsWith('{'));
  }

  // -------------------------------------------------------------------------------------

  private isShared(ref: string): boolean {
    return ref.startsWith(HOSTS_PREFIX) || ref === AUDIT_PREFIX + this.jumpId;
  }

  private network(args: string[], signal?: AbortSignal): Promise<GitRun> {
    // ssh never prompts (a prompt would hang a deploy), and gives up connecting in time.
    const seconds = Math.max(1, Math.ceil(this.settings.timeoutMs / 1000));
    return runGit(this.gitDir, args, {
      network: true,
      timeoutMs: this.settings.timeoutMs,
      ...(signal ? { signal } : {}),
      config: [`core.sshCommand=ssh -o BatchMode=yes -o ConnectTimeout=${seconds}`],
    });
  }

  /** Every ref under refs/konf/ → commit id (one git process). */
  private async refs(): Promise<Map<string, string>> {
    const out = await gitText(this.gitDir, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/konf/']);
    const map = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [name, oid] = line.split(' ');
      if (name && oid) map.set(name, oid);
    }
    return map;
  }

  private async isAncestor(a: string, b: string): Promise<boolean> {
    return (await runGit(this.gitDir, ['merge-base', '--is-ancestor', a, b])).code === 0;
  }

  /** A commit joining two chains of a host's snapshots; its tree is the newer snapshot's (what the next snapshot is compared with). */
  private async mergeCommit(host: string, local: string, remote: string): Promise<string> {
    const [a, b] = await catFileBatch(this.gitDir, [local, remote]);
    const parse = (c: typeof a) => {
      const text = c?.found === true ? c.content.toString('utf8') : '';
      return { tree: /^tree ([0-9a-f]{40})$/m.exec(text)?.[1], time: Number(/^committer .* (\d+) [+-]\d{4}$/m.exec(text)?.[1] ?? 0) };
    };
    const [l, r] = [parse(a), parse(b)];
    // The newer snapshot's tree; on a tie the shared store's (what the other jump hosts see).
    const tree = (r.time >= l.time ? r.tree : l.tree) ?? l.tree ?? r.tree;
    if (tree === undefined) throw new Error(`cannot join the snapshot histories of ${host}: a commit cannot be read`);
    const who = { name: 'konf', email: `${this.jumpId}@konf`, time: Math.floor(Date.now() / 1000) };
    const message = `join the snapshots of ${host} made apart\n\nBoth this jump host and the shared store gained snapshots of ${host}\nsince they last met; every snapshot is kept.\n\nKonf-Merge: ${host}\n`;
    return this.writer.write('commit', encodeCommit(tree, [local, remote], who, who, message));
  }

  /**
   * Moves refs with the expected old values, all in one git process; when one of them
   * moved meanwhile (a snapshot saved at that moment) the others are still updated and
   * that one is left for the next fetch or push. `force` skips the old-value check.
   */
  private async updateRefs(updates: { ref: string; to: string; from: string }[], force = false): Promise<boolean> {
    if (updates.length === 0) return true;
    const line = (u: (typeof updates)[0]) => `update ${u.ref} ${u.to}${force ? '' : ` ${u.from}`}\n`;
    const run = await runGit(this.gitDir, ['update-ref', '--stdin'], { input: updates.map(line).join('') });
    if (run.code === 0) return true;
    let all = true;
    for (const u of updates) all = (await runGit(this.gitDir, ['update-ref', '--stdin'], { input: line(u) })).code === 0 && all;
    return all;
  }
}

function remoteName(ref: string): string {
  return ref.replace(/^refs\/konf\//, 'refs/konf/remote/');
}

/** The host a konf commit belongs to: a snapshot's Konf-Host, or a join's Konf-Merge. */
function commitHost(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  const body = text.slice(text.indexOf('\n\n') + 2);
  const parsed = parseMessage(body);
  return trailer(parsed, 'Konf-Host') ?? trailer(parsed, 'Konf-Merge');
}

function auditOpOf(raw: Buffer): string | undefined {
  const text = raw.toString('utf8');
  return /\n\naudit (\S+)\n/.exec(text)?.[1];
}

/** `git push --porcelain` lines (`<flag>\t<from>:<to>\t<summary>`) → destination ref → flag. */
function parsePorcelain(out: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^([ +\-*!=])\t[^:\t]*:([^\t]+)\t/.exec(line);
    if (m) map.set(m[2] as string, m[1] as string);
  }
  return map;
}

function rejectionText(out: string, ref: string): string {
  const line = out.split('\n').find((l) => l.includes(`:${ref}\t`));
  return line?.split('\t')[2]?.trim() ?? 'rejected';
}

function why(run: GitRun, timeoutMs: number): string {
  if (run.stopped === 'timeout') return `no answer within ${Math.round(timeoutMs / 100) / 10} s`;
  if (run.stopped === 'aborted') return 'cancelled';
  const lines = run.stderr.split('\n').map((l) => l.replace(/^(fatal|error): /, '').trim()).filter((l) => l !== '' && !/^Please make sure you have the correct access rights/.test(l) && l !== 'and the repository exists.');
  return lines.slice(0, 2).join('; ') || `git exited with ${run.code}`;
}
