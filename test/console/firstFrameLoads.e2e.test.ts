/**
 * The built console (`konf console`, the entry `bin` points to) loads nothing its first
 * frame does not need: by a record of every module the process loads, in order, with the
 * moment the first full frame went to the terminal (fixtures/loadRecorder.mjs), not by
 * timing. Before the frame: no SSH stack (ssh2, core/ssh, core/remote), no snapshot store
 * or git code (core/store), no template engine or glob matcher (nunjucks, picomatch:
 * planning), no line diff engine (jsdiff). After it, the background checks of the hosts
 * (which refuse connections: port 9 on 127.0.0.1) do load the SSH stack: the record sees
 * what it must not see before the frame. No Intl.Segmenter is built at all (string-width's
 * module builds one when it is evaluated).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, KONF_MAIN, PROJECT } from '../helpers/konfBin.js';
import { ciVariables, killPids, pidsWithMarker, tmuxAvailable, withTmux } from '../helpers/tmux.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'konf-first-loads-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeAll(async () => {
  await ensureBuilt();
});

const HOSTS = ['web1', 'web2', 'db1'];

/** A fleet repository whose hosts refuse connections (127.0.0.1 port 9), one template among its files. */
function refusingRepo(): string {
  const repo = path.join(scratch, 'repo');
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  };
  put('etc/serverconfig/default', 'role="web"\n');
  for (const h of HOSTS) put(`etc/serverconfig/${h}`, `konf_root="${path.join(scratch, 'roots', h)}"\n`);
  put('etc/files/etc/app/app.conf.tmpl', 'host={{ konf_host }}\n');
  put('etc/files/etc/app/plain.conf', 'plain=yes\n');
  const knownHosts = path.join(scratch, 'known_hosts');
  writeFileSync(knownHosts, '');
  put('etc/ssh_config', `Host *\n  HostName 127.0.0.1\n  Port 9\n  BatchMode yes\n  ConnectTimeout 2\n  UserKnownHostsFile ${knownHosts}\n`);
  return repo;
}

/** The files of the build each output file (dist/-relative) was made from. */
function buildInputs(): Map<string, string[]> {
  const inputs = JSON.parse(readFileSync(path.join(PROJECT, 'dist/.konf-inputs.json'), 'utf8')) as Record<string, string[]>;
  return new Map(Object.entries(inputs).map(([file, list]) => [pathToFileURL(path.join(PROJECT, 'dist', file)).href, list]));
}

/** What must wait until the first frame is on screen, by the build inputs that make it up. */
const NOT_BEFORE_FRAME: [string, RegExp][] = [
  ['ssh2', /node_modules\/ssh2\//],
  ['konf core/ssh', /^src\/core\/ssh\//],
  ['konf core/remote', /^src\/core\/remote\//],
  ['konf core/store (the snapshot store, git)', /^src\/core\/store\//],
  ['nunjucks (templates)', /node_modules\/nunjucks\//],
  ['picomatch (excludes, planning)', /node_modules\/picomatch\//],
  ['jsdiff (the line diff engine: drawn diffs load it)', /node_modules\/diff\//],
];

describe.skipIf(!tmuxAvailable())('the built console, first frame', { timeout: 120_000 }, () => {
  it('loads no SSH, store, template, planning or diff module before its first frame, the checks after it load SSH; no segmenter is built, quitting included', async () => {
    const repo = refusingRepo();
    const record = path.join(scratch, 'loads.txt');
    writeFileSync(record, '');
    // The state folder's path, unique to this run, finds the console's node to kill afterwards.
    const state = path.join(scratch, `state-${process.pid}`);
    const argv = [process.execPath, '--import', pathToFileURL(path.join(here, 'fixtures/loadRecorder.mjs')).href, KONF_MAIN, '--repo', repo, '--state', state, 'console'];
    const env = { KONF_LOAD_RECORD: record, KONF_CONFIG_DIR: path.join(scratch, 'config'), TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
    try {
      await withTmux(argv, { columns: 100, rows: 30, env, unset: ciVariables() }, async (tmux) => {
        await tmux.waitForText('q quit');
        // Every host's check has failed (connection refused): the SSH stack was loaded for them.
        await tmux.waitForText(`${HOSTS.length} failing`, 60_000);
        await tmux.sendKeys('q');
        await tmux.waitFor((screen) => !screen.includes('q quit'), 30_000, 'the console to quit');
      });
    } finally {
      killPids(pidsWithMarker(state));
    }
    const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    const frameAt = lines.indexOf('frame');
    expect(frameAt, lines.join('\n')).toBeGreaterThan(0);
    const inputs = buildInputs();
    const made = (url: string) => inputs.get(url) ?? [];
    const loaded = (from: number, to: number) => lines.slice(from, to).flatMap((l) => (l.startsWith('load ') ? [l.slice(5)] : []));
    const before = loaded(0, frameAt);
    const after = loaded(frameAt + 1, lines.length);
    // The record holds the built entry and its chunks (a record of nothing would prove nothing).
    expect(before).toContain(pathToFileURL(KONF_MAIN).href);
    expect(before.filter((u) => inputs.has(u)).length).toBeGreaterThan(5);
    for (const [what, pattern] of NOT_BEFORE_FRAME) {
      const early = before.filter((u) => made(u).some((input) => pattern.test(input)));
      expect(early, `${what} loaded before the first frame`).toEqual([]);
    }
    // Nothing on these screens needs grapheme segmentation (no emoji, no combining marks):
    // neither string-width nor a segmenter is built, not for the first frame, not for the
    // checks' log lines, not on the way out (Ink's `ESC [ ? 25 h` as it unmounts used to).
    expect(lines.filter((l) => l === 'segmenter')).toEqual([]);
    const late = (pattern: RegExp) => after.some((u) => made(u).some((input) => pattern.test(input)));
    expect(late(/node_modules\/ssh2\//), 'ssh2 loaded for the checks after the first frame').toBe(true);
    expect(late(/^src\/core\/ssh\//)).toBe(true);
  });
});
