/** Plain-text columns for human output (no colors: safe in pipes, logs and over slow links). */

export type Align = 'left' | 'right';

/**
 * Lays out rows in columns separated by two spaces; the last column is never padded.
 * `align` gives each column's alignment (default left).
 */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          if (i === row.length - 1 && align[i] !== 'right') return cell;
          const w = widths[i] ?? 0;
          return align[i] === 'right' ? cell.padStart(w) : cell.padEnd(w);
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Indents every line of a block. */
export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}
