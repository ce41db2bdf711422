/**
 * The built console loads nothing its first frame does not need: Ink, React and the app
 * are evaluated without building an Intl.Segmenter (ICU's break data, tens of ms) — the
 * bundle's string-width and grapheme segmenters are made on first use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PROJECT } from '../helpers/konfBin.js';

let tmp: string;
beforeAll(async () => {
  await ensureBuilt();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-bundle-start-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` (an ES module's text) with every Intl.Segmenter construction counted; returns its stdout. */
function counting(body: string): string {
  const file = path.join(tmp, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    [
      'let made = 0;',
      'const Real = Intl.Segmenter;',
      'Intl.Segmenter = new Proxy(Real, { construct(target, args) { made++; return Reflect.construct(target, args); } });',
      `const run = await import(${JSON.stringify(pathToFileURL(path.join(PROJECT, 'dist/src/console/run.js')).href)});`,
      body,
    ].join('\n'),
  );
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe('the console bundle at start', () => {
  it('evaluates Ink, React and the app without building a segmenter', () => {
    expect(counting("await run.preloadConsole();\nconsole.log(String(made));")).toBe('0');
  });

  it('still measures text that needs one (an emoji) as string-width does, building it then', () => {
    const out = counting(
      [
        'const [ink, React] = await run.preloadConsole();',
        "const { PassThrough } = await import('node:stream');",
        'const stdout = Object.assign(new PassThrough(), { columns: 40, rows: 10, isTTY: true });',
        "let written = ''; stdout.on('data', (d) => { written += String(d); });",
        "const app = ink.render(React.createElement(ink.Box, { borderStyle: 'single', alignSelf: 'flex-start' }, React.createElement(ink.Text, null, 'a \u{1f600} b')), { stdout, debug: true, patchConsole: false });",
        'app.unmount();',
        "console.log(JSON.stringify({ made, top: written.split('\\n').find((l) => l.includes('\\u250c')) }));",
      ].join('\n'),
    );
    // 'a 😀 b' is 6 cells wide (the emoji takes two): the border is drawn around 6 cells.
    const { made, top } = JSON.parse(out) as { made: number; top: string };
    expect(top).toBe(`\u250c${'\u2500'.repeat(6)}\u2510`);
    expect(made).toBeGreaterThan(0);
  });
});
