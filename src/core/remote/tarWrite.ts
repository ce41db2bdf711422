/**
 * Writes the archive a write script unpacks into its staging folders with one `tar -x`:
 * regular files only, each a 512-byte POSIX ustar header (a pax `path=` record first when
 * the name does not fit in 100 bytes or is not ASCII, `size=` past 8 GiB) followed by the
 * content and its padding, then two zero blocks. The contents are not copied: the archive
 * is a list of the header buffers and the very content buffers it was given (a 200 MB
 * file goes out as it is). Why not a library: tar-stream produces a stream of chunks
 * (one more copy of every file); this is the ~60 lines of the format konf needs.
 */

const BLOCK = 512;
const ZEROS = Buffer.alloc(BLOCK * 2);

export interface TarFile {
  /** Member name: a path relative to the folder tar runs in (`-C /`: the absolute path without its leading `/`). */
  name: string;
  content: Buffer;
}

/** The archive of `files` as buffers to send one after another, and its size in bytes. */
export function tarArchive(files: TarFile[], mtime = Math.floor(Date.now() / 1000)): { buffers: Buffer[]; bytes: number } {
  const buffers: Buffer[] = [];
  let bytes = 0;
  const push = (b: Buffer) => {
    buffers.push(b);
    bytes += b.length;
  };
  for (const f of files) {
    if (f.name === '' || f.name.startsWith('/') || f.name.includes('\0')) throw new Error(`invalid archive member name ${JSON.stringify(f.name)}`);
    const nameBytes = Buffer.from(f.name);
    const longName = nameBytes.length > 100 || !/^[\x20-\x7e]*$/.test(f.name);
    const bigSize = f.content.length > 0o77777777777;
    if (longName || bigSize) {
      const records = [...(longName ? [paxRecord('path', f.name)] : []), ...(bigSize ? [paxRecord('size', String(f.content.length))] : [])];
      const body = Buffer.from(records.join(''));
      push(header({ name: 'PaxHeader', size: body.length, type: 'x', mtime }));
      push(body);
      push(padding(body.length));
    }
    push(header({ name: longName ? asciiStub(f.name) : f.name, size: bigSize ? 0 : f.content.length, type: '0', mtime }));
    if (f.content.length > 0) push(f.content);
    push(padding(f.content.length));
  }
  push(ZEROS);
  return { buffers: buffers.filter((b) => b.length > 0), bytes };
}

/** A pax record: `LEN key=value\n`, LEN counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let len = restBytes + 1;
  while (String(len).length + restBytes > len) len++;
  return `${len}${rest}`;
}

function padding(n: number): Buffer {
  const r = n % BLOCK;
  return r === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - r);
}

/** The ustar name of a member whose real name is in its pax record (read only by tars without pax). */
function asciiStub(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').slice(-99);
}

function header(o: { name: string; size: number; type: '0' | 'x'; mtime: number }): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(o.name, 0, 100, 'utf8');
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(o.size, 12), 124, 'ascii');
  h.write(octal(o.mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(o.type, 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return h;
}

/** A NUL-terminated octal field of `width` bytes. */
function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\u0000`;
}
