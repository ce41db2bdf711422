/**
 * The snapshot store: a bare git repository at `<state>/store` (state folder default
 * `<repo>/var/`, mode 0700, the store too).
 *
 * Layout. Every host has its own history on its own ref, `refs/konf/hosts/<host>`: a
 * linear chain of commits, one per snapshot, whose tree is
 *
 *     hosts/<host>/manifest.json        every recorded path: state and metadata
 *     hosts/<host>/files/<path>         content of each regular file, byte-exact
 *
 * (see manifest.ts; symlinks, folders and absent paths live only in the manifest).
 * Inspect it with plain git: `git --git-dir var/store log -p refs/konf/hosts/web1`.
 *
 * Writing. Blobs, trees and the commit of the snapshots recorded at the same moment are
 * written as one pack (packWriter.ts; a large spooled file as a loose object, streamed,
 * gitObjects.ts); the commit point is `git update-ref <ref> <new> <expected-old>`, a
 * compare-and-swap done by git under its own ref lock (one transaction for the snapshots
 * recorded together, refBatch.ts). So:
 *  - snapshots of different hosts never contend (different refs, objects are immutable);
 *  - snapshots of one host are serialised in-process by a per-host mutex;
 *  - across processes (two konf runs), a lost compare-and-swap is retried against the
 *    new tip (the "changed" list is recomputed against it), so no snapshot is lost and
 *    history stays linear. No lock file is needed, and a crashed konf leaves nothing
 *    to clean up but unreferenced objects that `git gc` prunes after two weeks.
 * A batch of snapshots costs two file writes (a pack and its index, only new contents) and
 * one git process.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { LiveEntry } from '../remote/types.js';
import { catFileBatch, gitText, runGit, type CatFileResult } from './git.js';
import { RefBatcher } from './refBatch.js';
import { CORRUPT_WORDS, describeObject, isDamage, objectState, StoreDamagedError } from './damage.js';
import { encodeCommit, hashObject, ObjectWriter, TreeBuilder, type ObjectType } from './gitObjects.js';
import { PackWriter, type PackObject } from './packWriter.js';
import { buildMessage, oneLine, subjectOf } from './message.js';
import {
  changedPaths,
  manifestKeys,
  parseManifest,
  pathComponents,
  serializeManifest,
  toLiveEntry,
  toManifestEntry,
  treeName,
  type ManifestEntry,
} from './manifest.js';
import { ensurePrivateDir } from './stateDir.js';
import { checkHost, identEmail, identName, infoFrom, parseCommit, readHostRef, REF_PREFIX } from './hostRefs.js';
import type { Snapshot, SnapshotInfo, SnapshotMeta, SnapshotReason } from './types.js';

const ZERO_OID = '0'.repeat(40);
/** More packs than this: tidy() rolls the small ones together. */
export const PACKS_BEFORE_TIDY = 24;
/** How long a save keeps retrying when other processes keep moving the host's ref. */
const RETRY_MS = 20_000;

export class SnapshotStore {
  private readonly writer: ObjectWriter;
  /** The objects of snapshots recorded at the same time go to the store as one pack. */
  readonly packs: PackWriter;
  /** Per-host tail of the in-process queue of saves. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Ref updates of snapshots recorded at the same time go to git as one transaction. */
  readonly refs: RefBatcher;
  /** Per host: the newest commit this instance knows and its manifest, for "changed". */
  private readonly tips = new Map<string, { commit: string; keys: Map<string, string> }>();

  private constructor(
    readonly stateDir: string,
    /** The bare repository. */
    readonly gitDir: string,
  ) {
    this.writer = new ObjectWriter(gitDir);
    this.packs = new PackWriter(gitDir);
    this.refs = new RefBatcher(gitDir);
  }

  /** Opens (creating and initialising if needed) the store in `stateDir`; makes both private. */
  static async open(stateDir: string): Promise<SnapshotStore> {
    const dir = path.resolve(stateDir);
    await ensurePrivateDir(dir);
    const gitDir = path.join(dir, 'store');
    await ensurePrivateDir(gitDir);
    const store = new SnapshotStore(dir, gitDir);
    if (!(await exists(path.join(gitDir, 'HEAD')))) {
      try {
        await gitText(gitDir, ['init', '--bare', '--quiet', '--object-format=sha1', gitDir]);
      } catch (err) {
        // Another konf process initialising the same fresh store at the same moment wins.
        await sleep(50);
        if (!(await exists(path.join(gitDir, 'HEAD'))) || !(await exists(path.join(gitDir, 'objects')))) throw err;
      }
    }
    return store;
  }

