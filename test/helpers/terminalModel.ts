/**
 * A real terminal model for tests: xterm.js's headless terminal (the emulator of VS Code's
 * terminal): scroll regions, SU/SD, SGR attributes, wide characters. Tests write what the
 * console sends and read back the cells.
 *
 * One behaviour is added: xterm, the Linux console and Windows Terminal erase the last
 * column when an erase-in-line (EL) arrives while the cursor waits in the pending-wrap
 * position after a line that filled the last column; xterm.js erases nothing there (its
 * cursor sits past the last column). The model follows the real terminals, so a writer
 * that sends EL after a full-width line is caught here, not only on real screens.
 */
import xterm from '@xterm/headless';
import { simpleWidth } from '../../src/console/ink/textWidth.js';

const { Terminal } = xterm;

export interface TerminalModel {
  /** Feeds bytes as the terminal would receive them; resolves once parsed. */
  write(data: string): Promise<void>;
  /** Each row's text (wide characters once, trailing blanks dropped). */
  text(): string[];
  /** Each row's cells: character plus the attributes that show (color, bold, dim, inverse…). */
  cells(): string[][];
  cursor(): { x: number; y: number };
  dispose(): void;
}

/**
 * Rewrites `data` so that an EL in the pending-wrap position erases the last column, as
 * xterm does (see above). Tracks the cursor through printed characters, CUP, CR, LF.
 */
function withPendingWrapErase(data: string, state: { row: number; col: number; pending: boolean }, columns: number, rows: number): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const ch = data[i]!;
    if (ch === '\x1b') {
      if (data[i + 1] !== '[') {
        state.pending = false;
        out += ch;
        continue;
      }
      let j = i + 2;
      while (j < data.length && !(data.charCodeAt(j) >= 0x40 && data.charCodeAt(j) <= 0x7e)) j++;
      const params = data.slice(i + 2, j);
      const final = data[j];
      const sequence = data.slice(i, j + 1);
      i = j;
      if (final === 'm') {
        out += sequence;
        continue;
      }
      if (final === 'K' && (params === '' || params === '0') && state.pending) {
        out += `\x1b[${state.row};${columns}H\x1b[K`;
        state.col = columns;
        state.pending = false;
        continue;
      }
      if (final === 'H' || final === 'f') {
        const [r, c] = params.split(';');
        state.row = Number(r) || 1;
        state.col = Number(c) || 1;
      } else if (final === 'r') {
        state.row = 1;
        state.col = 1;
      }
      state.pending = false;
      out += sequence;
      continue;
    }
    out += ch;
    if (ch === '\r') {
      state.col = 1;
      state.pending = false;
    } else if (ch === '\n') {
      state.row = Math.min(rows, state.row + 1);
      state.pending = false;
    } else if (ch.charCodeAt(0) >= 0x20) {
      const w = Math.max(1, simpleWidth(ch));
      if (state.pending) {
        state.row = Math.min(rows, state.row + 1);
        state.col = 1;
        state.pending = false;
      }
      const end = state.col + w - 1;
      if (end >= columns) {
        state.col = columns;
        state.pending = true;
      } else state.col = end + 1;
    }
  }
  return out;
}

export function terminalModel(columns: number, rows: number): TerminalModel {
  const term = new Terminal({ cols: columns, rows, allowProposedApi: true, scrollback: 0 });
  const buffer = () => term.buffer.active;
  const cursor = { row: 1, col: 1, pending: false };
  return {
    write: (data) => new Promise((resolve) => term.write(withPendingWrapErase(data, cursor, columns, rows), resolve)),
    text() {
      const out: string[] = [];
      for (let y = 0; y < rows; y++) out.push(buffer().getLine(y)?.translateToString(true) ?? '');
      return out;
    },
    cells() {
      const out: string[][] = [];
      for (let y = 0; y < rows; y++) {
        const line = buffer().getLine(y);
        const row: string[] = [];
        for (let x = 0; x < columns; x++) {
          const cell = line?.getCell(x);
          if (!cell || cell.getWidth() === 0) continue;
          const attrs = [
            cell.isFgDefault() ? '' : `fg${cell.getFgColor()}`,
            cell.isBgDefault() ? '' : `bg${cell.getBgColor()}`,
            cell.isBold() ? 'b' : '',
            cell.isDim() ? 'd' : '',
            cell.isInverse() ? 'i' : '',
            cell.isUnderline() ? 'u' : '',
            cell.isItalic() ? 'it' : '',
          ].join('');
          row.push(`${cell.getChars() || ' '}${attrs ? `[${attrs}]` : ''}`);
        }
        while (row.length > 0 && row[row.length - 1] === ' ') row.pop();
        out.push(row);
      }
      return out;
    },
    cursor: () => ({ x: buffer().cursorX, y: buffer().cursorY }),
    dispose: () => term.dispose(),
  };
}

/** A whole frame (rows joined by \n) as a terminal shows it, each row placed at its line. */
export async function frameCells(frame: string, columns: number, rows: number): Promise<string[][]> {
  const model = terminalModel(columns, rows);
  try {
    const lines = frame.split('\n');
    let data = '';
    lines.slice(0, rows).forEach((line, i) => (data += `\x1b[${i + 1};1H\x1b[0m${line}\x1b[0m`));
    await model.write(data);
    return model.cells();
  } finally {
    model.dispose();
  }
}
