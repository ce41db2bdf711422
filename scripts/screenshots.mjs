#!/usr/bin/env node
/**
 * `npm run screenshots`: regenerates screenshots/*.png from real console sessions on the
 * demo fleet.
 *
 *   node scripts/screenshots.mjs [--keep]
 *
 * 1. Builds (npm run build) when dist/ is missing or older than src/.
 * 2. Starts `node dist/src/demo/main.js` (real sshd on 127.0.0.1) in a detached tmux
 *    session of a fixed size, on a private tmux server, sends real keys and captures the
 *    pane with its colors (`tmux capture-pane -e -p`) at chosen moments.
 * 3. Turns each capture into HTML (a small SGR-to-HTML converter, fixed dark palette,
 *    DejaVu Sans Mono so box lines connect) and renders it to PNG with headless Chromium.
 * 4. Always cleans up: quits the console with `q` (the demo then stops its sshd and
 *    removes its folder), kills the tmux server, removes its temp folder (unless --keep,
 *    which keeps the captures and HTML for inspection) and checks no sshd of its own is
 *    left.
 *
 * Needs tmux, chromium and fonts-dejavu-core (Debian: apt-get install -y tmux chromium
 * fonts-dejavu-core) and OpenSSH's sshd (the demo says which package if it is missing).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'screenshots');
const DEMO = path.join(ROOT, 'dist/src/demo/main.js');

const COLS = 120;
const ROWS = 36;
/** Rendering: font size in CSS px, line height in px (≤ the font's ascent+descent, so │ lines touch), padding around the grid. */
const FONT_PX = 15;
const LINE_PX = 17;
const PAD_PX = 14;
/** DejaVu Sans Mono's advance width is 1233/2048 em. */
const ADVANCE_EM = 1233 / 2048;
/** Device pixels per CSS pixel: 2 keeps text sharp on high-density screens and when scaled down. */
const SCALE = 2;

const APT = 'sudo apt-get install -y tmux chromium fonts-dejavu-core';
const keep = process.argv.includes('--keep');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stderr.write(`screenshots: ${text}\n`);

// ---------------------------------------------------------------------------------------
// Prerequisites and build
// ---------------------------------------------------------------------------------------