  /**
   * Records the live state of `host` as one commit. 'missing' entries are recorded as
   * absent; `changed` lists the paths that differ from the host's previous snapshot.
   */
  async save(host: string, entries: LiveEntry[], meta: SnapshotMeta): Promise<SnapshotInfo> {
    checkHost(host);
    if (!/^[a-z][a-z0-9-]*$/.test(meta.reason)) throw new ConfigError(`invalid snapshot reason: ${JSON.stringify(meta.reason)}`);
    const manifest: ManifestEntry[] = [];
    const tree = new TreeBuilder();
    const seen = new Set<string>();
    const blobs: Promise<void>[] = [];
    /** The snapshot's objects, written with its commit as (part of) one pack. */
    const objects = new Map<string, PackObject>();
    const keep = (type: ObjectType, content: Buffer): string => {
      const oid = hashObject(type, content);
      if (!objects.has(oid)) objects.set(oid, { type, oid, content });
      return oid;
    };
    for (const live of entries) {
      if (seen.has(live.path)) throw new Error(`snapshot of ${host}: path ${live.path} given twice`);
      seen.add(live.path);
      const components = pathComponents(live.path).map(treeName);
      const { entry, content, spool } = toManifestEntry(live);
      manifest.push(entry);
      if (content !== undefined) {
        tree.add(['hosts', host, 'files', ...components], keep('blob', content));
      } else if (spool !== undefined) {
        // A large file: streamed from its spool file into the object store.
        blobs.push(this.writer.writeBlobFile(spool).then((oid) => tree.add(['hosts', host, 'files', ...components], oid)));
      }
    }
    await Promise.all(blobs);
    tree.add(['hosts', host, 'manifest.json'], keep('blob', serializeManifest(host, manifest)));
    const treeOid = tree.build(keep);
    return this.serial(host, () => this.commit(host, treeOid, manifest, meta, [...objects.values()]));
  }

