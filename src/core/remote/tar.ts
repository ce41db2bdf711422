/** Parses the tar archive a read script streams back (tar-stream, all in memory). */
import tar from 'tar-stream';
import type { Header } from 'tar-stream';

export interface TarItem {
  /** Member name normalised to the form of a relative path: no `./`, no trailing `/`; '' is the root. */
  name: string;
  header: Header;
  content: Buffer;
}

export function memberKey(name: string): string {
  let n = name.replace(/\/+$/, '');
  while (n.startsWith('./')) n = n.slice(2);
  return n === '.' ? '' : n;
}

export async function parseTar(archive: Buffer): Promise<TarItem[]> {
  const items: TarItem[] = [];
  if (archive.length === 0) return items;
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      items.push({ name: memberKey(entry.header.name), header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  extract.end(archive);
  await done;
  return items;
}
