/** Parsing one ssh config file with the `ssh-config` package, keeping every directive's line number. */
import SSHConfigParser, { LineType, type Line } from 'ssh-config';
import { ConfigError } from '../errors.js';

export interface ParsedFile {
  file: string;
  lines: Line[];
  lineNo: WeakMap<object, number>;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === '\n') n++;
  return n;
}

export function parseText(file: string, text: string): ParsedFile {
  let lines: Line[];
  try {
    lines = SSHConfigParser.parse(text);
  } catch (err) {
    throw new ConfigError(`cannot parse ssh config: ${err instanceof Error ? err.message : String(err)}`, file);
  }
  // The parser keeps all whitespace in before/after; counting newlines in document
  // order gives every directive its line number.
  const lineNo = new WeakMap<object, number>();
  let nl = 0;
  const walk = (list: Line[]) => {
    for (const node of list) {
      nl += countNewlines(node.before);
      lineNo.set(node, nl + 1);
      nl += countNewlines(node.after);
      if (node.type === LineType.DIRECTIVE && 'config' in node) walk(node.config);
    }
  };
  walk(lines);
  return { file, lines, lineNo };
}

export function valueArgs(node: Line): string[] {
  if (node.type !== LineType.DIRECTIVE) return [];
  const v = node.value;
  if (typeof v === 'string') return v === '' ? [] : [v];
  return v.map((x) => x.val);
}
