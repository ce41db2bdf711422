/**
 * compareBytes orders strings as their UTF-8 bytes (LC_ALL=C sort) without encoding them
 * on every comparison: checked against Buffer.compare of the encodings, on strings made of
 * ASCII, BMP characters on both sides of the surrogate block, characters beyond the BMP
 * (surrogate pairs) and lone surrogates (which UTF-8 encodes as U+FFFD).
 */
import { describe, expect, it } from 'vitest';
import { compareBytes } from '../../../src/core/fleet/paths.js';

const ALPHABET = ['a', 'b', 'z', '/', '.', '-', 'é', '·', '│', '\ud7ff', '\ue000', '\uff61', '\uffff', '😀', '𝔸', '\ud800', '\udc00', '\ufffd'];
const bytes = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** A small deterministic generator (no Math.random: a failure is reproducible). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('compareBytes', () => {
  it('agrees with Buffer.compare of the UTF-8 encodings on 20,000 pairs sharing prefixes', () => {
    const rnd = lcg(13);
    const word = (len: number) => Array.from({ length: len }, () => ALPHABET[Math.floor(rnd() * ALPHABET.length)]!).join('');
    let differing = 0;
    for (let i = 0; i < 20_000; i++) {
      const prefix = word(Math.floor(rnd() * 4));
      const a = prefix + word(Math.floor(rnd() * 4));
      const b = prefix + word(Math.floor(rnd() * 4));
      expect(Math.sign(compareBytes(a, b)), JSON.stringify([a, b])).toBe(bytes(a, b));
      if (bytes(a, b) !== Math.sign(a < b ? -1 : a > b ? 1 : 0)) differing++;
    }
    // The sample holds pairs where UTF-16 order and byte order disagree (a character beyond
    // the BMP against one above the surrogate block): the cases that matter are exercised.
    expect(differing).toBeGreaterThan(100);
  });

  it('sorts names as LC_ALL=C sort does, beyond the BMP included', () => {
    const names = ['web10', 'web2', 'Web1', 'wéb', 'web\uff61', 'web😀', 'web', 'web-1'];
    expect([...names].sort(compareBytes)).toEqual(['Web1', 'web', 'web-1', 'web10', 'web2', 'web\uff61', 'web😀', 'wéb']);
  });
});
