/**
 * The bundle's replacement for Ink's Output (src/console/ink/fastOutput.ts) must put the
 * very same cells (character and style) on screen as Ink's own for any sequence of writes,
 * clips and transformers, also when rows are served from its cache on later frames.
 */
import { describe, expect, it } from 'vitest';
import InkOutput from '../../node_modules/ink/build/output.js';
import FastOutput from '../../src/console/ink/fastOutput.js';
import { memoizeText } from '../../src/console/ink/memo.js';
import { frameCells } from '../helpers/terminalModel.js';

type Op =
  | { type: 'write'; x: number; y: number; text: string; transformers: ((s: string, i: number) => string)[] }
  | { type: 'clip'; clip: { x1?: number; x2?: number; y1?: number; y2?: number } }
  | { type: 'unclip' };

/** A small deterministic random source (tests must be repeatable). */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Dim is left out: SGR 22 ends bold and dim at once, and Ink's own tokenizer then keeps a
// bold the terminal has ended (its frame would differ from what a terminal shows).
const SGR = ['\x1b[31m', '\x1b[32m', '\x1b[1m', '\x1b[4m', '\x1b[7m', '\x1b[33m', '\x1b[36m', '\x1b[90m'];
const CLOSE: Record<string, string> = { '\x1b[31m': '\x1b[39m', '\x1b[32m': '\x1b[39m', '\x1b[33m': '\x1b[39m', '\x1b[36m': '\x1b[39m', '\x1b[90m': '\x1b[39m', '\x1b[1m': '\x1b[22m', '\x1b[4m': '\x1b[24m', '\x1b[7m': '\x1b[27m' };
const WORDS = ['web1', 'in sync', '3 pending', '\u2502', '\u2026', '\u203a', 'host0042', ' ', '   ', 'setting_7 = value', '\u6f22\u5b57', '-', '+', '\u00b7'];

function styledLine(rnd: () => number): string {
  let out = '';
  const n = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const word = WORDS[Math.floor(rnd() * WORDS.length)]!;
    if (rnd() < 0.4) {
      const code = SGR[Math.floor(rnd() * SGR.length)]!;
      out += code + word + CLOSE[code]!;
    } else out += word;
  }
  return out;
}

function operations(rnd: () => number, width: number, height: number): Op[] {
  const ops: Op[] = [];
  let depth = 0;
  const count = 5 + Math.floor(rnd() * 30);
  for (let i = 0; i < count; i++) {
    const r = rnd();
    if (r < 0.12 && depth < 3) {
      const x1 = Math.floor(rnd() * width);
      const y1 = Math.floor(rnd() * height);
      const clip = rnd() < 0.5 ? { x1, x2: x1 + Math.floor(rnd() * width), y1, y2: y1 + Math.floor(rnd() * height) } : { x1, x2: x1 + Math.floor(rnd() * width) };
      ops.push({ type: 'clip', clip });
      depth++;
    } else if (r < 0.2 && depth > 0) {
      ops.push({ type: 'unclip' });
      depth--;
    } else {
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => styledLine(rnd));
      const transformers: ((s: string, i: number) => string)[] = [];
      if (rnd() < 0.3) transformers.push((s) => `\x1b[1m${s}\x1b[22m`);
      if (rnd() < 0.2) transformers.push((s, index) => (index % 2 ? `\x1b[35m${s}\x1b[39m` : s));
      ops.push({ type: 'write', x: Math.floor(rnd() * width) - (rnd() < 0.1 ? 3 : 0), y: Math.floor(rnd() * (height + 2)) - (rnd() < 0.1 ? 2 : 0), text: lines.join('\n'), transformers });
    }
  }
  return ops;
}

function frame(Output: typeof InkOutput | typeof FastOutput, ops: readonly Op[], width: number, height: number): string {
  const output = new Output({ width, height });
  for (const op of ops) {
    if (op.type === 'write') output.write(op.x, op.y, op.text, { transformers: op.transformers });
    else if (op.type === 'clip') output.clip(op.clip as { x1: number | undefined; x2: number | undefined; y1: number | undefined; y2: number | undefined });
    else output.unclip();
  }
  return output.get().output;
}

describe('fast Output (the bundle renders with it instead of Ink’s)', () => {
  it('shows the same cells as Ink’s Output (in a real terminal model) for random writes, clips and transformers', async () => {
    const rnd = random(13);
    let compared = 0;
    for (let round = 0; round < 100; round++) {
      const width = 10 + Math.floor(rnd() * 70);
      const height = 1 + Math.floor(rnd() * 12);
      const ops = operations(rnd, width, height);
      const expected = await frameCells(frame(InkOutput, ops, width, height), width, height);
      expect(await frameCells(frame(FastOutput, ops, width, height), width, height), `round ${round}`).toEqual(expected);
      // Again: rows now come from the cache.
      expect(await frameCells(frame(FastOutput, ops, width, height), width, height), `round ${round}, cached`).toEqual(expected);
      compared++;
    }
    expect(compared).toBe(100);
  });

  it('shows the same frames when one row changes between frames (a cursor move)', async () => {
    const rows = (selected: number) => Array.from({ length: 20 }, (_, i) => (i === selected ? `\x1b[7m> host${i}\x1b[27m` : `  host${i} \x1b[32min sync\x1b[39m`));
    for (let selected = 0; selected < 20; selected++) {
      const ops: Op[] = [
        { type: 'clip', clip: { x1: 0, x2: 30, y1: 0, y2: 20 } },
        ...rows(selected).map((text, y): Op => ({ type: 'write', x: 0, y, text, transformers: [] })),
        { type: 'unclip' },
        { type: 'write', x: 30, y: 0, text: Array.from({ length: 20 }, () => '\u2502').join('\n'), transformers: [(s) => `\x1b[2m${s}\x1b[22m`] },
      ];
      expect(await frameCells(frame(FastOutput, ops, 60, 20), 60, 20)).toEqual(await frameCells(frame(InkOutput, ops, 60, 20), 60, 20));
    }
  });
});

describe('memoizeText', () => {
  it('returns what the function returns, calling it once per text while remembered', () => {
    let calls = 0;
    const width = memoizeText((s: string) => {
      calls++;
      return s.length;
    }, 10);
    expect(width('abc')).toBe(3);
    expect(width('abc')).toBe(3);
    expect(calls).toBe(1);
    for (let i = 0; i < 30; i++) expect(width('x'.repeat(i))).toBe(i);
    expect(calls).toBe(31);
    // 'abc' was forgotten (bounded), so it is computed again, still right.
    expect(width('abc')).toBe(3);
    expect(calls).toBe(32);
  });
});
