/**
 * A real terminal model for tests: xterm.js's headless terminal (the emulator of VS Code's
 * terminal), which keeps the pending-wrap state, scroll regions and SGR attributes the
 * way xterm does. Tests write what the console sends and read back the cells.
 */
import xterm from '@xterm/headless';

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

export function terminalModel(columns: number, rows: number): TerminalModel {
  const term = new Terminal({ cols: columns, rows, allowProposedApi: true, scrollback: 0 });
  const buffer = () => term.buffer.active;
  return {
    write: (data) => new Promise((resolve) => term.write(data, resolve)),
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
