/** Counts read as English: "1 host", "2 hosts" (the newcomer saw "1 hosts" and "1 host(s)"). */
import { describe, expect, it } from 'vitest';
import type { FileChange, HostDiff } from '../../src/core/diff/types.js';
import type { OpEvent } from '../../src/core/ops/events.js';
import { count } from '../../src/core/util/count.js';
import { plain } from '../../src/cli/color.js';
import { formatDiffs } from '../../src/cli/diffPrinter.js';
import { humanEventPrinter } from '../../src/cli/eventPrinter.js';

const change = (path: string): FileChange => ({ path, kind: 'new', meta: [], added: 1, removed: 0 }) as unknown as FileChange;
const hostDiff = (host: string, files: FileChange[]): HostDiff => ({ host, files, pending: files.length }) as unknown as HostDiff;

describe('counts', () => {
  it('count() says one in the singular', () => {
    expect([count(0, 'host'), count(1, 'host'), count(2, 'host'), count(1, 'other host')]).toEqual(['0 hosts', '1 host', '2 hosts', '1 other host']);
  });

  it("an operation's first line: deploy: 1 host", () => {
    const lines: string[] = [];
    const print = humanEventPrinter((s) => lines.push(s), plain);
    print({ type: 'op-start', op: 'op1', kind: 'deploy', hosts: ['app1'], operator: 'alice', dryRun: false, time: '' } as unknown as OpEvent);
    print({ type: 'op-start', op: 'op2', kind: 'deploy', hosts: ['app1', 'app2'], operator: 'alice', dryRun: false, time: '' } as unknown as OpEvent);
    expect(lines).toEqual(['deploy: 1 host, operation op1\n', 'deploy: 2 hosts, operation op2\n']);
  });

  it('diff --stat: 1 host, 1 file pending', () => {
    const one = formatDiffs([hostDiff('app1', [change('/etc/motd')])], { stat: true, sideBySide: false, width: 80 }, plain);
    expect(one.trimEnd().split('\n').at(-1)).toBe('1 host, 1 file pending, +1 -0');
    const two = formatDiffs([hostDiff('app1', [change('/etc/motd'), change('/etc/issue')]), hostDiff('app2', [])], { stat: true, sideBySide: false, width: 80 }, plain);
    expect(two.trimEnd().split('\n').at(-1)).toBe('2 hosts, 2 files pending, +2 -0');
  });
});
