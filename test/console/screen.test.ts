/**
 * The console's terminal writer (src/console/screen.ts) against a real terminal model
 * (xterm's headless terminal): whatever it sends must leave exactly the frame on screen,
 * including lines that fill the last column (pending wrap) and updates that scroll a
 * region of the screen (DECSTBM + SU/SD).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { screenDiff, ScreenWriter } from '../../src/console/screen.js';
import { frameCells, terminalModel } from '../helpers/terminalModel.js';

const COLS = 48;
const ESC = String.fromCharCode(27);
/** DECSTBM (scroll margins) and SU/SD (scroll up/down). */
const MARGINS = new RegExp(`${ESC}\\[\\d+;\\d+r`);
const SCROLL = new RegExp(`${ESC}\\[\\d*[ST]`);
const ROWS = 12;

/** Sends each frame through screenDiff into one terminal and checks the screen after each. */
async function playFrames(frames: string[][], columns = COLS, rows = ROWS): Promise<string[]> {
  const model = terminalModel(columns, rows);
  const sent: string[] = [];
  try {
    let shown: string[] = [];
    for (const frame of frames) {
      const data = screenDiff(shown, frame, rows, columns);
      sent.push(data);
      await model.write(data);
      expect(model.cells(), `after frame:\n${frame.join('\n')}`).toEqual(await frameCells(frame.join('\n'), columns, rows));
      shown = frame.slice(0, rows);
    }
    return sent;
  } finally {
    model.dispose();
  }
}

const hostRow = (i: number, selected: boolean) => `${selected ? '\x1b[7m>' : ' '} host${String(i).padStart(4, '0')}  \x1b[32min sync\x1b[39m${selected ? '\x1b[27m' : ''}`;

/** A screen like the console's: title, a host list on the left with a pane beside it, a hint line. */
function consoleFrame(top: number, selected: number, detail: (row: number) => string = () => ''): string[] {
  const lines = ['\x1b[7m konf \u00b7 fleet\x1b[27m'];
  for (let r = 0; r < ROWS - 2; r++) {
    const host = top + r;
    const left = hostRow(host, host === selected);
    const pad = ' '.repeat(Math.max(0, 22 - (host === selected ? 20 : 20)));
    lines.push(`${left}${pad}\x1b[2m\u2502\x1b[22m${detail(r)}`);
  }
  lines.push('\x1b[2mj/k move  q quit\x1b[22m');
  return lines;
}

