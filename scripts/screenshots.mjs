#!/usr/bin/env node
/**
 * `npm run screenshots`: regenerates screenshots/*.png from real console sessions on the
 * demo fleet (see scripts/screenshots/session.ts).
 *
 *   node scripts/screenshots.mjs [--keep] [--html-only]
 *
 * --keep keeps the captures and HTML pages; --html-only stops there (no Chromium needed).
 *
 * The script is TypeScript that reuses the e2e tests' tmux harness (test/helpers/tmux.ts)
 * and xterm's headless terminal; esbuild (a dev dependency) bundles it into
 * node_modules/.cache/konf/ first, where its packages resolve.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(ROOT, 'node_modules/.cache/konf/screenshots.mjs');
await build({
  entryPoints: [path.join(ROOT, 'scripts/screenshots/session.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
try {
  await main(ROOT, process.argv.slice(2));
} catch (err) {
  process.stderr.write(`screenshots: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
