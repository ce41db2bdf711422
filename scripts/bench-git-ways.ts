/**
 * How should the snapshot store talk to git? Measures the same store operations two ways,
 * side by side in one run, on the same repository:
 *
 *  - konf: its own runner (src/core/store/git.ts: one spawn per git command, stdin and
 *    binary stdout) plus the loose-object writer (gitObjects.ts) for blobs, trees and
 *    commits; the commit point is one `git update-ref`;
 *  - simple-git, used for everything (the design card's library): it cannot feed a
 *    command's stdin nor stream binary output of several objects, so a snapshot is
 *    `hash-object -w` over temp files + `update-index --cacheinfo` into a temp index +
 *    `write-tree` + `commit-tree` + `update-ref`, and a load reads each file with its own
 *    `cat-file` (binaryCatFile);
 *
 * plus fetch and push of one host's ref to a local bare remote, both ways.
 *
 *     npx vite-node scripts/bench-git-ways.ts [FILES=40] [ROUNDS=15]
 *
 * Prints medians (ms) and the ratio simple-git / konf. Not part of the build or tests.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { LiveEntry } from '../src/core/remote/types.js';
import { SnapshotStore } from '../src/core/store/snapshotStore.js';
import { gitEnv, runGit } from '../src/core/store/git.js';
import { pathComponents, serializeManifest, toManifestEntry, treeName } from '../src/core/store/manifest.js';

const FILES = Number(process.argv[2] ?? 40);
const ROUNDS = Number(process.argv[3] ?? 15);

function entries(host: string, round: number): LiveEntry[] {
  return Array.from({ length: FILES }, (_, i) => {
    const content = Buffer.from(`# file ${i} of ${host} rev ${i < 2 ? round : 0}\n${'setting = value\n'.repeat(32 + ((i * 37) % 480))}`);
    return { path: `/etc/app${i % 5}/conf${i}.conf`, state: 'file', content, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** simple-git bound to a bare repository, with the same isolated environment konf uses. */
function sg(gitDir: string, extraEnv: Record<string, string> = {}): SimpleGit {
  return simpleGit({ baseDir: path.dirname(gitDir), config: [`safe.directory=${gitDir}`], unsafe: { allowUnsafeConfigPaths: true } }).env({ ...gitEnv(gitDir), ...extraEnv });
}

/** One snapshot commit of `host` made with simple-git alone. */
async function saveWithSimpleGit(gitDir: string, tmp: string, host: string, live: LiveEntry[], round: number): Promise<string> {
  const ref = `refs/konf/hosts/${host}`;
  const git = sg(gitDir);
  const parent = (await git.raw(['rev-parse', '--verify', '--quiet', ref]).catch(() => '')).trim();
  const dir = await mkdtemp(path.join(tmp, 'sg-'));
  try {
    const files: { tree: string; file: string }[] = [];
    for (const [i, e] of live.entries()) {
      const { content } = toManifestEntry(e);
      if (content === undefined) continue;
      const file = path.join(dir, String(i));
      await writeFile(file, content);
      files.push({ tree: ['hosts', host, 'files', ...pathComponents(e.path).map(treeName)].join('/'), file });
    }
    const manifestFile = path.join(dir, 'manifest');
    await writeFile(manifestFile, serializeManifest(host, live.map((e) => toManifestEntry(e).entry)));
    files.push({ tree: `hosts/${host}/manifest.json`, file: manifestFile });
    const oids = (await git.raw(['hash-object', '-w', '--', ...files.map((f) => f.file)])).trim().split('\n');
    const indexed = sg(gitDir, { GIT_INDEX_FILE: path.join(dir, 'index') });
    await indexed.raw(['update-index', '--add', ...files.flatMap((f, i) => ['--cacheinfo', `100644,${oids[i]},${f.tree}`])]);
    const tree = (await indexed.raw(['write-tree'])).trim();
    const who = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@konf', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@konf' };
    const commit = (await sg(gitDir, who).raw(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `snapshot ${host}: pre-deploy\n\nKonf-Host: ${host}\nKonf-Reason: pre-deploy\nKonf-Op: bench-${round}`])).trim();
    await git.raw(['update-ref', ref, commit, parent || '0'.repeat(40)]);
    return commit;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One snapshot commit of `host` through konf's runner alone: one `git fast-import` reading everything from stdin. */
async function saveWithFastImport(gitDir: string, host: string, live: LiveEntry[], round: number): Promise<string> {
  const ref = `refs/konf/hosts/${host}`;
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s));
  const data = (b: Buffer) => {
    text(`data ${b.length}\n`);
    parts.push(b);
    text('\n');
  };
  const message = Buffer.from(`snapshot ${host}: pre-deploy\n\nKonf-Host: ${host}\nKonf-Reason: pre-deploy\nKonf-Op: bench-${round}\n`);
  const now = Math.floor(Date.now() / 1000);
  text(`commit ${ref}\nmark :1\nauthor bench <bench@konf> ${now} +0000\ncommitter bench <bench@konf> ${now} +0000\n`);
  data(message);
  const parent = (await runGit(gitDir, ['rev-parse', '--verify', '--quiet', ref])).stdout.toString().trim();
  if (parent) text(`from ${parent}\n`);
  text('deleteall\n');
  for (const e of live) {
    const { content } = toManifestEntry(e);
    if (content === undefined) continue;
    text(`M 100644 inline ${['hosts', host, 'files', ...pathComponents(e.path).map(treeName)].join('/')}\n`);
    data(content);
  }
  text(`M 100644 inline hosts/${host}/manifest.json\n`);
  data(serializeManifest(host, live.map((e) => toManifestEntry(e).entry)));
  text('\n');
  const run = await runGit(gitDir, ['fast-import', '--quiet', '--done'], { input: Buffer.concat([...parts, Buffer.from('done\n')]) });
  if (run.code !== 0) throw new Error(run.stderr);
  return (await runGit(gitDir, ['rev-parse', ref])).stdout.toString().trim();
}