describe('screen writer on a real terminal model', () => {
  it('keeps the last character of a line that fills the last column (no erase in the pending-wrap position)', async () => {
    const full = 'x'.repeat(COLS - 1) + 'Z';
    const styled = `\x1b[7m${'y'.repeat(COLS - 1)}W\x1b[27m`;
    await playFrames([
      ['a', full, 'b', styled],
      ['a', `${full.slice(0, -1)}Q`, 'c', styled],
    ]);
  });

  it('keeps the last character of a full-width line sent whole (a row the cell differ does not take apart is written whole)', async () => {
    // An attribute the cell differ does not model (SGR 53, overline): such a row is written whole.
    const accented = `${'x'.repeat(COLS - 2)}\x1b[53mo\x1b[55mZ`;
    const accentedStyled = `\x1b[7m${'y'.repeat(COLS - 2)}\x1b[53mo\x1b[55mW\x1b[27m`;
    await playFrames([
      ['a', 'short', 'b', 'short'],
      ['a', accented, 'b', accentedStyled],
      ['a', `${accented.slice(0, -1)}Q`, 'c', accentedStyled],
    ]);
  });

  it('shows every frame exactly while a cursor moves inside the list and scrolls it', async () => {
    const frames: string[][] = [];
    let top = 0;
    for (let selected = 0; selected < 30; selected++) {
      if (selected >= top + ROWS - 2) top = selected - (ROWS - 3);
      frames.push(consoleFrame(top, selected, (r) => (r < 3 ? ` switch${r} = value` : '')));
    }
    for (let selected = 29; selected >= 0; selected--) {
      if (selected < top) top = selected;
      frames.push(consoleFrame(top, selected, (r) => (r < 3 ? ` switch${r} = value` : '')));
    }
    const sent = await playFrames(frames);
    // A move that scrolls the list uses a scroll region rather than rewriting every row.
    const scrolls = sent.filter((data) => MARGINS.test(data) && SCROLL.test(data));
    expect(scrolls.length).toBeGreaterThan(10);
    for (const data of scrolls) expect(Buffer.byteLength(data)).toBeLessThan(400);
  });

  it('scrolls a pane beside a fixed one (diff next to the host list) and a full-width log', async () => {
    const diffLine = (n: number) => `${String(n).padStart(5)} ${n % 7 === 0 ? '\x1b[31m-old\x1b[39m' : ' same'} line ${n}`;
    const frames: string[][] = [];
    for (let top = 0; top < 20; top++) frames.push(consoleFrame(100, 103, (r) => diffLine(top + r)));
    const sent = await playFrames(frames);
    expect(sent.slice(1).some((data) => SCROLL.test(data))).toBe(true);
    // A log: new lines at the bottom push the others up.
    const logLine = (n: number) => `${String(n).padStart(3)} \x1b[33mweb${n % 3}\x1b[39m deploy step ${n}`;
    const log = (last: number) => Array.from({ length: ROWS }, (_, r) => logLine(last - ROWS + 1 + r));
    const logSent = await playFrames([log(20), log(21), log(23), log(24)]);
    for (const data of logSent.slice(1)) expect(Buffer.byteLength(data)).toBeLessThan(120);
  });

  it('shows frames of random changes exactly (rows changed, shifted, cleared, wide characters)', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const word = () => ['ab', '\x1b[31mred\x1b[39m', '\u6f22\u5b57', '\u2502', ' ', '\x1b[1mB\x1b[22m', 'xyz'][Math.floor(rnd() * 7)]!;
    const line = () => Array.from({ length: Math.floor(rnd() * 8) }, word).join('');
    let frame = Array.from({ length: ROWS }, line);
    const frames = [frame];
    for (let i = 0; i < 60; i++) {
      const next = [...frame];
      const r = rnd();
      if (r < 0.3) {
        next.splice(Math.floor(rnd() * ROWS), 1);
        next.push(line());
      } else if (r < 0.5) {
        next.pop();
        next.unshift(line());
      } else next[Math.floor(rnd() * ROWS)] = line();
      if (rnd() < 0.2) next.length = Math.floor(rnd() * ROWS);
      frame = Array.from(next, (l) => l ?? '');
      frames.push(frame);
    }
    await playFrames(frames);
  });
});

class FakeTerminal extends EventEmitter {
  columns = COLS;
  rows = ROWS;
  data = '';
  writableNeedDrain = false;
  write(chunk: string) {
    this.data += chunk;
    return true;
  }
}

describe('ScreenWriter', () => {
  it('puts what Ink writes on the terminal, and a repaint draws it all again', async () => {
    const out = new FakeTerminal();
    const writer = new ScreenWriter(out as unknown as NodeJS.WriteStream, { minIntervalMs: 0 });
    writer.write(consoleFrame(0, 0).join('\n'));
    writer.write(consoleFrame(0, 1).join('\n'));
    writer.flush();
    const model = terminalModel(COLS, ROWS);
    await model.write(out.data);
    expect(model.cells()).toEqual(await frameCells(consoleFrame(0, 1).join('\n'), COLS, ROWS));
    out.data = '';
    writer.repaint();
    const fresh = terminalModel(COLS, ROWS);
    await fresh.write(out.data);
    expect(fresh.cells()).toEqual(model.cells());
    model.dispose();
    fresh.dispose();
    writer.close();
  });
});

