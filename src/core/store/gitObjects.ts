/**
 * Writes git objects (blob, tree, commit) straight into the store's object database as
 * loose objects, the documented on-disk format: zlib("<type> <size>\0<content>") at
 * objects/<first 2 hex>/<remaining 38 hex>, named by its SHA-1.
 *
 * Why not `git hash-object`/`mktree`/`commit-tree`: a snapshot of 40 files would cost
 * dozens of git processes (or temp files plus several processes); writing the objects
 * here costs a few small file writes, and unchanged files (the common case) cost only a
 * timestamp refresh. Only the ref update (the commit point) goes through git itself
 * (`git update-ref` with the expected old value). `git fsck` in the tests checks the
 * objects are exactly what git writes.
 *
 * Writes are safe under concurrency: an object's name is its content, it is written to a
 * temporary file in the same folder and renamed into place, so readers see either no
 * object or the whole object, and two writers of the same object write the same bytes.
 * An object that already exists gets its mtime refreshed (as git does) so that a
 * concurrent `git gc` never prunes an object a new commit is about to reference.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { constants as zlibConstants, createDeflate, deflate, deflateSync } from 'node:zlib';

const deflateAsync = promisify(deflate);
/** Bigger objects are compressed off the event loop. */
const SYNC_DEFLATE_MAX = 256 * 1024;

export type ObjectType = 'blob' | 'tree' | 'commit';

export interface TreeEntry {
  /** Entry name (one path component). */
  name: string;
  kind: 'blob' | 'tree';
  oid: string;
}

/** How long an object this process wrote or refreshed counts as fresh (no new utimes). */
const FRESH_MS = 60 * 60 * 1000;

export function hashObject(type: ObjectType, content: Buffer): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

export class ObjectWriter {
  private readonly fresh = new Map<string, number>();
  /** Objects being written right now: parallel snapshots of equal files write once. */
  private readonly writing = new Map<string, Promise<string>>();
  /**
   * Fan-out folders (objects/xx) this writer made or wrote into: no mkdir for each object
   * (a snapshot writes hundreds). `git gc` may remove an emptied one meanwhile: a write
   * that finds its folder gone makes it again.
   */
  private readonly dirs = new Set<string>();

  constructor(private readonly gitDir: string) {}

  /** Stores one object (if not already there) and returns its id. */
  write(type: ObjectType, content: Buffer): Promise<string> {
    const oid = hashObject(type, content);
    const seen = this.fresh.get(oid);
    if (seen !== undefined && Date.now() - seen < FRESH_MS) return Promise.resolve(oid);
    let pending = this.writing.get(oid);
    if (pending === undefined) {
      pending = this.store(oid, type, content).finally(() => this.writing.delete(oid));
      this.writing.set(oid, pending);
    }
    return pending;
  }

