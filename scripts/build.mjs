#!/usr/bin/env node
/**
 * `npm run build`: bundles konf with esbuild into dist/ (about a second; the typecheck is
 * `npm run typecheck`, run by `npm test`).
 *
 * The entries keep the paths they always had, so `node dist/src/cli/main.js` (what `bin`
 * points to), `dist/src/demo/main.js` and the modules the tests, benchmarks and scripts
 * import (dist/src/console/run.js, …) are where they were. Everything konf imports, its
 * dependencies included, is bundled; code split at konf's own dynamic imports lands in
 * dist/chunks/, so a command loads only what it runs: the console's first frame does not
 * load the SSH stack, the snapshot store or the diff engine.
 *
 *   node scripts/build.mjs [--if-stale] [--metafile FILE]
 *
 * --if-stale builds only when a source file (src/, package.json, this script) is newer
 * than the last build (npm run demo uses it: nothing to wait for when nothing changed).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.konf-build');

/** Entries, as paths below the project root (each becomes dist/<same path>.js). */
export const ENTRIES = [
  'src/cli/main.ts',
  'src/demo/main.ts',
  // imported by tests, benchmarks and scripts
  'src/console/run.tsx',
  'src/console/keymap.ts',
  'src/testfleet/testFleet.ts',
  'src/testfleet/fleetRepo.ts',
  'src/testfleet/seed.ts',
  'src/core/fleet/fleet.ts',
  'src/core/diff/compare.ts',
  'src/core/util/openFiles.ts',
];

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** True when dist/ is older than the sources, the lockfile or this script. */
export function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  const inputs = [newest(path.join(ROOT, 'src')), ...['package.json', 'package-lock.json', 'scripts/build.mjs'].map((f) => (existsSync(path.join(ROOT, f)) ? statSync(path.join(ROOT, f)).mtimeMs : 0))];
  return inputs.some((t) => t > built);
}

const INK = path.join(ROOT, 'node_modules/ink/build');

/**
 * Ink's frame building, made cheap without changing a byte of its output: its `Output`
 * (one object per terminal cell, every line re-tokenized, every frame) is replaced by
 * src/console/ink/fastOutput.ts, which keeps unchanged rows from frame to frame
 * (test/console/fastOutput.test.ts checks both give identical frames), and two pure
 * per-frame helpers (`widest-line` over every text node, `sanitize-ansi` re-tokenizing
 * every styled one) remember their recent results (src/console/ink/memo.ts); widths are
 * measured by src/console/ink/textWidth.ts (string-width's answers, without segmenting
 * every line that holds a `│`). Only the
 * bundle gets this; tests under vitest run Ink as published.
 */
export const inkFastPaths = {
  name: 'konf-ink-fast-paths',
  setup(b) {
    const from = (file) => (args) => path.resolve(args.resolveDir) === INK && path.basename(args.importer) === file;
    b.onResolve({ filter: /^\.\/output\.js$/ }, (args) => (from('renderer.js')(args) ? { path: path.join(ROOT, 'src/console/ink/fastOutput.ts') } : undefined));
    b.onResolve({ filter: /^\.\/sanitize-ansi\.js$/ }, (args) => (from('squash-text-nodes.js')(args) ? { path: 'sanitize-ansi', namespace: 'konf-ink-memo' } : undefined));
    b.onResolve({ filter: /^widest-line$/ }, (args) =>
      from('render-node-to-output.js')(args) || from('measure-text.js')(args) ? { path: 'widest-line', namespace: 'konf-ink-memo' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'konf-ink-memo' }, (args) => {
      const memo = JSON.stringify(path.join(ROOT, 'src/console/ink/memo.ts'));
      const width = JSON.stringify(path.join(ROOT, 'src/console/ink/textWidth.ts'));
      const contents =
        args.path === 'sanitize-ansi'
          ? `import original from ${JSON.stringify(path.join(INK, 'sanitize-ansi.js'))};\nimport { memoizeText } from ${memo};\nexport default memoizeText(original);\n`
          : `import { widestLine } from ${width};\nimport { memoizeText } from ${memo};\nexport default memoizeText(widestLine);\n`;
      return {
        contents,
        resolveDir: INK,
        loader: 'js',
      };
    });
  },
};

/**
 * string-width loads when a text needs it, not when the bundle starts: every import of
 * `string-width` (Ink's, cli-truncate's, wrap-ansi's older copy, konf's) gets
 * src/console/ink/lazyStringWidth.ts in front of the copy it would have had, which that
 * copy's module (an Intl.Segmenter and an RGI-emoji regex built at evaluation, 50–150 ms)
 * is `require`d behind: esbuild then evaluates it on first call only.
 */