  /** The host's snapshots, newest first. */
  async history(host: string, options: { limit?: number } = {}): Promise<SnapshotInfo[]> {
    checkHost(host);
    const tip = await readHostRef(this.gitDir, host);
    if (tip === undefined) return [];
    const limit = options.limit === undefined ? [] : [`--max-count=${Math.max(0, Math.floor(options.limit))}`];
    let out: string;
    try {
      // --no-merges: a commit joining two jump hosts' chains (storeRemote.ts) is not a snapshot.
      out = await gitText(this.gitDir, ['log', '--no-show-signature', '--no-merges', '--format=%x1e%H%x00%ct%x00%B', ...limit, tip, '--']);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!isDamage(message)) throw err;
      const said = message.split('\n').find((l) => isDamage(l))?.replace(/^(fatal|error): /, '') ?? message;
      throw new StoreDamagedError(host, this.gitDir, `the history of ${host} (${REF_PREFIX}${host}) cannot be read: ${said.trim()}`);
    }
    const infos: SnapshotInfo[] = [];
    for (const record of out.split('\x1e').slice(1)) {
      const [id, time, body] = record.split('\0');
      if (id === undefined || time === undefined || body === undefined) continue;
      const info = infoFrom(id, Number(time), body);
      if (info?.host === host) infos.push(info);
    }
    return infos;
  }

  /**
   * Takes back the host's newest snapshot `id`, recorded for a write that then did not
   * happen (a one-trip write not taken): its ref goes back to the snapshot before it, in
   * one compare-and-swap. False, and nothing changed, when `id` is not the newest any more
   * (another operation recorded after it): then it stays, as any recorded snapshot does.
   */
  async discard(host: string, id: string): Promise<boolean> {
    checkHost(host);
    if ((await readHostRef(this.gitDir, host)) !== id) return false;
    const [, parent] = (await gitText(this.gitDir, ['rev-list', '--parents', '--max-count=1', id])).trim().split(' ');
    const ref = REF_PREFIX + host;
    const run = parent ? await runGit(this.gitDir, ['update-ref', '-m', `discard ${id}`, ref, parent, id]) : await runGit(this.gitDir, ['update-ref', '-d', ref, id]);
    this.tips.delete(host);
    return run.code === 0;
  }

  /** The host's newest snapshot (with that reason, if given). */
  async latest(host: string, reason?: SnapshotReason): Promise<SnapshotInfo | undefined> {
    const infos = await this.history(host, reason === undefined ? { limit: 1 } : {});
    return infos.find((i) => reason === undefined || i.reason === reason);
  }

  /**
   * One snapshot of `host` with its entries (files with content, absent as 'missing').
   * `id` may be abbreviated (at least 4 hex digits). Unknown, ambiguous or another
   * host's id: a ConfigError saying how to list the host's snapshots.
   */
  async load(host: string, id: string): Promise<Snapshot> {
    checkHost(host);
    const hint = `see \`konf history ${host}\``;
    if (!/^[0-9a-f]{4,40}$/i.test(id)) throw new ConfigError(`no snapshot ${JSON.stringify(id)} for ${host} (${hint})`);
    const [commit, manifestBlob] = await this.readObjects(host, [id, `${id}:hosts/${host}/manifest.json`], `snapshot ${id.slice(0, 12)} of ${host}`, id);
    if (commit?.found !== true || commit.type !== 'commit') {
      const ambiguous = commit?.found === false && commit.reason === 'ambiguous';
      if (ambiguous) throw new ConfigError(`snapshot id ${id} is ambiguous: give more of it (${hint})`);
      // Known by its name but unreadable: the store is damaged, the id is right.
      const state = await objectState(this.gitDir, id);
      if (state.kind === 'corrupt') throw new StoreDamagedError(host, this.gitDir, `snapshot ${state.oid.slice(0, 12)} of ${host}: the commit is ${describeObject(state)}`);
      throw new ConfigError(`no snapshot ${id} for ${host} (${hint})`);
    }
    const parsed = parseCommit(commit.content);
    const info = parsed ? infoFrom(commit.oid, parsed.time, parsed.body) : undefined;
    if (info === undefined) throw new ConfigError(`${id} is not a konf snapshot (${hint})`);
    if (info.host !== host) throw new ConfigError(`snapshot ${id} is of host ${info.host}, not ${host} (${hint})`);
    const where = `snapshot ${commit.oid.slice(0, 12)} of ${host}`;
    const manifestPath = `hosts/${host}/manifest.json`;
    if (manifestBlob?.found !== true) {
      const state = await objectState(this.gitDir, `${commit.oid}:${manifestPath}`);
      throw new StoreDamagedError(
        host,
        this.gitDir,
        state.kind === 'not-found' || state.kind === 'present' ? `${where}: the snapshot has no manifest (${manifestPath})` : `${where}: the manifest ${manifestPath} is ${describeObject(state)}`,
      );
    }
    let manifest;
    try {
      manifest = parseManifest(manifestBlob.content, where);
    } catch (err) {
      throw new StoreDamagedError(host, this.gitDir, `${where}: the manifest ${manifestPath} is corrupt (${(err as Error).message.replace(`${where}: `, '')})`);
    }
    const files = manifest.entries.filter((e) => e.state === 'file');
    const names = files.map((e) => `${commit.oid}:hosts/${host}/files/${pathComponents(e.path).map(treeName).join('/')}`);
    const contents = await this.readObjects(host, names, where);
    const byPath = new Map<string, Buffer>();
    for (const [i, e] of files.entries()) {
      const blob = contents[i];
      if (blob?.found !== true) {
        const state = await objectState(this.gitDir, names[i] as string);
        const what = state.kind === 'not-found' || state.kind === 'present' ? 'is not in the snapshot (its manifest lists it)' : `is ${describeObject(state)}`;
        throw new StoreDamagedError(host, this.gitDir, `${where}: ${e.path} ${what}`);
      }
      byPath.set(e.path, blob.content);
    }
    return { info, entries: manifest.entries.map((e) => toLiveEntry(e, byPath.get(e.path))) };
  }

  /**
   * catFileBatch, with a git failure on a damaged object database reported as such (`where`
   * names the snapshot; `commit`, when known, is its id).
   */
  private async readObjects(host: string, names: string[], where: string, commit?: string): Promise<CatFileResult[]> {
    try {
      return await catFileBatch(this.gitDir, names);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!isDamage(message)) throw err;
      const oid = /(?:loose object|unable to unpack|object) ([0-9a-f]{40})/.exec(message)?.[1];
      const kind = CORRUPT_WORDS.test(message) ? 'corrupt' : 'missing';
      const what =
        oid === undefined
          ? `cannot be read (${message.replace(/^git cat-file failed: /, '').split('\n').slice(-1)[0] ?? message})`
          : `${commit !== undefined && oid.startsWith(commit.toLowerCase()) ? 'the commit' : 'an object it needs'} is ${kind} (object ${oid.slice(0, 12)})`;
      throw new StoreDamagedError(host, this.gitDir, `${where}: ${what}`);
    }
  }

  /**
   * ISO time of every host's newest snapshot, as `latest` gives it: one git process and no
   * history walk, except for a host whose tip joins two jump hosts' chains (a merge, not a
   * snapshot: its newest snapshot is read from its history).
   */
  async lastSnapshotTimes(): Promise<Record<string, string>> {
    const out = await gitText(this.gitDir, ['for-each-ref', '--format=%(refname:lstrip=3)%00%(committerdate:unix)%00%(parent)', REF_PREFIX]);
    const times: Record<string, string> = {};
    const joined: string[] = [];
    for (const line of out.split('\n')) {
      const [host, unix, parents] = line.split('\0');
      if (!host || !unix) continue;
      if (parents?.includes(' ')) joined.push(host);
      else times[host] = new Date(Number(unix) * 1000).toISOString();
    }
    for (const host of joined) {
      const time = (await this.latest(host))?.time;
      if (time !== undefined) times[host] = time;
    }
    return times;
  }

  /** Hosts that have at least one snapshot. */
  async hosts(): Promise<string[]> {
    return Object.keys(await this.lastSnapshotTimes()).sort();
  }

  /**
   * Keeps the number of packs small: each batch of snapshots is its own pack, and git looks
   * an object up pack by pack. Past PACKS_BEFORE_TIDY packs, `git repack --geometric=2 -d`
   * rolls the small ones into bigger ones (cost bounded by the small packs: the big ones are
   * left alone; it keeps every object, referenced yet or not). Returns whether it repacked.
   */
  async tidy(): Promise<boolean> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.gitDir, 'objects', 'pack'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (names.filter((n) => n.endsWith('.pack')).length <= PACKS_BEFORE_TIDY) return false;
    const run = await runGit(this.gitDir, ['repack', '--geometric=2', '-d', '-q']);
    if (run.code !== 0) throw new Error(`git repack failed: ${run.stderr}`);
    return true;
  }

  /** Housekeeping: `git gc --auto` (packs loose objects once there are many). */
  async maintain(): Promise<void> {
    const run = await runGit(this.gitDir, ['gc', '--auto', '--quiet']);
    if (run.code !== 0) throw new Error(`git gc failed: ${run.stderr}`);
  }

  private serial<T>(host: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(host) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.queues.set(host, tail);
    void tail.then(() => {
      if (this.queues.get(host) === tail) this.queues.delete(host);
    });
    return next;
  }

  private async commit(host: string, treeOid: string, manifest: ManifestEntry[], meta: SnapshotMeta, objects: PackObject[]): Promise<SnapshotInfo> {
    const ref = REF_PREFIX + host;
    const operator = oneLine(meta.operator) || 'unknown';
    const ident = { name: identName(operator), email: `${identEmail(operator)}@konf` };
    let lastError = '';
    const deadline = Date.now() + RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      const parent = await readHostRef(this.gitDir, host);
      const previous = parent === undefined ? undefined : await this.manifestKeysOf(host, parent);
      const changed = changedPaths(previous, manifest);
      const time = Math.floor(Date.now() / 1000);
      const message = buildMessage({ ...meta, operator, host, files: manifest.length, changed });
      const who = { ...ident, time };
      const content = encodeCommit(treeOid, parent === undefined ? [] : [parent], who, who, message);
      const commitOid = hashObject('commit', content);
      // The tree's objects with the first attempt's commit; a retry adds only its new commit.
      await this.packs.write([...(attempt === 0 ? objects : []), { type: 'commit', oid: commitOid, content }]);
      const run = await this.refs.update({ ref, newOid: commitOid, oldOid: parent ?? ZERO_OID, message: subjectOf(host, meta.reason) });
      if (run.ok) {
        this.tips.set(host, { commit: commitOid, keys: manifestKeys(manifest) });
        const info = infoFrom(commitOid, time, message);
        if (info === undefined) throw new Error('snapshot store: cannot read back the commit message just written');
        return info;
      }
      lastError = run.stderr;
      // Another process moved the ref (or holds its lock): retry against the new tip.
      if (!/cannot lock ref|unable to create|file exists|but expected|already exists|is at /i.test(run.stderr)) break;
      if (Date.now() > deadline) break;
      await sleep(Math.random() * Math.min(100, 5 * 2 ** attempt));
    }
    throw new Error(`could not record the snapshot of ${host} in ${this.gitDir}: ${lastError}`);
  }

  private async manifestKeysOf(host: string, commit: string): Promise<Map<string, string> | undefined> {
    const cached = this.tips.get(host);
    if (cached?.commit === commit) return cached.keys;
    const [blob] = await this.readObjects(host, [`${commit}:hosts/${host}/manifest.json`], `snapshot ${commit.slice(0, 12)} of ${host}`, commit);
    if (blob?.found !== true) return undefined;
    let entries: ManifestEntry[];
    try {
      entries = parseManifest(blob.content, `snapshot ${commit.slice(0, 12)}`).entries;
    } catch (err) {
      throw new StoreDamagedError(host, this.gitDir, `${(err as Error).message} (hosts/${host}/manifest.json of the previous snapshot)`);
    }
    const keys = manifestKeys(entries);
    this.tips.set(host, { commit, keys });
    return keys;
  }

}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