  private async store(oid: string, type: ObjectType, content: Buffer): Promise<string> {
    const now = Date.now();
    const dir = path.join(this.gitDir, 'objects', oid.slice(0, 2));
    const file = path.join(dir, oid.slice(2));
    try {
      const stamp = new Date(now);
      await fs.utimes(file, stamp, stamp);
      this.fresh.set(oid, now);
      return oid;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Exists but cannot be touched (another owner): it is there, which is what matters.
        if ((err as NodeJS.ErrnoException).code === 'EPERM' || (err as NodeJS.ErrnoException).code === 'EACCES') {
          this.fresh.set(oid, now);
          return oid;
        }
        throw err;
      }
    }
    const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
    const data = raw.length <= SYNC_DEFLATE_MAX ? deflateSync(raw) : await deflateAsync(raw);
    if (!this.dirs.has(dir)) await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `tmp_obj_${process.pid}_${randomBytes(6).toString('hex')}`);
    try {
      try {
        await fs.writeFile(tmp, data, { mode: 0o444, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.dirs.has(dir)) throw err;
        this.dirs.delete(dir);
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(tmp, data, { mode: 0o444, flag: 'wx' });
      }
      this.dirs.add(dir);
      await fs.rename(tmp, file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    this.fresh.set(oid, now);
    return oid;
  }

  /**
   * Stores a file's bytes as a blob without reading it into memory: one pass hashes it,
   * a second deflates it into the object file (fast compression, like git's loose
   * objects). For large files (a spooled 200 MB file).
   */
  async writeBlobFile(file: string): Promise<string> {
    const { size } = await fs.stat(file);
    const hash = createHash('sha1').update(`blob ${size}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const oid = hash.digest('hex');
    const now = Date.now();
    const dir = path.join(this.gitDir, 'objects', oid.slice(0, 2));
    const target = path.join(dir, oid.slice(2));
    try {
      const stamp = new Date(now);
      await fs.utimes(target, stamp, stamp);
      this.fresh.set(oid, now);
      return oid;
    } catch {
      // not there yet (or not ours to touch: written again, same bytes)
    }
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `tmp_obj_${process.pid}_${randomBytes(6).toString('hex')}`);
    try {
      const deflater = createDeflate({ level: zlibConstants.Z_BEST_SPEED });
      deflater.write(Buffer.from(`blob ${size}\0`));
      await pipeline(createReadStream(file), deflater, createWriteStream(tmp, { mode: 0o444, flags: 'wx' }));
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    this.fresh.set(oid, now);
    return oid;
  }

  /** Writes one tree object from its entries (sorted here the way git sorts them). */
  writeTree(entries: TreeEntry[]): Promise<string> {
    return this.write('tree', encodeTree(entries));
  }
}

/** Git's tree order: byte order of names, a subtree's name compared as if it ended in '/'. */
export function encodeTree(entries: TreeEntry[]): Buffer {
  const keyed = entries.map((e) => ({
    e,
    name: Buffer.from(e.name, 'utf8'),
    key: Buffer.from(e.kind === 'tree' ? `${e.name}/` : e.name, 'utf8'),
  }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { e, name } of keyed) {
    parts.push(Buffer.from(e.kind === 'tree' ? '40000 ' : '100644 '), name, Buffer.from([0]), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

/** A nested folder of blobs, written bottom-up into tree objects. */
export class TreeBuilder {
  private readonly root: Folder = new Map();

  /** Adds a blob at `components` (already valid git entry names). Throws on a file/folder clash. */
  add(components: string[], blobOid: string): void {
    let folder = this.root;
    components.forEach((name, i) => {
      const last = i === components.length - 1;
      const existing = folder.get(name);
      if (last) {
        if (existing !== undefined) throw new Error(`path clash in snapshot tree: ${components.join('/')}`);
        folder.set(name, blobOid);
      } else if (existing === undefined) {
        const sub: Folder = new Map();
        folder.set(name, sub);
        folder = sub;
      } else if (typeof existing === 'string') {
        throw new Error(`path clash in snapshot tree: ${components.slice(0, i + 1).join('/')} is both a file and a folder`);
      } else {
        folder = existing;
      }
    });
  }

  async write(writer: ObjectWriter): Promise<string> {
    return writeFolder(this.root, writer);
  }

  /** The trees' objects, bottom-up, handed to `keep` (which returns each one's id); the root tree's id. */
  build(keep: (type: 'tree', content: Buffer) => string): string {
    const walk = (folder: Folder): string =>
      keep(
        'tree',
        encodeTree([...folder].map(([name, value]): TreeEntry => (typeof value === 'string' ? { name, kind: 'blob', oid: value } : { name, kind: 'tree', oid: walk(value) }))),
      );
    return walk(this.root);
  }
}

type Folder = Map<string, string | Folder>;

async function writeFolder(folder: Folder, writer: ObjectWriter): Promise<string> {
  const entries = await Promise.all(
    [...folder].map(async ([name, value]): Promise<TreeEntry> =>
      typeof value === 'string'
        ? { name, kind: 'blob', oid: value }
        : { name, kind: 'tree', oid: await writeFolder(value, writer) },
    ),
  );
  return writer.writeTree(entries);
}

export interface Ident {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
}

/** A commit object's bytes. Identity and time are explicit: no git config is consulted. */
export function encodeCommit(tree: string, parents: string[], author: Ident, committer: Ident, message: string): Buffer {
  const ident = (who: Ident) => `${who.name} <${who.email}> ${who.time} +0000`;
  const lines = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`), `author ${ident(author)}`, `committer ${ident(committer)}`];
  const body = message.endsWith('\n') ? message : `${message}\n`;
  return Buffer.from(`${lines.join('\n')}\n\n${body}`, 'utf8');
}