export const lazyStringWidth = {
  name: 'konf-lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'konf-real') return undefined;
      const real = await b.resolve('string-width', { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'konf-real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'konf-lazy-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'konf-lazy-width' }, (args) => ({
      contents: [
        `import { simpleWidth } from ${JSON.stringify(path.join(ROOT, 'src/console/ink/textWidth.ts'))};`,
        `import { lazyStringWidth } from ${JSON.stringify(path.join(ROOT, 'src/console/ink/lazyStringWidth.ts'))};`,
        `export default lazyStringWidth(simpleWidth, () => require(${JSON.stringify(args.path)}).default);`,
      ].join('\n'),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Segmenters made on first need: Ink's slice-ansi and ansi-tokenize build an
 * `Intl.Segmenter` when their module is evaluated and segment every styled line they clip;
 * the first segmenter of a process loads ICU's break data (40–110 ms of the first frame).
 * In these files `new Intl.Segmenter(…)` becomes src/console/ink/lazySegmenter.ts, which
 * segments text of one-character graphemes itself and builds the real one for any other.
 * A file that no longer holds the expression fails the build (a dependency update must be
 * looked at, not silently slower).
 */
const LAZY_SEGMENTER_FILES = ['node_modules/slice-ansi/tokenize-ansi.js', 'node_modules/@alcalzone/ansi-tokenize/build/tokenize.js'];
export const lazySegmenters = {
  name: 'konf-lazy-segmenters',
  setup(b) {
    const files = new Set(LAZY_SEGMENTER_FILES.map((f) => path.join(ROOT, f)));
    b.onLoad({ filter: /tokenize(-ansi)?\.js$/ }, (args) => {
      if (!files.has(args.path)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('new Intl.Segmenter(')) throw new Error(`${args.path}: no \`new Intl.Segmenter(\` to defer any more (see lazySegmenters in scripts/build.mjs)`);
      const helper = `import { lazySegmenter as __konfLazySegmenter } from ${JSON.stringify(path.join(ROOT, 'src/console/ink/lazySegmenter.ts'))};\n`;
      return { contents: helper + source.replaceAll('new Intl.Segmenter(', '__konfLazySegmenter('), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/** Per output file, the packages (or konf folders) most of it comes from: benchmarks' profiles name them. */
function chunkContents(meta) {
  const out = {};
  for (const [file, output] of Object.entries(meta.outputs)) {
    const sizes = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = nm ? nm[1] : input.startsWith('src/') ? `konf ${input.split('/').slice(1, 3).join('/').replace(/\.tsx?$/, '')}` : input;
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
    // Keyed by the path below dist/ (two entries are both called main.js).
    out[path.relative(DIST, path.resolve(ROOT, file))] = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name]) => name);
  }
  return out;
}

function removeOthers(dir, keep) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      removeOthers(p, keep);
      if (readdirSync(p).length === 0) rmSync(p, { recursive: true, force: true });
    } else if (!keep.has(p)) rmSync(p, { force: true });
  }
}

export async function build({ metafile } = {}) {
  const esbuild = await import('esbuild');
  mkdirSync(DIST, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: DIST,
    outbase: ROOT,
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    // React's production build only (the development one is several times slower).
    define: { 'process.env.NODE_ENV': '"production"' },
    // Bundled CommonJS packages call require() for Node's own modules, and a few look at
    // __dirname/__filename (ssh2's wasm loader): they get the chunk's own.
    banner: {
      js: [
        "import { createRequire as __konfRequire } from 'node:module';",
        "import { fileURLToPath as __konfFilePath } from 'node:url';",
        "import { dirname as __konfDirname } from 'node:path';",
        'const require = __konfRequire(import.meta.url);',
        'const __filename = __konfFilePath(import.meta.url);',
        'const __dirname = __konfDirname(__filename);',
      ].join(' '),
    },
    // ssh2's optional native bindings (never built here: no install scripts run) and Ink's
    // devtools hook (loaded only with DEV=true) stay out.
    external: ['*.node', 'cpu-features', 'react-devtools-core'],
    // Dead branches go (React's development build behind NODE_ENV checks), and so do
    // whitespace and comments (a third less text for V8 to parse at every start: ~6 ms of
    // the console's module loading); names stay readable in stack traces.
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [inkFastPaths, lazyStringWidth, lazySegmenters],
  });
  // Chunks of earlier builds (their names carry a content hash) are removed, and so is
  // what an older build (tsc) left beside the entries.
  const keep = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(ROOT, f)));
  removeOthers(path.join(DIST, 'chunks'), keep);
  removeOthers(path.join(DIST, 'src'), keep);
  if (metafile) writeFileSync(metafile, JSON.stringify(result.metafile));
  writeFileSync(path.join(DIST, '.konf-chunks.json'), JSON.stringify(chunkContents(result.metafile), null, 1));
  // Every input of every output file (dist/-relative), for tests that check what a command loads.
  const inputs = Object.fromEntries(Object.entries(result.metafile.outputs).map(([file, output]) => [path.relative(DIST, path.resolve(ROOT, file)), Object.keys(output.inputs)]));
  writeFileSync(path.join(DIST, '.konf-inputs.json'), JSON.stringify(inputs));
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--metafile');
  if (args.includes('--if-stale') && !isStale()) process.exit(0);
  const t0 = Date.now();
  await build({ metafile: i >= 0 ? args[i + 1] : undefined });
  if (!args.includes('--quiet')) process.stderr.write(`konf: built dist/ in ${Date.now() - t0} ms\n`);
  // keep the package.json reader honest: the entry exists
  readFileSync(path.join(DIST, 'src/cli/main.js'));
}
