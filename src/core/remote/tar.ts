/**
 * Parses the tar archive a read script streams back (tar-stream), while it arrives:
 * ordinary files are kept in memory; a file over `largeBytes` is only hashed as it passes
 * (and, with `large: 'spool'`, written to a spool file), so a 200 MB file never sits in
 * memory, let alone in several copies.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import tar from 'tar-stream';
import type { ExtractEvents, Header } from 'tar-stream';

type EntryStream = ExtractEvents['entry'][1];
import { spoolFile } from './spool.js';

export interface TarItem {
  /** Member name normalised to the form of a relative path: no `./`, no trailing `/`; '' is the root. */
  name: string;
  header: Header;
  /** The bytes of a regular file up to largeBytes (else undefined; see sha256, spool). */
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

export interface TarReaderOptions {
  /** Members bigger than this are not kept in memory. */
  largeBytes: number;
  /** What to do with a large member: hash it only, or also write it to a spool file. */
  large: 'hash' | 'spool';
}

/** A streaming tar parser: push chunks as they come (await a returned promise: backpressure), then end(). */
export class TarReader {
  private readonly extract = tar.extract();
  private readonly items: TarItem[] = [];
  private readonly finished: Promise<void>;
  private started = false;

  constructor(private readonly options: TarReaderOptions) {
    this.extract.on('entry', (header, stream, next) => this.entry(header, stream, next));
    this.finished = new Promise((resolve, reject) => {
      this.extract.on('finish', () => resolve());
      this.extract.on('error', reject);
    });
    this.finished.catch(() => undefined);
  }

  private entry(header: Header, stream: EntryStream, next: (err?: Error | null) => void): void {
    const size = header.size ?? 0;
    const hash = createHash('sha256');
    const name = memberKey(header.name);
    if (size <= this.options.largeBytes) {
      const chunks: Buffer[] = [];
      stream.on('data', (d) => {
        const c = d as Buffer;
        chunks.push(c);
        hash.update(c);
      });
      stream.on('end', () => {
        const content = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        this.items.push({ name, header, content, size: content.length, sha256: hash.digest('hex') });
        next();
      });
      return;
    }
    let bytes = 0;
    stream.on('data', (d) => {
        const c = d as Buffer;
      bytes += c.length;
      hash.update(c);
    });
    if (this.options.large === 'hash') {
      stream.on('end', () => {
        this.items.push({ name, header, size: bytes, sha256: hash.digest('hex') });
        next();
      });
      return;
    }
    const file = spoolFile();
    const out = createWriteStream(file, { mode: 0o600 });
    out.on('error', (err) => next(err));
    // streamx pipes into a Node stream fine; its types only know streamx writables.
    stream.pipe(out as unknown as Parameters<EntryStream['pipe']>[0]);
    out.on('finish', () => {
      this.items.push({ name, header, size: bytes, sha256: hash.digest('hex'), spool: file });
      next();
    });
  }

  /** Feeds a chunk; when the parser's buffer is full, resolves once it drained. */
  push(chunk: Buffer): Promise<void> | undefined {
    this.started = true;
    if (this.extract.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      // Drained, or failed (end() reports the error): either way stop waiting.
      const done = () => {
        this.extract.off('drain', done);
        this.extract.off('error', done);
        this.extract.off('close', done);
        resolve();
      };
      this.extract.on('drain', done);
      this.extract.on('error', done);
      this.extract.on('close', done);
    });
  }

  /** Ends the archive; resolves with every member, in archive order. */
  async end(): Promise<TarItem[]> {
    if (!this.started) return [];
    this.extract.end(undefined);
    await this.finished;
    return this.items;
  }
}

/** Parses a whole archive held in memory (small archives, tests). */
export async function parseTar(archive: Buffer, options: TarReaderOptions = { largeBytes: Number.POSITIVE_INFINITY, large: 'hash' }): Promise<TarItem[]> {
  if (archive.length === 0) return [];
  const reader = new TarReader(options);
  await reader.push(archive);
  return reader.end();
}
