/** scripts/screenshots/render.ts: a tmux capture (SGR colors) through xterm's headless terminal into styled cells and HTML. */
import { describe, expect, it } from 'vitest';
import { captureCells, captureToHtml, color256, COLS, ROWS, THEME } from '../../scripts/screenshots/render.js';

describe('screenshot rendering', () => {
  it('keeps colors across lines (tmux carries SGR state), and resets on SGR 0', async () => {
    const grid = await captureCells('\x1b[31mred\nstill red\x1b[0m plain\n', 20, 3);
    expect(grid[0]?.[0]).toEqual({ ch: 'r', css: `color:${THEME.ansi[1]}` });
    expect(grid[1]?.[0]).toEqual({ ch: 's', css: `color:${THEME.ansi[1]}` });
    expect(grid[1]?.[10]).toEqual({ ch: 'p', css: `color:${THEME.fg}` });
  });

  it('256-color and RGB backgrounds, inverse, bold', async () => {
    const grid = await captureCells('\x1b[48;5;196mA\x1b[0m\x1b[48;2;1;2;3mB\x1b[0m\x1b[7mC\x1b[0m\x1b[1mD\n', 10, 1);
    const row = grid[0] ?? [];
    expect(row[0]?.css).toBe(`color:${THEME.fg};background:${color256(196)}`);
    expect(row[1]?.css).toBe(`color:${THEME.fg};background:#010203`);
    expect(row[2]?.css).toBe(`color:${THEME.bg};background:${THEME.fg}`);
    expect(row[3]?.css).toBe(`color:${THEME.fg};font-weight:bold`);
  });

  it('a wide character takes two cells (the terminal decides, not a width table)', async () => {
    const grid = await captureCells('\u4e2d|\n', 10, 1);
    expect(grid[0]?.slice(0, 3).map((c) => c.ch)).toEqual(['\u4e2d', '', '|']);
  });

  it('the page has one row per terminal row, text escaped', async () => {
    const html = await captureToHtml('<a> & b\n', 'konf: test');
    expect(html.match(/<div class="r">/g)).toHaveLength(ROWS);
    expect(html).toContain('&lt;a&gt; &amp; b');
    expect(COLS).toBe(120);
  });
});
