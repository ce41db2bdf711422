/**
 * Prints an operation's event stream: one JSON object a line (`--json`), or human lines
 * with the host as prefix, colored on a terminal, and a running host count on long runs.
 */
import type { OpEvent } from '../core/ops/events.js';
import type { Palette } from './color.js';
import { count } from '../core/util/count.js';

export function jsonEventPrinter(write: (s: string) => void): (e: OpEvent) => void {
  return (e) => write(`${JSON.stringify(e)}\n`);
}

export function humanEventPrinter(write: (s: string) => void, c: Palette, options: { verbose?: boolean } = {}): (e: OpEvent) => void {
  let width = 8;
  let total = 0;
  let finished = 0;
  const prefix = (host: string | undefined) => c.cyan((host ?? '').padEnd(width));
  return (e) => {
    switch (e.type) {
      case 'op-start':
        total = e.hosts.length;
        width = Math.min(24, Math.max(4, ...e.hosts.map((h) => h.length)));
        if (e.kind !== 'diff') write(c.bold(`${e.kind}${e.dryRun ? ' (dry run)' : ''}: ${count(e.hosts.length, 'host')}, operation ${e.op}\n`));
        return;
      case 'log':
        if (e.level === 'debug' && !options.verbose) return;
        write(`${prefix(e.host)} ${e.level === 'error' ? c.red(e.text) : e.level === 'warn' ? c.yellow(e.text) : e.text}\n`);
        return;
      case 'file':
        write(`${prefix(e.host)} ${e.text}\n`);
        return;
      case 'hook-output':
        write(`${prefix(e.host)} ${c.dim(`${e.hook} |`)} ${e.stream === 'stderr' ? c.yellow(e.text) : e.text}\n`);
        return;
      case 'progress':
        if (options.verbose) write(`${prefix(e.host)} ${c.dim(`${e.text} (${e.done}/${e.total})`)}\n`);
        return;
      case 'host-result': {
        finished++;
        const counter = total > 1 ? c.dim(` [${finished}/${total}]`) : '';
        const mark =
          e.outcome === 'ok' ? c.green('✓') : e.outcome === 'unchanged' ? c.dim('=') : e.outcome === 'pending' ? c.yellow('~') : e.outcome === 'skipped' ? c.yellow('-') : c.red('✗');
        const text = ['failed', 'restored', 'restore-failed', 'recoverable', 'reverted'].includes(e.outcome) ? c.red(e.text) : e.text;
        write(`${prefix(e.host)} ${mark} ${text}${counter}\n`);
        return;
      }
      case 'op-end':
        if (e.kind !== 'diff') write(`${e.ok ? c.green('done') : c.red('failed')}: ${e.text}\n`);
        return;
    }
  };
}
