/**
 * Parses the tar archive a read script streams back, while it arrives, synchronously:
 * ordinary files are kept in memory; a file over `largeBytes` is only hashed as it passes
 * (and, with `large: 'spool'`, written to a spool file), so a 200 MB file never sits in
 * memory, let alone in several copies.
 *
 * Only what `tar -c -H gnu` writes is read: 512-byte ustar/GNU headers (octal or
 * base-256 numbers, checksums verified), GNU long names and link names (`L`, `K`), pax
 * extended headers (`x`, `g`) for good measure. Why not a library: tar-stream gives every
 * member its own stream object, which cost about 0.2 ms per member in a fresh process
 * (5,000 files: over a second, more than their transfer); this loop costs a few µs.
 */
import { createHash } from 'node:crypto';
import crypto from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { spoolFile } from './spool.js';

export type TarType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file' | 'other';

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string;
  uname: string;
  gname: string;
}

export interface TarItem {
  /** Member name normalised to the form of a relative path: no `./`, no trailing `/`; '' is the root. */
  name: string;
  header: TarHeader;
  /** The bytes of a member up to largeBytes (else undefined; see sha256, spool). */
  content?: Buffer;
  /** Bytes of the member's data. */
  size: number;
  /** SHA-256 of the member's data (hex). */
  sha256: string;
  /** A large member's data in a spool file (with `large: 'spool'`). */
  spool?: string;
}

export function memberKey(name: string): string {
  let n = name.replace(/\/+$/, '');
  while (n.startsWith('./')) n = n.slice(2);
  return n === '.' ? '' : n;
}

/**
 * A name as GNU tar writes it in its messages under LC_ALL=C (its default `escape` quoting
 * style, plus `:` escaped as quotearg_colon does): `\\` for a backslash, `\n`, `\t` and
 * the other C escapes, `\:` for a colon, `\ooo` for every other byte that is not printable
 * ASCII (each byte of a UTF-8 character). Lets konf match `tar: NAME: Cannot stat: …` to
 * the path it sent, whatever the name holds.
 */
