/**
 * `konf diff --html FILE`: one self-contained HTML document for a whole run. diff2html's
 * side-by-side markup with its stylesheet inlined (no links, no scripts), a summary table
 * first, then one section per host.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { html as diff2html } from 'diff2html';
import { isPending } from './compare.js';
import { describeGroup, groupIdentical } from './group.js';
import { maskSecrets } from './secrets.js';
import { parseUnified } from './diff2htmlInput.js';
import { CHANGE_KINDS, describeChange } from './stat.js';
import type { FileChange, HostDiff } from './types.js';

export interface HtmlReportOptions {
  title: string;
  /** ISO time (or any text) shown under the title. */
  generatedAt: string;
  /**
   * The diffs' unified text was computed with secrets revealed: the report says so in a
   * banner. Otherwise `secrets` (if given) are masked once more in everything shown.
   */
  reveal?: boolean;
  secrets?: string[];
  /** Hosts that could not be diffed (unreachable, host key, config): listed, never hidden. */
  failures?: { host: string; kind?: string; message: string }[];
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

let cachedCss: string | undefined;

/** diff2html's stylesheet, read from the installed package. */
export function diff2htmlCss(): string {
  if (cachedCss === undefined) {
    const file = createRequire(import.meta.url).resolve('diff2html/bundles/css/diff2html.min.css');
    // `</` could close the style element early; CSS never needs it.
    cachedCss = readFileSync(file, 'utf8').replace(/<\//g, '<\\/');
  }
  return cachedCss;
}

const KONF_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#222;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem;font-weight:600}
.konf-meta{color:#666;margin:0 0 1rem}
.konf-warning{background:#fff3cd;border:1px solid #e0c36c;padding:.5rem .75rem;margin:1rem 0}
table.konf-summary{border-collapse:collapse;font-size:.9rem}
table.konf-summary th,table.konf-summary td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
table.konf-summary th:first-child,table.konf-summary td:first-child{text-align:left}
table.konf-summary tr.konf-pending td:first-child{font-weight:600}
table.konf-summary tr.konf-failed td{background:#fee8e9}
.konf-kind{font-size:.8rem;font-weight:normal;padding:0 .4rem;border-radius:.2rem;background:#eee;margin-left:.5rem}
.konf-kind-new,.konf-kind-modified,.konf-kind-binary,.konf-kind-link-changed,.konf-kind-type-changed{background:#fdf2d0}
.konf-kind-removed,.konf-kind-unreadable{background:#fee8e9}
.konf-kind-metadata{background:#e4f0fb}
.konf-desc{margin:.25rem 0 .5rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;white-space:pre-wrap}
.konf-error{color:#c33}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
`;

function hostAnchor(i: number): string {
  return `host-${i}`;
}

function countsByKind(d: HostDiff): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of d.files) m.set(f.kind, (m.get(f.kind) ?? 0) + 1);
  return m;
}

function renderSummary(diffs: HostDiff[], failures: NonNullable<HtmlReportOptions['failures']>): string {
  const head = ['Host', 'Pending', ...CHANGE_KINDS].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = diffs.map((d, i) => {
    const counts = countsByKind(d);
    const cells = CHANGE_KINDS.map((k) => `<td>${counts.get(k) ?? 0}</td>`).join('');
    const cls = d.pending > 0 ? ' class="konf-pending"' : '';
    return `<tr${cls}><td><a href="#${hostAnchor(i)}">${escapeHtml(d.host)}</a></td><td>${d.pending}</td>${cells}</tr>`;
  });
  for (const f of failures) {
    rows.push(
      `<tr class="konf-failed"><td>${escapeHtml(f.host)}</td><td colspan="${CHANGE_KINDS.length + 1}">failed${f.kind ? ` (${escapeHtml(f.kind)})` : ''}: ${escapeHtml(f.message)}</td></tr>`,
    );
  }
  const pending = diffs.reduce((n, d) => n + d.pending, 0);
  const hostsPending = diffs.filter((d) => d.pending > 0).length;
  return [
    '<section id="summary">',
    '<h2>Summary</h2>',
    `<p class="konf-meta">${diffs.length} host(s) compared, ${hostsPending} with pending changes, ${pending} pending file(s) in all${failures.length > 0 ? `, ${failures.length} host(s) failed` : ''}.</p>`,
    `<table class="konf-summary"><thead><tr>${head}</tr></thead><tbody>`,
    ...rows,
    '</tbody></table>',
    '</section>',
  ].join('\n');
}

function renderGroups(diffs: HostDiff[], mask: (t: string) => string): string {
  const shared = groupIdentical(diffs).filter((g) => g.hosts.length > 1);
  if (shared.length === 0) return '';
  const items = shared.map((g) => `<li>${escapeHtml(mask(describeGroup(g)))}: ${escapeHtml(g.hosts.join(', '))}</li>`);
  return ['<section id="shared">', '<h2>Changes shared by several hosts</h2>', '<ul>', ...items, '</ul>', '</section>'].join('\n');
}

function renderUnified(unified: string): string {
  const { files } = parseUnified(unified);
  if (files.length === 0) return '';
  return diff2html(files, { outputFormat: 'side-by-side', drawFileList: false, matching: 'none', diffStyle: 'word' });
}

function renderFile(f: FileChange, mask: (t: string) => string): string {
  const kind = escapeHtml(f.kind);
  const parts = [
    `<div class="konf-file konf-file-${kind}">`,
    `<h3><code>${escapeHtml(f.path)}</code><span class="konf-kind konf-kind-${kind}">${kind}</span></h3>`,
    `<p class="konf-desc${f.kind === 'unreadable' ? ' konf-error' : ''}">${escapeHtml(mask(describeChange(f)))}</p>`,
  ];
  if (f.unified !== undefined && f.binary === undefined) parts.push(renderUnified(mask(f.unified)));
  parts.push('</div>');
  return parts.join('\n');
}

function renderHost(d: HostDiff, i: number, mask: (t: string) => string): string {
  const shown = d.files.filter((f) => f.kind !== 'unchanged');
  const unchanged = d.files.filter((f) => f.kind === 'unchanged');
  const status = d.pending === 0 ? 'in sync' : `${d.pending} pending change(s)`;
  const parts = [
    `<section class="konf-host" id="${hostAnchor(i)}" data-host="${escapeHtml(d.host)}">`,
    `<h2>${escapeHtml(d.host)}</h2>`,
    `<p class="konf-meta">${escapeHtml(status)}, ${d.files.length} path(s) compared</p>`,
  ];
  // Pending changes first, then what is listed but not written (excluded, unreadable).
  for (const f of shown.filter((x) => isPending(x.kind))) parts.push(renderFile(f, mask));
  for (const f of shown.filter((x) => !isPending(x.kind))) parts.push(renderFile(f, mask));
  if (unchanged.length > 0) {
    parts.push(
      `<details><summary>${unchanged.length} unchanged file(s)</summary><ul>`,
      ...unchanged.map((f) => `<li><code>${escapeHtml(f.path)}</code></li>`),
      '</ul></details>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/**
 * The whole report: title, summary table (host, pending count, counts by kind; failed hosts
 * too), changes shared by several hosts, then one section per host with each file: text
 * changes as diff2html side-by-side tables, binary/metadata/excluded/unreadable as plain text.
 */
export function renderHtmlReport(diffs: HostDiff[], opts: HtmlReportOptions): string {
  const secrets = opts.secrets ?? [];
  const mask = (t: string): string => (opts.reveal === true ? t : maskSecrets(t, secrets));
  const failures = opts.failures ?? [];
  const banner =
    opts.reveal === true
      ? '<p class="konf-warning"><strong>Secrets are revealed in this report.</strong> Do not share it.</p>'
      : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>\n${diff2htmlCss()}\n${KONF_CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(opts.title)}</h1>`,
    `<p class="konf-meta">Generated ${escapeHtml(opts.generatedAt)}</p>`,
    banner,
    '</header>',
    '<main>',
    renderSummary(diffs, failures),
    renderGroups(diffs, mask),
    ...diffs.map((d, i) => renderHost(d, i, mask)),
    ...failures.map(
      (f) =>
        `<section class="konf-host konf-host-failed" data-host="${escapeHtml(f.host)}">\n<h2>${escapeHtml(f.host)}</h2>\n<p class="konf-desc konf-error">failed${f.kind ? ` (${escapeHtml(f.kind)})` : ''}: ${escapeHtml(f.message)}</p>\n</section>`,
    ),
    '</main>',
    '</body>',
    '</html>',
  ]
    .filter((s) => s !== '')
    .join('\n')
    .concat('\n');
}
