import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommit, encodeTree, hashObject, ObjectWriter, type TreeEntry } from '../../../src/core/store/gitObjects.js';
import { treeName } from '../../../src/core/store/manifest.js';
import { tempDir } from './helpers.js';

const exec = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  await exec('git', ['init', '--bare', '--quiet', dir]);
});
afterEach(async () => {
  await cleanup();
});

/** Plain git with input on stdin. */
function git(args: string[], input: string | Buffer, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { env: { ...process.env, GIT_DIR: dir, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim()),
    );
    // A command that reads no stdin (cat-file -p) may exit before it is closed: its exit code and output decide.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

describe('git objects written by konf are the ones git writes', () => {
  it('blobs: same id as git hash-object, readable by git cat-file', async () => {
    const writer = new ObjectWriter(dir);
    const content = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const oid = await writer.write('blob', content);
    expect(oid).toBe(await git(['hash-object', '--stdin'], content));
    expect(hashObject('blob', Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    const { stdout } = await exec('git', ['--git-dir', dir, 'cat-file', 'blob', oid], { encoding: 'buffer' });
    expect(Buffer.compare(stdout, content)).toBe(0);
    // Writing again (and concurrently) is harmless.
    await Promise.all([writer.write('blob', content), new ObjectWriter(dir).write('blob', content)]);
  });

  it('trees: same id as git mktree, with git\u2019s ordering of names and subtrees', async () => {
    const writer = new ObjectWriter(dir);
    const blob = await writer.write('blob', Buffer.from('x'));
    const sub = await writer.writeTree([{ name: 'inner', kind: 'blob', oid: blob }]);
    const entries: TreeEntry[] = [
      { name: 'a0', kind: 'blob', oid: blob },
      { name: 'a', kind: 'tree', oid: sub },
      { name: 'a.b', kind: 'blob', oid: blob },
      { name: 'a-b', kind: 'blob', oid: blob },
      { name: 'Z', kind: 'blob', oid: blob },
      { name: 'é', kind: 'blob', oid: blob },
      { name: '😀', kind: 'blob', oid: blob },
      { name: '\uffff', kind: 'blob', oid: blob },
    ];
    const ours = await writer.writeTree(entries);
    const mktree = entries.map((e) => `${e.kind === 'tree' ? '040000 tree' : '100644 blob'} ${e.oid}\t${e.name}`).join('\n');
    expect(ours).toBe(await git(['mktree'], `${mktree}\n`));
    expect(hashObject('tree', encodeTree([]))).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('commits: same id as git commit-tree with the same identity and time', async () => {
    const writer = new ObjectWriter(dir);
    const tree = await writer.writeTree([]);
    const who = { name: 'alice', email: 'alice@konf', time: 1_700_000_000 };
    const message = 'snapshot web1: manual\n\nKonf-Host: web1\n';
    const root = await writer.write('commit', encodeCommit(tree, [], who, who, message));
    const child = await writer.write('commit', encodeCommit(tree, [root], who, who, message));
    const env = {
      GIT_AUTHOR_NAME: 'alice', GIT_AUTHOR_EMAIL: 'alice@konf', GIT_AUTHOR_DATE: '1700000000 +0000',
      GIT_COMMITTER_NAME: 'alice', GIT_COMMITTER_EMAIL: 'alice@konf', GIT_COMMITTER_DATE: '1700000000 +0000',
    };
    expect(root).toBe(await git(['commit-tree', tree], message, env));
    expect(child).toBe(await git(['commit-tree', tree, '-p', root], message, env));
  });

  it('tree names: special components are escaped one-to-one, plain ones kept', () => {
    expect(treeName('nginx.conf')).toBe('nginx.conf');
    expect(treeName('.bashrc')).toBe('.bashrc');
    expect(treeName('.git')).toBe('%%2Egit');
    expect(treeName('.GitModules')).toBe('%%2EGitModules');
    expect(treeName('GIT~1')).toBe('%%47IT~1');
    expect(treeName('%41')).toBe('%%2541');
    expect(treeName('a\nb')).toBe('%a%0Ab');
    const names = ['.git', '%%2Egit', '%2Egit', 'a\nb', '%a%0Ab', '%', '%%', '.g\u200cit', 'x'];
    const mapped = names.map(treeName);
    expect(new Set(mapped).size).toBe(names.length);
    for (const m of mapped) expect(m.toLowerCase().replace(/[\u200c-\u200f]/g, '').startsWith('.git')).toBe(false);
  });
});

describe('the object writer remembers the fan-out folders it made', () => {
  it('writes into a folder git gc removed meanwhile (it makes it again), and git reads the object', async () => {
    const { rm } = await import('node:fs/promises');
    const pathMod = await import('node:path');
    const writer = new ObjectWriter(dir);
    const first = await writer.write('blob', Buffer.from('first\n'));
    // Another content whose object lands in the same fan-out folder.
    let other: Buffer | undefined;
    for (let i = 0; other === undefined; i++) {
      const b = Buffer.from(`other ${i}\n`);
      if (hashObject('blob', b).slice(0, 2) === first.slice(0, 2)) other = b;
    }
    // What git gc does to a folder whose loose objects it packed.
    await rm(pathMod.join(dir, 'objects', first.slice(0, 2)), { recursive: true });
    const second = await writer.write('blob', other);
    expect(await git(['cat-file', '-p', second], '')).toBe(other.toString().trim());
  });
});

