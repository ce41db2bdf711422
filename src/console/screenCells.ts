/**
 * A terminal row as cells, for the writer's cell differ (screen.ts): each column's
 * character ('' for the second column of a wide one) and the SGR state it is drawn in,
 * parsed once per distinct line (a bounded cache).
 */
import { simpleWidth } from './ink/textWidth.js';

/** A row as cells: the character of each column ('' for the second column of a wide one) and its SGR parameters ('' = plain). */
export interface Cells {
  chars: string[];
  styles: string[];
}

const parsed = new Map<string, Cells | null>();

export function cellsOf(line: string): Cells | undefined {
  let hit = parsed.get(line);
  if (hit === undefined) {
    hit = parseCells(line) ?? null;
    if (parsed.size >= 4000) parsed.clear();
    parsed.set(line, hit);
  }
  return hit ?? undefined;
}

interface Sgr {
  fg: string;
  bg: string;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  blink: boolean;
  inverse: boolean;
  hidden: boolean;
  strike: boolean;
}

const PLAIN: Sgr = { fg: '', bg: '', bold: false, dim: false, italic: false, underline: false, blink: false, inverse: false, hidden: false, strike: false };

function sgrKey(s: Sgr): string {
  const parts: string[] = [];
  if (s.bold) parts.push('1');
  if (s.dim) parts.push('2');
  if (s.italic) parts.push('3');
  if (s.underline) parts.push('4');
  if (s.blink) parts.push('5');
  if (s.inverse) parts.push('7');
  if (s.hidden) parts.push('8');
  if (s.strike) parts.push('9');
  if (s.fg) parts.push(s.fg);
  if (s.bg) parts.push(s.bg);
  return parts.join(';');
}

/** Applies one SGR sequence's parameters; false when one is not understood. */
function applySgr(state: Sgr, params: string): boolean {
  const list = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (p.includes(':')) {
      // 38:5:n / 38:2::r:g:b style colors
      if (p.startsWith('38:')) state.fg = p;
      else if (p.startsWith('48:')) state.bg = p;
      else return false;
      continue;
    }
    const code = p === '' ? 0 : Number(p);
    if (!Number.isInteger(code)) return false;
    if (code === 0) Object.assign(state, PLAIN);
    else if (code === 1) state.bold = true;
    else if (code === 2) state.dim = true;
    else if (code === 3) state.italic = true;
    else if (code === 4 || code === 21) state.underline = true;
    else if (code === 5) state.blink = true;
    else if (code === 7) state.inverse = true;
    else if (code === 8) state.hidden = true;
    else if (code === 9) state.strike = true;
    else if (code === 22) state.bold = state.dim = false;
    else if (code === 23) state.italic = false;
    else if (code === 24) state.underline = false;
    else if (code === 25) state.blink = false;
    else if (code === 27) state.inverse = false;
    else if (code === 28) state.hidden = false;
    else if (code === 29) state.strike = false;
    else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) state.fg = String(code);
    else if (code === 39) state.fg = '';
    else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) state.bg = String(code);
    else if (code === 49) state.bg = '';
    else if (code === 38 || code === 48) {
      const mode = list[i + 1];
      const take = mode === '5' ? 2 : mode === '2' ? 4 : -1;
      if (take < 0 || i + take >= list.length) return false;
      const value = list.slice(i, i + take + 1).join(';');
      if (code === 38) state.fg = value;
      else state.bg = value;
      i += take;
    } else return false;
  }
  return true;
}

/** The cells of a line, or undefined when it holds escapes other than SGR or characters that are not cells of their own. */
function parseCells(line: string): Cells | undefined {
  const chars: string[] = [];
  const styles: string[] = [];
  const state: Sgr = { ...PLAIN };
  let style = '';
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x1b) {
      if (line.charCodeAt(i + 1) !== 0x5b) return undefined;
      let j = i + 2;
      while (j < line.length && !(line.charCodeAt(j) >= 0x40 && line.charCodeAt(j) <= 0x7e)) j++;
      if (j >= line.length || line[j] !== 'm') return undefined;
      if (!applySgr(state, line.slice(i + 2, j))) return undefined;
      style = sgrKey(state);
      i = j;
      continue;
    }
    const ch = line[i]!;
    const w = code >= 0x20 && code < 0x7f ? 1 : simpleWidth(ch);
    if (w !== 1 && w !== 2) return undefined;
    chars.push(ch);
    styles.push(style);
    if (w === 2) {
      chars.push('');
      styles.push(style);
    }
  }
  return { chars, styles };
}