describe('ScreenWriter when the terminal is resized', () => {
  it('draws the frame laid out for the new size whole on a cleared screen, never the old one at the new width', async () => {
    const out = new FakeTerminal();
    out.columns = 70;
    const writer = new ScreenWriter(out as unknown as NodeJS.WriteStream, { minIntervalMs: 0 });
    const wide = Array.from({ length: ROWS }, (_, r) => `${r === 0 ? 'konf' : ' '.repeat(30)}${' '.repeat(r === 0 ? 26 : 0)}|OLD${String(r).padStart(2, '0')} history tail of the wide frame`.slice(0, 70));
    writer.write(wide.join('\n'));
    writer.flush();
    // Narrower: Ink lays the console out again when it hears of the resize.
    out.columns = 40;
    out.data = '';
    const narrow = Array.from({ length: ROWS }, (_, r) => (r === 0 ? 'konf' : r % 3 === 0 ? `host${r}  in sync` : ''));
    writer.on('resize', () => writer.write(narrow.join('\n')));
    out.emit('resize');
    writer.flush();
    expect(out.data).not.toContain('OLD');
    expect(out.data.startsWith('\x1b[2J')).toBe(true);
    // tmux reflowed the old lines' tails into the rows below: the new frame leaves none of it.
    const model = terminalModel(40, ROWS);
    await model.write(Array.from({ length: ROWS }, (_, r) => `\x1b[${r + 1};1H${'OLD tail reflowed '.repeat(3).slice(0, 40)}`).join('') + out.data);
    expect(model.cells()).toEqual(await frameCells(narrow.join('\n'), 40, ROWS));
    model.dispose();
    writer.close();
  });

  it('cuts rows wider than the terminal at its last column: nothing wraps into the row below or scrolls the screen', async () => {
    const out = new FakeTerminal();
    out.columns = 40;
    const writer = new ScreenWriter(out as unknown as NodeJS.WriteStream, { minIntervalMs: 0 });
    // A frame still laid out for 70 columns (Ink renders once more before the console's own layout follows).
    const wide = Array.from({ length: ROWS }, (_, r) => `\x1b[7mrow${String(r).padStart(2, '0')}\x1b[27m ${'abcdefghij'.repeat(7)}`.slice(0, 80));
    writer.write(wide.join('\n'));
    writer.flush();
    const model = terminalModel(40, ROWS);
    await model.write(out.data);
    const text = model.text();
    for (let r = 0; r < ROWS; r++) expect(text[r], `row ${r}`).toBe(`row${String(r).padStart(2, '0')} ${'abcdefghij'.repeat(7)}`.slice(0, 40));
    // Then the frame for 40 columns: diffed against what is really on screen.
    const narrow = Array.from({ length: ROWS }, (_, r) => (r % 2 ? `host${r}` : ''));
    out.data = '';
    writer.write(narrow.join('\n'));
    writer.flush();
    await model.write(out.data);
    expect(model.cells()).toEqual(await frameCells(narrow.join('\n'), 40, ROWS));
    model.dispose();
    writer.close();
  });

  it('draws the last frame again when nothing new comes (a resize Ink does not answer)', () => {
    const out = new FakeTerminal();
    const writer = new ScreenWriter(out as unknown as NodeJS.WriteStream, { minIntervalMs: 0 });
    writer.write(consoleFrame(0, 0).join('\n'));
    writer.flush();
    out.data = '';
    out.emit('resize');
    expect(out.data.startsWith('\x1b[2J')).toBe(true);
    expect(out.data).toContain('host0000');
    writer.close();
  });
});

describe('ScreenWriter while an editor has the terminal', () => {
  it('writes nothing between suspend() and resume(), then draws the newest frame whole on a cleared screen', async () => {
    const out = new FakeTerminal();
    const writer = new ScreenWriter(out as unknown as NodeJS.WriteStream, { minIntervalMs: 0 });
    writer.write(consoleFrame(0, 0).join('\n'));
    writer.flush();
    writer.suspend();
    out.data = '';
    writer.write(consoleFrame(0, 1).join('\n'));
    writer.write(consoleFrame(0, 2).join('\n'));
    writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.data).toBe('');
    writer.resume();
    // The editor left the screen in any state: the frame comes back whole, from a cleared screen.
    expect(out.data.startsWith('\x1b[2J')).toBe(true);
    const model = terminalModel(COLS, ROWS);
    await model.write('garbage an editor left behind\r\n' + out.data);
    expect(model.cells()).toEqual(await frameCells(consoleFrame(0, 2).join('\n'), COLS, ROWS));
    model.dispose();
    writer.close();
  });
});
