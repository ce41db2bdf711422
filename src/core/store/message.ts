/**
 * Snapshot commit messages:
 *
 *     snapshot web1: pre-deploy
 *
 *     optional free text from --message
 *
 *     Konf-Host: web1
 *     Konf-Reason: pre-deploy
 *     Konf-Operator: alice
 *     Konf-Op: 20250101T101010Z-abc123
 *     Konf-Files: 40
 *     Konf-Changed: /etc/nginx/nginx.conf
 *
 * The last paragraph is a block of git trailers (`git interpret-trailers --parse` and
 * `%(trailers)` read it); one `Konf-Changed` per path that differs from the previous
 * snapshot. Trailer values are single lines; a path that is not a plain line (control
 * characters, a leading quote or space) is written as a JSON string.
 */
import type { SnapshotMeta } from './types.js';

export interface MessageFields extends SnapshotMeta {
  host: string;
  files: number;
  changed: string[];
}

export function subjectOf(host: string, reason: string): string {
  return `snapshot ${host}: ${reason}`;
}

/** Control characters and line breaks become spaces; what is left is trimmed. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ').trim();
}

function encodePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = !/[\x00-\x1f\x7f\u2028\u2029]/.test(path) && !path.startsWith('"') && path.trim() === path && path !== '';
  return plain ? path : JSON.stringify(path);
}

function decodePath(value: string): string {
  if (!value.startsWith('"')) return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'string' ? parsed : value;
  } catch {
    return value;
  }
}

/** The free-text message as stored: no NUL, no trailing blanks, Unix line ends. */
export function cleanMessage(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = message.replace(/\r\n?/g, '\n').replace(/\x00/g, '').replace(/[ \t]+$/gm, '').replace(/^\n+|\n+$/g, '');
  return cleaned === '' ? undefined : cleaned;
}

export function buildMessage(f: MessageFields): string {
  const trailers = [
    `Konf-Host: ${f.host}`,
    `Konf-Reason: ${oneLine(f.reason)}`,
    `Konf-Operator: ${oneLine(f.operator)}`,
    `Konf-Op: ${oneLine(f.op)}`,
    `Konf-Files: ${f.files}`,
    ...f.changed.map((p) => `Konf-Changed: ${encodePath(p)}`),
  ];
  const message = cleanMessage(f.message);
  const paragraphs = [subjectOf(f.host, oneLine(f.reason)), ...(message === undefined ? [] : [message]), trailers.join('\n')];
  return `${paragraphs.join('\n\n')}\n`;
}

export interface ParsedMessage {
  subject: string;
  message?: string;
  trailers: Map<string, string[]>;
}

/** Reads a message written by buildMessage (the last paragraph holds the trailers). */
export function parseMessage(raw: string): ParsedMessage {
  const paragraphs = raw.replace(/\n+$/, '').split('\n\n');
  const subject = paragraphs[0] ?? '';
  const trailers = new Map<string, string[]>();
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? '') : '';
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    const values = trailers.get(key) ?? [];
    values.push(m[2] ?? '');
    trailers.set(key, values);
  }
  const middle = paragraphs.slice(1, -1).join('\n\n');
  return { subject, ...(middle === '' ? {} : { message: middle }), trailers };
}

export function trailer(parsed: ParsedMessage, key: string): string | undefined {
  return parsed.trailers.get(key.toLowerCase())?.[0];
}

export function changedFromTrailers(parsed: ParsedMessage): string[] {
  return (parsed.trailers.get('konf-changed') ?? []).map(decodePath);
}