export function tarQuoted(name: string): string {
  if (PLAIN.test(name)) return name;
  let out = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const letter = TAR_ESCAPES[b];
    if (letter !== undefined) out += `\\${letter}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}
const PLAIN = /^[\x20-\x39\x3b-\x5b\x5d-\x7e]*$/;
const TAR_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x5c: '\\', 0x3a: ':' };

export interface TarReaderOptions {
  /** Members bigger than this are not kept in memory. */
  largeBytes: number;
  /** What to do with a large member: hash it only, or also write it to a spool file. */
  large: 'hash' | 'spool';
}

const BLOCK = 512;
const TYPES: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};

/** One-shot SHA-256 (crypto.hash where Node has it: much cheaper for small inputs). */
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Buffer, enc: 'hex') => string }).hash;
function sha256(data: Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** A numeric field: octal text, or GNU base-256 (high bit of the first byte set). */
function number(buf: Buffer, start: number, length: number): number {
  if ((buf[start] as number) & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + (buf[i] as number);
    return v;
  }
  const text = buf.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 8 * 32; // the checksum field counts as spaces
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return sum === number(block, 148, 8);
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** pax records: `LEN key=value\n`… */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    if (space < 0) break;
    const len = parseInt(data.toString('latin1', at, space), 10);
    if (!(len > 0)) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

interface Current {
  header: TarHeader;
  /** Data bytes still to come. */
  remaining: number;
  /** What the data is for: a member, or a GNU long name / pax header for the next one. */
  kind: 'member' | 'longname' | 'longlink' | 'pax' | 'skip';
  chunks: Buffer[];
  hash?: ReturnType<typeof createHash>;
  out?: WriteStream;
  file?: string;
}

/** A streaming tar parser: push chunks as they come (await a returned promise: backpressure), then end(). */
export class TarReader {
  private readonly items: TarItem[] = [];
  private head = Buffer.alloc(BLOCK);
  private headFill = 0;
  private cur: Current | undefined;
  private skip = 0;
  private done = false;
  private failure: Error | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Record<string, string> = {};
  private readonly writing: Promise<void>[] = [];

  constructor(private readonly options: TarReaderOptions) {}

  /** Feeds a chunk; when a spool file's buffer is full, resolves once it drained. */
  push(chunk: Buffer): Promise<void> | undefined {
    if (this.failure || this.done) return undefined;
    let wait: Promise<void> | undefined;
    try {
      let off = 0;
      while (off < chunk.length && !this.done) {
        if (this.cur) {
          const take = Math.min(this.cur.remaining, chunk.length - off);
          const piece = chunk.subarray(off, off + take);
          off += take;
          this.cur.remaining -= take;
          const w = this.data(this.cur, piece);
          if (w) wait = w;
          if (this.cur.remaining === 0) this.finish(this.cur);
        } else if (this.skip > 0) {
          const s = Math.min(this.skip, chunk.length - off);
          off += s;
          this.skip -= s;
        } else {
          const take = Math.min(BLOCK - this.headFill, chunk.length - off);
          chunk.copy(this.head, this.headFill, off, off + take);
          this.headFill += take;
          off += take;
          if (this.headFill === BLOCK) {
            this.headFill = 0;
            this.header(this.head);
          }
        }
      }
    } catch (err) {
      this.failure = err as Error;
      this.cur?.out?.destroy();
    }
    return wait;
  }

  private header(block: Buffer): void {
    if (isZero(block)) {
      this.done = true;
      return;
    }
    if (!checksumOk(block)) throw new Error('invalid tar header checksum');
    const flag = String.fromCharCode(block[156] as number);
    const size = number(block, 124, 12);
    const header: TarHeader = {
      name: this.pax.path ?? this.longName ?? cString(block, 0, 100),
      type: TYPES[flag] ?? 'other',
      mode: number(block, 100, 8),
      uid: this.pax.uid !== undefined ? Number(this.pax.uid) : number(block, 108, 8),
      gid: this.pax.gid !== undefined ? Number(this.pax.gid) : number(block, 116, 8),
      size: this.pax.size !== undefined ? Number(this.pax.size) : size,
      linkname: this.pax.linkpath ?? this.longLink ?? cString(block, 157, 100),
      uname: this.pax.uname ?? cString(block, 265, 32),
      gname: this.pax.gname ?? cString(block, 297, 32),
    };
    const kind: Current['kind'] = flag === 'L' ? 'longname' : flag === 'K' ? 'longlink' : flag === 'x' ? 'pax' : flag === 'g' ? 'skip' : 'member';
    if (kind === 'member') {
      this.longName = undefined;
      this.longLink = undefined;
      this.pax = {};
    }
    // Only regular files carry data in a GNU archive; links, folders and devices have none.
    const dataBytes = kind !== 'member' || header.type === 'file' || header.type === 'contiguous-file' ? header.size : 0;
    const cur: Current = { header, remaining: dataBytes, kind, chunks: [] };
    if (kind === 'member' && dataBytes > this.options.largeBytes) {
      cur.hash = createHash('sha256');
      if (this.options.large === 'spool') {
        cur.file = spoolFile();
        cur.out = createWriteStream(cur.file, { mode: 0o600 });
        const out = cur.out;
        const written = new Promise<void>((resolve, reject) => {
          out.once('finish', () => resolve());
          out.once('error', reject);
        });
        written.catch(() => undefined); // reported by end()
        this.writing.push(written);
      }
    }
    this.cur = cur;
    this.skip = (BLOCK - (dataBytes % BLOCK)) % BLOCK;
    if (dataBytes === 0) this.finish(cur);
  }

  private data(cur: Current, piece: Buffer): Promise<void> | undefined {
    if (cur.hash) {
      cur.hash.update(piece);
      if (cur.out && !cur.out.write(piece)) {
        const out = cur.out;
        return new Promise<void>((resolve) => {
          const go = () => {
            out.off('drain', go);
            out.off('error', go);
            out.off('close', go);
            resolve();
          };
          out.on('drain', go);
          out.on('error', go);
          out.on('close', go);
        });
      }
      return undefined;
    }
    cur.chunks.push(piece);
    return undefined;
  }

  private finish(cur: Current): void {
    this.cur = undefined;
    const data = cur.chunks.length === 1 ? (cur.chunks[0] as Buffer) : Buffer.concat(cur.chunks);
    switch (cur.kind) {
      case 'longname':
        this.longName = cString(data, 0, data.length);
        return;
      case 'longlink':
        this.longLink = cString(data, 0, data.length);
        return;
      case 'pax':
        this.pax = parsePax(data);
        return;
      case 'skip':
        return;
      case 'member':
        break;
    }
    const base = { name: memberKey(cur.header.name), header: cur.header };
    if (cur.hash) {
      cur.out?.end();
      this.items.push({ ...base, size: cur.header.size, sha256: cur.hash.digest('hex'), ...(cur.file !== undefined ? { spool: cur.file } : {}) });
    } else {
      this.items.push({ ...base, content: data, size: data.length, sha256: sha256(data) });
    }
  }

  /** Ends the archive; resolves with every member, in archive order (rejects for a damaged one). */
  async end(): Promise<TarItem[]> {
    await Promise.all(this.writing);
    if (this.failure) throw this.failure;
    if (this.cur || this.headFill > 0) throw new Error('the archive ends in the middle of a member');
    return this.items;
  }
}

/** Parses a whole archive held in memory (small archives, tests). */
export async function parseTar(archive: Buffer, options: TarReaderOptions = { largeBytes: Number.POSITIVE_INFINITY, large: 'hash' }): Promise<TarItem[]> {
  const reader = new TarReader(options);
  await reader.push(archive);
  return reader.end();
}