/** A snapshot's files read with simple-git alone: the manifest, then one cat-file per file. */
async function loadWithSimpleGit(gitDir: string, host: string, id: string): Promise<number> {
  const git = sg(gitDir);
  const manifest = JSON.parse(await git.raw(['cat-file', 'blob', `${id}:hosts/${host}/manifest.json`])) as { entries: { path: string; state: string }[] };
  const blobs = await Promise.all(
    manifest.entries.filter((e) => e.state === 'file').map((e) => git.binaryCatFile(['blob', `${id}:hosts/${host}/files/${pathComponents(e.path).map(treeName).join('/')}`])),
  );
  return blobs.reduce((n, b) => n + b.length, 0);
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'konf-bench-git-'));
try {
  const konfStore = await SnapshotStore.open(path.join(tmp, 'konf'));
  const sgStore = await SnapshotStore.open(path.join(tmp, 'sg')); // initialised the same way; written by simple-git below
  const fiStore = await SnapshotStore.open(path.join(tmp, 'fi')); // written by git fast-import
  const remote = path.join(tmp, 'remote.git');
  await runGit(remote, ['init', '--bare', '--quiet', remote]);
  const rows: { what: string; konf: number[]; sg: number[] }[] = [
    { what: `snapshot of one host, ${FILES} files, 2 changed`, konf: [], sg: [] },
    { what: `  same, by one git fast-import (konf's runner)`, konf: [], sg: [] },
    { what: `load that snapshot (${FILES} files)`, konf: [], sg: [] },
    { what: 'history (git log) of the host', konf: [], sg: [] },
    { what: 'push the host ref to a local bare remote', konf: [], sg: [] },
    { what: 'fetch the host refs from it (nothing new)', konf: [], sg: [] },
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    const live = entries('web1', round);
    let konfId = '';
    let sgId = '';
    const [save, fastImport, load, log, push, fetch] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    save.konf.push(await time(async () => (konfId = (await konfStore.save('web1', live, { reason: 'pre-deploy', operator: 'bench', op: `bench-${round}` })).id)));
    save.sg.push(await time(async () => (sgId = await saveWithSimpleGit(sgStore.gitDir, tmp, 'web1', live, round))));
    fastImport.konf.push(save.konf[save.konf.length - 1] ?? 0);
    fastImport.sg.push(await time(() => saveWithFastImport(fiStore.gitDir, 'web1', live, round)));
    load.konf.push(await time(() => konfStore.load('web1', konfId)));
    load.sg.push(await time(() => loadWithSimpleGit(sgStore.gitDir, 'web1', sgId)));
    log.konf.push(await time(() => runGit(konfStore.gitDir, ['log', '--format=%x1e%H%x00%ct%x00%B', 'refs/konf/hosts/web1', '--'])));
    log.sg.push(await time(() => sg(sgStore.gitDir).raw(['log', '--format=%x1e%H%x00%ct%x00%B', 'refs/konf/hosts/web1', '--'])));
    push.konf.push(await time(() => runGit(konfStore.gitDir, ['push', '--porcelain', remote, `refs/konf/hosts/web1:refs/konf/hosts/web1`])));
    push.sg.push(await time(() => sg(sgStore.gitDir).push(remote, `refs/konf/hosts/web1:refs/konf/hosts/sg-web1`)));
    fetch.konf.push(await time(() => runGit(konfStore.gitDir, ['fetch', '--quiet', '--no-tags', remote, '+refs/konf/hosts/*:refs/konf/remote/hosts/*'])));
    fetch.sg.push(await time(() => sg(sgStore.gitDir).fetch(remote, '+refs/konf/hosts/*:refs/konf/remote/hosts/*', ['--quiet', '--no-tags'])));
  }
  console.log(`${FILES} files per snapshot, median of ${ROUNDS} rounds (load ${os.loadavg()[0]?.toFixed(1)})`);
  console.log(`${'operation'.padEnd(46)} ${'konf'.padStart(9)} ${'simple-git'.padStart(11)} ${'ratio'.padStart(7)}`);
  for (const r of rows) {
    const k = median(r.konf);
    const s = median(r.sg);
    console.log(`${r.what.padEnd(46)} ${`${k.toFixed(1)} ms`.padStart(9)} ${`${s.toFixed(1)} ms`.padStart(11)} ${`${(s / k).toFixed(1)}×`.padStart(7)}`);
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
