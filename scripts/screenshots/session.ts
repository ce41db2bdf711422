/**
 * `npm run screenshots` (scripts/screenshots.mjs runs this): regenerates screenshots/*.png
 * from real console sessions on the demo fleet.
 *
 * 1. Builds (npm run build) when dist/ is missing or older than src/.
 * 2. Starts `node dist/src/demo/main.js` (real sshd on 127.0.0.1) in a detached tmux
 *    session of a fixed size on a private tmux server (test/helpers/tmux.ts, the e2e
 *    tests' harness), sends real keys and captures the pane with its colors at chosen
 *    moments.
 * 3. Turns each capture into HTML through xterm's headless terminal and renders it to PNG
 *    with headless Chromium (render.ts).
 * 4. Always cleans up: quits the console with `q` (the demo then stops its sshd and
 *    removes its folder), kills the tmux server, removes its temp folder (unless --keep,
 *    which keeps the captures and HTML for inspection) and checks no sshd of its own is
 *    left.
 *
 * Needs tmux, chromium and fonts-dejavu-core (Debian: apt-get install -y tmux chromium
 * fonts-dejavu-core) and OpenSSH's sshd (the demo says which package if it is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ciVariables, TmuxSession } from '../../test/helpers/tmux.js';
import { COLS, ROWS, captureToHtml, renderPng } from './render.js';

const APT = 'sudo apt-get install -y tmux chromium fonts-dejavu-core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text: string) => process.stderr.write(`screenshots: ${text}\n`);

function onPath(cmd: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The tools missing on this machine (empty when all are there). */
export function missingTools(): string[] {
  const missing = ['tmux', 'chromium'].filter((cmd) => !onPath(cmd));
  let font = true;
  try {
    font = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' }).includes('DejaVu Sans Mono');
  } catch {
    font = existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf');
  }
  if (!font) missing.push('the DejaVu Sans Mono font');
  return missing;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded(root: string, demo: string): void {
  const stale = !existsSync(demo) || newestMtime(path.join(root, 'src')) > statSync(demo).mtimeMs;
  if (!stale) return;
  log('building (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}

// ---------------------------------------------------------------------------------------
// Reading the console's screen
// ---------------------------------------------------------------------------------------

/** The host list's rows: the text left of the first pane border. */
function hostRows(screen: string): string[] {
  return screen
    .split('\n')
    .map((line) => line.split('\u2502')[0] ?? '')
    .filter((left) => /^[ >*]{2}\S/.test(left) || /^>\*\S/.test(left));
}

const FINAL_STATUS = /\s(in sync|\d+ pending|\d+ drifted|unreachable)\s/;

/** True when the header's host count matches the rows showing a final status: the background checks are done. */
function checksDone(screen: string): boolean {
  const total = /(\d+) hosts?/.exec(screen.split('\n')[0] ?? '');
  if (!total) return false;
  const done = hostRows(screen).filter((row) => FINAL_STATUS.test(`${row} `));
  return done.length === Number(total[1]);
}

const hostName = (row: string) => row.slice(1).replace(/^\*/, '').trim().split(/\s+/)[0] ?? '';
const selected = (screen: string, host: string) => hostRows(screen).some((row) => new RegExp(`^>[ *]${host}\\s`).test(row));
const selectedHost = (screen: string) => {
  const row = hostRows(screen).find((r) => r.startsWith('>'));
  return row ? hostName(row) : undefined;
};
const hintBar = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';
/** The host list has the focus when the hint bar offers Space (mark). */
const inHostList = (screen: string) => hintBar(screen).includes('Space mark');

/** One key at a person's pace: one key per read, and time to render between keys. */
async function key(tmux: TmuxSession, k: string): Promise<void> {
  await tmux.sendKeys(k);
  await sleep(120);
}

/** Waits until two captures in a row (taken `ms` apart) are identical: the screen has settled. */
async function settled(tmux: TmuxSession, ms = 250): Promise<string> {
  const capture = () => tmux.capturePane({ colors: true, trailingSpaces: true });
  let previous = await capture();
  for (let i = 0; i < 40; i++) {
    await sleep(ms);
    const screen = await capture();
    if (screen === previous) return screen;
    previous = screen;
  }
  return previous;
}

/** tmux.waitFor, naming what it waits for first. */
function waitFor(tmux: TmuxSession, predicate: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  return tmux.waitFor(predicate, timeoutMs, what);
}

/** Moves the host list's cursor to `host` with j/k, one key at a time. */
async function selectHost(tmux: TmuxSession, host: string): Promise<string> {
  let screen = await tmux.capturePane();
  const order = hostRows(screen).map(hostName);
  const target = order.indexOf(host);
  if (target < 0) throw new Error(`no host ${host} in the list:\n${screen}`);
  for (let guard = 0; !selected(screen, host) && guard < order.length * 2; guard++) {
    const from = order.indexOf(selectedHost(screen) ?? '');
    await key(tmux, from < target ? 'j' : 'k');
    const expected = order[from < target ? from + 1 : from - 1] ?? host;
    screen = await waitFor(tmux, (s) => selected(s, expected), `> ${expected}`, 5_000);
  }
  return screen;
}

/** Presses Escape until the host list has the focus (at most a few times). */
async function backToHostList(tmux: TmuxSession): Promise<void> {
  for (let i = 0; i < 4; i++) {
    if (inHostList(await tmux.capturePane())) return;
    await key(tmux, 'Escape');
    await sleep(200);
  }
  await waitFor(tmux, inHostList, 'the host list to have the focus', 5_000);
}

/** Our own sshd (and demo) processes: the ones whose command line names the demo's folder. */
function ourProcesses(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

export async function main(root: string, argv: string[]): Promise<void> {
  // --html-only: capture and write the HTML pages (kept), no PNG: for machines without Chromium.
  const htmlOnly = argv.includes('--html-only');
  const keep = htmlOnly || argv.includes('--keep');
  const out = path.join(root, 'screenshots');
  const demo = path.join(root, 'dist/src/demo/main.js');
  const missing = missingTools().filter((tool) => !(htmlOnly && tool === 'chromium'));
  if (missing.length > 0) {
    log(`missing ${missing.join(', ')}; on Debian/Ubuntu run:\n  ${APT}`);
    process.exit(1);
  }
  buildIfNeeded(root, demo);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-screenshots-'));
  // The demo's own folder (removed by the demo when it quits); its paths show in hook output, so short.
  const demoDir = mkdtempSync(path.join(os.tmpdir(), 'konf-demo-'));
  const configDir = path.join(tmp, 'config');
  const captureDir = path.join(tmp, 'captures');
  const demoLog = path.join(tmp, 'demo.log');
  const confFile = path.join(tmp, 'tmux.conf');
  mkdirSync(captureDir);
  mkdirSync(out, { recursive: true });
  // No status line (the pane gets every row); a dead pane stays, to read its last screen.
  writeFileSync(confFile, 'set -g status off\nset -g remain-on-exit on\n');

  let tmux: TmuxSession | undefined;
  let stopped: Promise<void> | undefined;
  /** Quits the console as a user would (the demo then stops its sshd and removes its folder), then kills the tmux server. */
  const stopSession = () =>
    (stopped ??= (async () => {
      if (tmux) {
        if (!(await tmux.paneDead())) {
          await key(tmux, 'q').catch(() => undefined);
          for (let i = 0; i < 100 && !(await tmux.paneDead()); i++) {
            if (i === 50) {
              // Still running (an operation asked before quitting): Ctrl-C twice cancels it and quits.
              await key(tmux, 'C-c').catch(() => undefined);
              await key(tmux, 'C-c').catch(() => undefined);
            }
            await sleep(200);
          }
        }
        // Killing the server hangs up a console that did not quit; the demo stops its fleet on SIGHUP.
        await tmux.killServer();
      }
      for (let i = 0; i < 50 && ourProcesses(demoDir).length > 0; i++) await sleep(200);
      const left = ourProcesses(demoDir);
      if (left.length > 0) {
        log(`still running after the demo quit, stopping them:\n${left.join('\n')}`);
        for (const line of left) {
          try {
            process.kill(Number(line.split(' ')[0]), 'SIGTERM');
          } catch {
            /* already gone */
          }
        }
      }
    })());
  const removeTmp = () => {
    if (keep) log(`kept ${captureDir} (.ansi captures and .html pages)`);
    for (const name of readdirSync(tmp)) if (!(keep && name === 'captures')) rmSync(path.join(tmp, name), { recursive: true, force: true });
    if (!keep) rmSync(tmp, { recursive: true, force: true });
    rmSync(demoDir, { recursive: true, force: true }); // normally gone already
  };
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    void stopSession()
      .then(removeTmp)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const captures: { name: string; ansi: string }[] = [];
  const shoot = async (t: TmuxSession, name: string, screen?: string) => {
    const ansi = screen ?? (await settled(t));
    writeFileSync(path.join(captureDir, `${name}.ansi`), ansi);
    captures.push({ name, ansi });
    log(`captured ${name}`);
  };

  // The demo's progress (stderr) goes to a file, echoed here, not over the console's screen.
  let echoed = 0;
  const echoProgress = () => {
    try {
      const text = readFileSync(demoLog, 'utf8');
      for (const line of text.slice(echoed).split('\n').filter(Boolean)) log(line);
      echoed = text.length;
    } catch {
      /* not written yet */
    }
  };

  try {
    try {
      log(`starting the demo fleet in tmux (${COLS}×${ROWS})`);
      const t = await TmuxSession.start(['node', demo, '--dir', demoDir], {
        columns: COLS,
        rows: ROWS,
        configFile: confFile,
        cwd: root,
        // Ink renders nothing interactive under CI; colors come from TERM alone.
        unset: [...ciVariables(), 'FORCE_COLOR', 'NO_COLOR', 'COLORTERM'],
        env: { TERM: 'xterm-256color', KONF_CONFIG_DIR: configDir },
        stderrFile: demoLog,
      });
      tmux = t;
      const progress = setInterval(echoProgress, 200);
      try {
        await t.waitForText(/Hosts \d/, 180_000);
      } finally {
        clearInterval(progress);
        echoProgress();
      }

      // 1. The host list once every background check has finished.
      log('console is up; waiting for the background checks');
      await waitFor(t, checksDone, 'every host to show its status', 60_000);
      await shoot(t, 'hosts');

      // 2. web1's diff, side by side.
      await selectHost(t, 'web1');
      await key(t, 'd');
      await waitFor(t, (s) => /web1 .*pending/.test(s) && /\d+\/\d+ unified/.test(s) && !inHostList(s), 'web1\u2019s diff (unified)', 15_000);
      await key(t, 'v');
      await t.waitForText(/\d+\/\d+ side-by-side/, 10_000);
      await shoot(t, 'diff-side-by-side');
      await key(t, 'v'); // back to unified (the layout is a saved preference)
      await t.waitForText(/\d+\/\d+ unified/, 10_000);
      await backToHostList(t);

      // 3. The rollback picker on mail1 (deployed during the demo setup: it has a pre-deploy snapshot), and its preview.
      await selectHost(t, 'mail1');
      await key(t, 'r');
      await waitFor(t, (s) => s.includes('snapshots, newest first') && s.includes('pre-deploy'), 'mail1\u2019s snapshot history', 15_000);
      await shoot(t, 'rollback-picker');
      await key(t, 'Enter');
      await t.waitForText('Rollback preview: mail1', 15_000);
      await t.waitForText(/\d+\/\d+ (unified|side-by-side)/, 15_000);
      await shoot(t, 'rollback-preview');
      await backToHostList(t);

      // 4. The help overlay.
      await key(t, '?');
      await t.waitForText(/Keys \(\d+/, 10_000);
      await shoot(t, 'help');
      await key(t, '?');
      await waitFor(t, (s) => !/Keys \(\d+/.test(s), 'the help to close', 10_000);
      await backToHostList(t);

      // 5. A batch deploy of three marked hosts, with a taller log pane.
      for (let i = 0; i < 6; i++) await key(t, '+');
      const marked = (s: string) => Number(/Hosts \d+ · (\d+) marked/.exec(s)?.[1] ?? 0);
      for (const host of ['db1', 'mail1', 'web1']) {
        const before = marked(await selectHost(t, host));
        await key(t, 'Space');
        await waitFor(t, (s) => marked(s) === before + 1, `${before + 1} marked`, 5_000);
      }
      // Back on a marked host, its Diff tab open: the detail pane shows what is being deployed.
      await selectHost(t, 'web1');
      await key(t, '4');
      await waitFor(t, (s) => s.includes('/etc/nginx/nginx.conf') && /\d+\/\d+ unified/.test(s), 'web1\u2019s diff', 15_000);
      await key(t, 'D');
      await t.waitForText(/y\s+deploy/, 15_000);
      await key(t, 'y');
      // Catch the fleet mid-deploy: hosts running, hooks printing to the log.
      const during = await waitFor(t, (s) => s.includes('deploy running') && (s.match(/running post-deploy hook/g) ?? []).length >= 2, 'the deploy\u2019s post-deploy hooks', 30_000)
        .then(() => t.capturePane({ colors: true, trailingSpaces: true }))
        .catch(() => undefined);
      if (during) await shoot(t, 'deploy-log', during);
      await t.waitForText(/deploy done/, 60_000);
      if (!during) {
        log('the deploy finished before a mid-run capture; capturing its end');
        await shoot(t, 'deploy-log');
      }
    } finally {
      await stopSession();
    }

    // Render (the fleet is gone by now): three Chromiums at a time, each with its own fresh profile.
    const queue = [...captures];
    const worker = async (n: number) => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const htmlFile = path.join(captureDir, `${job.name}.html`);
        writeFileSync(htmlFile, await captureToHtml(job.ansi, `konf: ${job.name}`));
        if (htmlOnly) {
          log(`wrote ${htmlFile}`);
          continue;
        }
        const png = path.join(out, `${job.name}.png`);
        const size = await renderPng(htmlFile, png, path.join(tmp, `chromium-${n}`));
        log(`wrote screenshots/${job.name}.png (${size.width}×${size.height}, ${Math.round(statSync(png).size / 1024)} KiB)`);
      }
    };
    await Promise.all([1, 2, 3].map(worker));
  } finally {
    removeTmp();
  }
}