function onPath(cmd) {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function checkTools() {
  const missing = ['tmux', 'chromium'].filter((cmd) => !onPath(cmd));
  let font = true;
  try {
    font = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' }).includes('DejaVu Sans Mono');
  } catch {
    font = existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf');
  }
  if (!font) missing.push('the DejaVu Sans Mono font');
  if (missing.length > 0) {
    log(`missing ${missing.join(', ')}; on Debian/Ubuntu run:\n  ${APT}`);
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const stale = !existsSync(DEMO) || newestMtime(path.join(ROOT, 'src')) > statSync(DEMO).mtimeMs;
  if (!stale) return;
  log('building (npm run build)');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

// ---------------------------------------------------------------------------------------
// tmux
// ---------------------------------------------------------------------------------------

/** Quotes one word for /bin/sh. */
function shWord(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Variables that make Ink think it runs in CI (is-in-ci), which disables live rendering. */
function ciVariables(env = process.env) {
  return Object.keys(env).filter((k) => k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_'));
}

class Tmux {
  constructor(socket, name) {
    this.socket = socket;
    this.name = name;
  }

  cmd(args) {
    return run('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** A detached session running `argv` (stderr to a file) on a private server configured by `confFile` (never ~/.tmux.conf). */
  static async start(argv, { confFile, env, unset, cwd, stderr }) {
    const tmux = new Tmux(`konf-screenshots-${process.pid}`, 'konf');
    const words = ['env', ...unset.flatMap((k) => ['-u', k]), ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];
    const line = `${words.map(shWord).join(' ')} 2>>${shWord(stderr)}`;
    await run('tmux', ['-L', tmux.socket, '-f', confFile, 'new-session', '-d', '-s', tmux.name, '-x', String(COLS), '-y', String(ROWS), '-c', cwd, line]);
    return tmux;
  }

  /** One key in tmux notation (`Enter`, `Escape`, `Space`) or a character. */
  async key(key) {
    await this.cmd(['send-keys', '-t', this.name, key]);
    // A person's pace: one key per read, and time to render between keys.
    await sleep(120);
  }

  async capture({ colors = false } = {}) {
    const args = ['capture-pane', '-p', '-t', this.name];
    // -N keeps trailing spaces: they may carry a background (a reverse-video bar to the edge).
    if (colors) args.push('-e', '-N');
    return (await this.cmd(args)).stdout;
  }

  async paneDead() {
    try {
      return (await this.cmd(['display-message', '-p', '-t', this.name, '#{pane_dead}'])).stdout.trim() === '1';
    } catch {
      return true; // no session: nothing runs any more
    }
  }

  async waitFor(predicate, what, timeoutMs = 30_000, pollMs = 60) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.capture();
      if (predicate(screen)) return screen;
      if (await this.paneDead()) throw new Error(`the console exited while waiting for ${what}; screen:\n${screen}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; screen:\n${screen}`);
      await sleep(pollMs);
    }
  }

  waitForText(text, timeoutMs) {
    const ok = (s) => (typeof text === 'string' ? s.includes(text) : text.test(s));
    return this.waitFor(ok, String(text), timeoutMs);
  }

  /** Waits until two captures in a row (taken `ms` apart) are identical: the screen has settled. */
  async settled(ms = 250) {
    let previous = await this.capture({ colors: true });
    for (let i = 0; i < 40; i++) {
      await sleep(ms);
      const screen = await this.capture({ colors: true });
      if (screen === previous) return screen;
      previous = screen;
    }
    return previous;
  }

  async killServer() {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------
// Reading the console's screen
// ---------------------------------------------------------------------------------------

/** The host list's rows: the text left of the first pane border. */
function hostRows(screen) {
  return screen
    .split('\n')
    .map((line) => line.split('\u2502')[0])
    .filter((left) => /^[ >*]{2}\S/.test(left) || /^>\*\S/.test(left));
}

const FINAL_STATUS = /\s(in sync|\d+ pending|\d+ drifted|unreachable)\s/;

/** True when the header's host count matches the rows showing a final status: the background checks are done. */
function checksDone(screen) {
  const total = /(\d+) hosts/.exec(screen.split('\n')[0] ?? '');
  if (!total) return false;
  const done = hostRows(screen).filter((row) => FINAL_STATUS.test(`${row} `));
  return done.length === Number(total[1]);
}

const selected = (screen, host) => hostRows(screen).some((row) => new RegExp(`^>[ *]${host}\\s`).test(row));
const selectedHost = (screen) => {
  const row = hostRows(screen).find((r) => r.startsWith('>'));
  return row ? row.slice(1).replace(/^\*/, '').trim().split(/\s+/)[0] : undefined;
};
const hintBar = (screen) => screen.trimEnd().split('\n').at(-1) ?? '';
/** The host list has the focus when the hint bar offers Space (mark). */
const inHostList = (screen) => hintBar(screen).includes('Space mark');

/** Moves the host list's cursor to `host` with j/k, one key at a time. */
async function selectHost(tmux, host) {
  let screen = await tmux.capture();
  const order = hostRows(screen).map((r) => r.slice(1).replace(/^\*/, '').trim().split(/\s+/)[0]);
  const target = order.indexOf(host);
  if (target < 0) throw new Error(`no host ${host} in the list:\n${screen}`);
  for (let guard = 0; !selected(screen, host) && guard < order.length * 2; guard++) {
    const from = order.indexOf(selectedHost(screen));
    await tmux.key(from < target ? 'j' : 'k');
    const expected = order[from < target ? from + 1 : from - 1];
    screen = await tmux.waitFor((s) => selected(s, expected), `> ${expected}`, 5_000);
  }
  return screen;
}

/** Presses Escape until the host list has the focus (at most a few times). */
async function backToHostList(tmux) {
  for (let i = 0; i < 4; i++) {
    if (inHostList(await tmux.capture())) return;
    await tmux.key('Escape');
    await sleep(200);
  }
  await tmux.waitFor(inHostList, 'the host list to have the focus', 5_000);
}

// ---------------------------------------------------------------------------------------
// ANSI (tmux capture-pane -e) to HTML
// ---------------------------------------------------------------------------------------

/** A dark terminal theme: default colors and the 16 ANSI colors. */
const THEME = {
  fg: '#d3d7de',
  bg: '#1b1e24',
  ansi: [
    '#2a2e36', // black
    '#e5727b', // red
    '#9bcf7f', // green
    '#e8c27c', // yellow
    '#6fb0ef', // blue
    '#c98ce0', // magenta
    '#5fbfcb', // cyan
    '#b9bec8', // white
    '#6b7280', // bright black
    '#f28d95', // bright red
    '#b6e39d', // bright green
    '#f3d79f', // bright yellow
    '#93c5fb', // bright blue
    '#dcaaf0', // bright magenta
    '#86d6df', // bright cyan
    '#eef0f4', // bright white
  ],
};

/** xterm's 256-color table: 16 theme colors, a 6×6×6 cube, 24 grays. */
function color256(n) {
  if (n < 16) return THEME.ansi[n];
  if (n < 232) {
    const i = n - 16;
    const level = (v) => (v === 0 ? 0 : 55 + v * 40);
    return rgbHex(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const g = 8 + (n - 232) * 10;
  return rgbHex(g, g, g);
}

function rgbHex(r, g, b) {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0')).join('')}`;
}

/** `a` moved toward `b` by `t` (0..1). */
function mix(a, b, t) {
  const p = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [x, y] = [p(a), p(b)];
  return rgbHex(...x.map((v, i) => Math.round(v + (y[i] - v) * t)));
}

const DEFAULT_STYLE = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };

/** Applies one SGR parameter list to a style (returns a new style). */
function applySgr(style, params) {
  const s = { ...style };
  const codes = params === '' ? [0] : params.split(';').map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.assign(s, DEFAULT_STYLE);
    else if (c === 1) s.bold = true;
    else if (c === 2) s.dim = true;
    else if (c === 3) s.italic = true;
    else if (c === 4) s.underline = true;
    else if (c === 7) s.inverse = true;
    else if (c === 22) s.bold = s.dim = false;
    else if (c === 23) s.italic = false;
    else if (c === 24) s.underline = false;
    else if (c === 27) s.inverse = false;
    else if (c >= 30 && c <= 37) s.fg = THEME.ansi[c - 30];
    else if (c === 39) s.fg = null;
    else if (c >= 40 && c <= 47) s.bg = THEME.ansi[c - 40];
    else if (c === 49) s.bg = null;
    else if (c >= 90 && c <= 97) s.fg = THEME.ansi[c - 90 + 8];
    else if (c >= 100 && c <= 107) s.bg = THEME.ansi[c - 100 + 8];
    else if (c === 38 || c === 48) {
      let value = null;
      if (codes[i + 1] === 5) {
        value = color256(codes[i + 2] ?? 0);
        i += 2;
      } else if (codes[i + 1] === 2) {
        value = rgbHex(codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0);
        i += 4;
      }
      if (c === 38) s.fg = value;
      else s.bg = value;
    }
    // Anything else (blink, strike-through, …) does not occur in the console; ignored.
  }
  return s;
}

/** Terminal cells of one character: 2 for East Asian wide and emoji, else 1. */
function cellWidth(cp) {
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/**
 * The screen as rows of cells `{ ch, style }`. tmux carries the SGR state from one line
 * to the next and trims trailing blank cells, so rows are padded with default cells.
 */
function parseAnsi(text, cols, rows) {
  const grid = [];
  let style = DEFAULT_STYLE;
  let row = [];
  const lines = text.replace(/\n$/, '').split('\n');
  for (const line of lines) {
    row = [];
    // eslint-disable-next-line no-control-regex
    const re = /\x1b\[([0-9;:?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|([^\x1b]+)/g;
    let m;
    while ((m = re.exec(line))) {
      if (m[2] === 'm') style = applySgr(style, m[1].replace(/:/g, ';'));
      else if (m[3] !== undefined) {
        for (const ch of m[3]) {
          row.push({ ch, style });
          if (cellWidth(ch.codePointAt(0)) === 2) row.push({ ch: '', style });
        }
      }
      // Other escape sequences do not change what a cell shows: skipped.
    }
    grid.push(row.slice(0, cols));
  }
  while (grid.length < rows) grid.push([]);
  return grid.slice(0, rows).map((r) => {
    while (r.length < cols) r.push({ ch: ' ', style: DEFAULT_STYLE });
    return r;
  });
}

function cssFor(style) {
  let fg = style.fg ?? THEME.fg;
  let bg = style.bg ?? THEME.bg;
  if (style.inverse) [fg, bg] = [bg, fg];
  if (style.dim) fg = mix(fg, bg, 0.45);
  const css = [`color:${fg}`];
  if (bg !== THEME.bg) css.push(`background:${bg}`);
  if (style.bold) css.push('font-weight:bold');
  if (style.italic) css.push('font-style:italic');
  if (style.underline) css.push('text-decoration:underline');
  return css.join(';');
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The capture as a standalone HTML page whose body is exactly `size()` CSS pixels. */
function ansiToHtml(text, title) {
  const grid = parseAnsi(text, COLS, ROWS);
  const rowsHtml = grid.map((cells) => {
    let html = '';
    let run = '';
    let css = null;
    const flush = () => {
      if (run) html += `<span style="${css}">${escapeHtml(run)}</span>`;
      run = '';
    };
    for (const cell of cells) {
      const c = cssFor(cell.style);
      if (c !== css) {
        flush();
        css = c;
      }
      run += cell.ch;
    }
    flush();
    return `<div class="r">${html}</div>`;
  });
  const { width, height } = pageSize();
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
  html, body { margin: 0; padding: 0; background: ${THEME.bg}; overflow: hidden; }
  body { width: ${width}px; height: ${height}px; }
  .t { padding: ${PAD_PX}px; font-family: 'DejaVu Sans Mono', monospace; font-size: ${FONT_PX}px; line-height: ${LINE_PX}px;
       color: ${THEME.fg}; font-variant-ligatures: none; font-kerning: none; text-rendering: optimizeSpeed; }
  .r { height: ${LINE_PX}px; white-space: pre; overflow: hidden; }
  .r span { display: inline-block; height: ${LINE_PX}px; vertical-align: top; }
</style></head>
<body><div class="t">
${rowsHtml.join('\n')}
</div></body></html>
`;
}

function pageSize() {
  return { width: Math.ceil(COLS * ADVANCE_EM * FONT_PX) + 2 * PAD_PX, height: ROWS * LINE_PX + 2 * PAD_PX };
}

// ---------------------------------------------------------------------------------------
// HTML to PNG (headless Chromium)
// ---------------------------------------------------------------------------------------

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file) {
  const b = readFileSync(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

async function renderPng(htmlFile, pngFile, profileDir) {
  const { width, height } = pageSize();
  rmSync(pngFile, { force: true });
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profileDir}`,
    '--hide-scrollbars',
    `--force-device-scale-factor=${SCALE}`,
    `--window-size=${width},${height}`,
    `--screenshot=${pngFile}`,
    `file://${htmlFile}`,
  ];
  const child = spawn('chromium', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL'); // its own process group: the wrapper and its children
      } catch {
        /* already gone */
      }
    }, 60_000);
    child.on('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(signal ?? c);
    });
  });
  if (!existsSync(pngFile)) throw new Error(`chromium wrote no ${path.basename(pngFile)} (exit ${code}):\n${stderr.slice(-2000)}`);
  const size = pngSize(pngFile);
  if (size.width !== width * SCALE || size.height !== height * SCALE)
    throw new Error(`${path.basename(pngFile)} is ${size.width}×${size.height}, expected ${width * SCALE}×${height * SCALE}`);
  return size;
}

// ---------------------------------------------------------------------------------------
// The session
// ---------------------------------------------------------------------------------------

/** Our own sshd (and demo) processes: the ones whose command line names the demo's folder. */
function ourProcesses(dir) {
  try {
    return execFileSync('pgrep', ['-af', dir], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

async function main() {
  checkTools();
  buildIfNeeded();

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-screenshots-'));
  // The demo's own folder (removed by the demo when it quits); its paths show in hook output, so short.
  const demoDir = mkdtempSync(path.join(os.tmpdir(), 'konf-demo-'));
  const configDir = path.join(tmp, 'config');
  const captureDir = path.join(tmp, 'captures');
  const demoLog = path.join(tmp, 'demo.log');
  const confFile = path.join(tmp, 'tmux.conf');
  mkdirSync(captureDir);
  mkdirSync(OUT, { recursive: true });
  // No status line (the pane gets every row); a dead pane stays, to read its last screen.
  writeFileSync(confFile, 'set -g status off\nset -g remain-on-exit on\n');

  let tmux;
  let stopped;
  /** Quits the console as a user would (the demo then stops its sshd and removes its folder), then kills the tmux server. */
  const stopSession = () =>
    (stopped ??= (async () => {
      if (tmux) {
        if (!(await tmux.paneDead())) {
          await tmux.key('q').catch(() => undefined);
          for (let i = 0; i < 100 && !(await tmux.paneDead()); i++) {
            if (i === 50) {
              // Still running (an operation asked before quitting): Ctrl-C twice cancels it and quits.
              await tmux.key('C-c').catch(() => undefined);
              await tmux.key('C-c').catch(() => undefined);
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
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    void stopSession()
      .then(removeTmp)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const captures = [];
  const shoot = async (name, screen) => {
    const ansi = screen ?? (await tmux.settled());
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
      tmux = await Tmux.start(['node', DEMO, '--dir', demoDir], {
        confFile,
        cwd: ROOT,
        // Ink renders nothing interactive under CI; colors come from TERM alone.
        unset: [...ciVariables(), 'FORCE_COLOR', 'NO_COLOR', 'COLORTERM'],
        env: { TERM: 'xterm-256color', KONF_CONFIG_DIR: configDir },
        stderr: demoLog,
      });
      const progress = setInterval(echoProgress, 200);
      try {
        await tmux.waitForText(/Hosts \d/, 180_000);
      } finally {
        clearInterval(progress);
        echoProgress();
      }

      // 1. The host list once every background check has finished.
      log('console is up; waiting for the background checks');
      await tmux.waitFor(checksDone, 'every host to show its status', 60_000);
      await shoot('hosts');

      // 2. web1's diff, side by side.
      await selectHost(tmux, 'web1');
      await tmux.key('d');
      await tmux.waitFor((s) => /web1 .*pending/.test(s) && /\d+\/\d+ unified/.test(s) && !inHostList(s), 'web1\u2019s diff (unified)', 15_000);
      await tmux.key('v');
      await tmux.waitForText(/\d+\/\d+ side-by-side/, 10_000);
      await shoot('diff-side-by-side');
      await tmux.key('v'); // back to unified (the layout is a saved preference)
      await tmux.waitForText(/\d+\/\d+ unified/, 10_000);
      await backToHostList(tmux);

      // 3. The rollback picker on mail1 (deployed during the demo setup: it has a pre-deploy snapshot), and its preview.
      await selectHost(tmux, 'mail1');
      await tmux.key('r');
      await tmux.waitFor((s) => s.includes('snapshots, newest first') && s.includes('pre-deploy'), 'mail1\u2019s snapshot history', 15_000);
      await shoot('rollback-picker');
      await tmux.key('Enter');
      await tmux.waitForText('Rollback preview: mail1', 15_000);
      await tmux.waitForText(/\d+\/\d+ (unified|side-by-side)/, 15_000);
      await shoot('rollback-preview');
      await backToHostList(tmux);

      // 4. The help overlay.
      await tmux.key('?');
      await tmux.waitForText(/Keys \(\d+/, 10_000);
      await shoot('help');
      await tmux.key('?');
      await tmux.waitFor((s) => !/Keys \(\d+/.test(s), 'the help to close', 10_000);
      await backToHostList(tmux);

      // 5. A batch deploy of three marked hosts, with a taller log pane.
      for (let i = 0; i < 6; i++) await tmux.key('+');
      const marked = (s) => Number(/Hosts \d+ · (\d+) marked/.exec(s)?.[1] ?? 0);
      for (const host of ['db1', 'mail1', 'web1']) {
        const before = marked(await selectHost(tmux, host));
        await tmux.key('Space');
        await tmux.waitFor((s) => marked(s) === before + 1, `${before + 1} marked`, 5_000);
      }
      // Back on a marked host, its Diff tab open: the detail pane shows what is being deployed.
      await selectHost(tmux, 'web1');
      await tmux.key('4');
      await tmux.waitFor((s) => s.includes('/etc/nginx/nginx.conf') && /\d+\/\d+ unified/.test(s), 'web1\u2019s diff', 15_000);
      await tmux.key('D');
      await tmux.waitForText(/y\s+deploy/, 15_000);
      await tmux.key('y');
      // Catch the fleet mid-deploy: hosts running, hooks printing to the log.
      const during = await tmux
        .waitFor((s) => s.includes('deploy running') && (s.match(/running post-deploy hook/g) ?? []).length >= 2, 'the deploy\u2019s post-deploy hooks', 30_000, 25)
        .then(() => tmux.capture({ colors: true }))
        .catch(() => undefined);
      if (during) await shoot('deploy-log', during);
      await tmux.waitForText(/deploy done/, 60_000);
      if (!during) {
        log('the deploy finished before a mid-run capture; capturing its end');
        await shoot('deploy-log');
      }
    } finally {
      await stopSession();
    }

    // Render (the fleet is gone by now): three Chromiums at a time, each with its own fresh profile.
    const queue = [...captures];
    const worker = async (n) => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const htmlFile = path.join(captureDir, `${job.name}.html`);
        writeFileSync(htmlFile, ansiToHtml(job.ansi, `konf: ${job.name}`));
        const png = path.join(OUT, `${job.name}.png`);
        const size = await renderPng(htmlFile, png, path.join(tmp, `chromium-${n}`));
        log(`wrote screenshots/${job.name}.png (${size.width}×${size.height}, ${Math.round(statSync(png).size / 1024)} KiB)`);
      }
    };
    await Promise.all([1, 2, 3].map(worker));
  } finally {
    removeTmp();
  }
}

main().catch((err) => {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
