/**
 * A console capture (`tmux capture-pane -e -N`: text with SGR colors) as an HTML page and
 * a PNG. The capture is played into xterm.js's headless terminal (the emulator
 * test/helpers/terminalModel.ts uses), which does the ANSI parsing and the character
 * widths; this file only maps its cells to styled HTML (a fixed dark palette, DejaVu Sans
 * Mono so box lines connect) and runs headless Chromium on it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import xterm from '@xterm/headless';

const { Terminal } = xterm;

export const COLS = 120;
export const ROWS = 36;
/** Rendering: font size in CSS px, line height in px (≤ the font's ascent+descent, so │ lines touch), padding around the grid. */
const FONT_PX = 15;
const LINE_PX = 17;
const PAD_PX = 14;
/** DejaVu Sans Mono's advance width is 1233/2048 em. */
const ADVANCE_EM = 1233 / 2048;
/** Device pixels per CSS pixel: 2 keeps text sharp on high-density screens and when scaled down. */
const SCALE = 2;

/** A dark terminal theme: default colors and the 16 ANSI colors. */
export const THEME = {
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

function rgbHex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, '0')).join('')}`;
}

/** xterm's 256-color table, with the theme's 16 colors first. */
export function color256(n: number): string {
  if (n < 16) return THEME.ansi[n] ?? THEME.fg;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return rgbHex(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const g = 8 + (n - 232) * 10;
  return rgbHex(g, g, g);
}

/** `a` moved toward `b` by `t` (0..1). */
function mix(a: string, b: string, t: number): string {
  const p = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [x, y] = [p(a), p(b)];
  const m = x.map((v, i) => Math.round(v + ((y[i] ?? v) - v) * t));
  return rgbHex(m[0] ?? 0, m[1] ?? 0, m[2] ?? 0);
}

/** One screen cell as the page shows it. */
export interface Cell {
  ch: string;
  css: string;
}

type XtermCell = NonNullable<ReturnType<NonNullable<ReturnType<InstanceType<typeof Terminal>['buffer']['active']['getLine']>>['getCell']>>;

function colorOf(cell: XtermCell, which: 'fg' | 'bg'): string | undefined {
  const [isDefault, isPalette, isRgb, value] =
    which === 'fg' ? [cell.isFgDefault(), cell.isFgPalette(), cell.isFgRGB(), cell.getFgColor()] : [cell.isBgDefault(), cell.isBgPalette(), cell.isBgRGB(), cell.getBgColor()];
  if (isDefault) return undefined;
  if (isPalette) return color256(value);
  if (isRgb) return rgbHex((value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff);
  return undefined;
}

function cssFor(cell: XtermCell): string {
  let fg = colorOf(cell, 'fg') ?? THEME.fg;
  let bg = colorOf(cell, 'bg') ?? THEME.bg;
  if (cell.isInverse()) [fg, bg] = [bg, fg];
  if (cell.isDim()) fg = mix(fg, bg, 0.45);
  const css = [`color:${fg}`];
  if (bg !== THEME.bg) css.push(`background:${bg}`);
  if (cell.isBold()) css.push('font-weight:bold');
  if (cell.isItalic()) css.push('font-style:italic');
  if (cell.isUnderline()) css.push('text-decoration:underline');
  return css.join(';');
}

/**
 * The capture as rows of cells. Each captured line is placed at its row; tmux carries the
 * SGR state from one line to the next, and so does the terminal here. A wide character
 * is one cell followed by an empty one, as on the screen.
 */
export async function captureCells(capture: string, cols = COLS, rows = ROWS): Promise<Cell[][]> {
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  try {
    const lines = capture.replace(/\n$/, '').split('\n').slice(0, rows);
    const data = lines.map((line, i) => `\x1b[${i + 1};1H${line}`).join('');
    await new Promise<void>((resolve) => term.write(data, resolve));
    const grid: Cell[][] = [];
    for (let y = 0; y < rows; y++) {
      const line = term.buffer.active.getLine(y);
      const row: Cell[] = [];
      for (let x = 0; x < cols; x++) {
        const cell = line?.getCell(x);
        if (!cell) row.push({ ch: ' ', css: `color:${THEME.fg}` });
        else if (cell.getWidth() === 0) row.push({ ch: '', css: cssFor(cell) });
        else row.push({ ch: cell.getChars() || ' ', css: cssFor(cell) });
      }
      grid.push(row);
    }
    return grid;
  } finally {
    term.dispose();
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function pageSize(): { width: number; height: number } {
  return { width: Math.ceil(COLS * ADVANCE_EM * FONT_PX) + 2 * PAD_PX, height: ROWS * LINE_PX + 2 * PAD_PX };
}

/** The capture as a standalone HTML page whose body is exactly `pageSize()` CSS pixels. */
export async function captureToHtml(capture: string, title: string): Promise<string> {
  const grid = await captureCells(capture);
  const rowsHtml = grid.map((cells) => {
    let html = '';
    let run = '';
    let css: string | undefined;
    const flush = () => {
      if (run) html += `<span style="${css ?? ''}">${escapeHtml(run)}</span>`;
      run = '';
    };
    for (const cell of cells) {
      if (cell.css !== css) {
        flush();
        css = cell.css;
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

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Renders the page to a PNG with headless Chromium (its own profile folder; killed, by process group, after 60 s). */
export async function renderPng(htmlFile: string, pngFile: string, profileDir: string): Promise<{ width: number; height: number }> {
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
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | string | null>((resolve) => {
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); // its own process group: the wrapper and its children
      } catch {
        /* already gone */
      }
    }, 60_000);
    child.on('exit', (c, signal) => {
      clearTimeout(timer);
      resolve(signal ?? c);
    });
  });
  if (!existsSync(pngFile)) throw new Error(`chromium wrote no ${path.basename(pngFile)} (exit ${String(code)}):\n${stderr.slice(-2000)}`);
  const size = pngSize(pngFile);
  if (size.width !== width * SCALE || size.height !== height * SCALE) throw new Error(`${path.basename(pngFile)} is ${size.width}×${size.height}, expected ${width * SCALE}×${height * SCALE}`);
  return size;
}
