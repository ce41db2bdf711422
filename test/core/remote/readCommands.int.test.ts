/**
 * The read script does no work per path on the host (issue 16, "Many files"): one builtin
 * check and one printf per folder hand the paths to one tar, whose own messages say which
 * path is missing or unreadable. The sshd runs every command through a ForceCommand
 * wrapper that turns on the shell's xtrace and keeps a copy of it: the commands the host
 * shell ran are counted, for 50 paths and for 2,000 paths in the same 10 folders.
 * Correctness with odd names rides along: spaces, newlines, backslashes, colons, leading
 * dashes, non-ASCII, symlinks, missing files, a file where a folder would be, and a
 * folder symlinked out of the root among ordinary ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { remoteFor } from '../../helpers/channel.js';

describe('RemoteHost.readState runs a constant number of host commands per folder, none per path (xtrace through a ForceCommand wrapper)', () => {
  let fleet: TestFleet;
  let tmp: string;
  let trace: string;
  let traceOn: string;
  let root: string;
  const folders = Array.from({ length: 10 }, (_, f) => `/etc/many/d${f}`);
  const odd = ['plain', 'with space', 'new\nline', '-lead', '--help', 'back\\slash', 'colon: x', 'é ü', "q'u\"o", 'tab\tx'];

  /** The commands the host shell traced while the callback ran. */
  async function traced(fn: () => Promise<unknown>): Promise<number> {
    writeFileSync(trace, '');
    writeFileSync(traceOn, '');
    try {
      await fn();
    } finally {
      rmSync(traceOn, { force: true });
    }
    return readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('+ ')).length;
  }

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'konf-readcmds-'));
    trace = path.join(tmp, 'trace');
    const wrapper = path.join(tmp, 'wrap.sh');
    // konf's command line is `sh -c 'eval "$(head -c N)"'`: while the trace is on, run it as
    // `sh -x -c …` and copy its stderr (the trace, konf's status lines, tar's messages) to the
    // trace file too. The trace shares stderr with tar's messages (dash has no separate xtrace
    // descriptor), so the states are checked on reads made with the trace off.
    traceOn = path.join(tmp, 'trace-on');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        'cmd=$SSH_ORIGINAL_COMMAND',
        `[ -e ${traceOn} ] || exec /bin/sh -c "$cmd"`,
        'case $cmd in "sh -c "*) cmd="sh -x -c ${cmd#sh -c }" ;; esac',
        `{ /bin/sh -c "$cmd" 2>&1 1>&3 3>&- | tee -a ${trace} >&2; } 3>&1`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    fleet = await startTestFleet({ hosts: ['r1'], extraSshdConfig: [`ForceCommand ${wrapper}`] });
    root = fleet.host('r1').root;
    for (const f of folders) mkdirSync(path.join(root, f), { recursive: true });
    const outside = path.join(tmp, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.conf'), 'outside\n');
    symlinkSync(outside, path.join(root, 'etc/many/out')); // a folder that resolves outside the root
    writeFileSync(path.join(root, 'etc/many/d0/plain-file'), 'a file, not a folder\n');
  });
  afterAll(async () => {
    await fleet?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** n paths over the 10 folders: even ones exist (some as symlinks), odd ones are missing. */
  function paths(n: number): { list: string[]; want: (p: string, i: number) => unknown } {
    const list: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = `${folders[i % folders.length]}/${odd[Math.floor(i / folders.length) % odd.length]}-${i}`;
      if (i % 2 === 0) {
        if (i % 10 === 4) symlinkSync(`target of ${i}`, path.join(root, p));
        else writeFileSync(path.join(root, p), `content ${i}\n`);
      }
      list.push(p);
    }
    return {
      list,
      want: (p, i) =>
        i % 2 !== 0 ? { path: p, state: 'missing' } : i % 10 === 4 ? { path: p, state: 'symlink', target: `target of ${i}` } : { path: p, state: 'file', content: Buffer.from(`content ${i}\n`) },
    };
  }

  it('reads 50 and 2,000 paths in the same 10 folders with the same number of host commands; every odd name classified right', async () => {
    const small = paths(50);
    const remote = remoteFor(fleet, 'r1');
    let smallEntries: Awaited<ReturnType<typeof remote.readState>> = [];
    const smallCommands = await traced(() => remote.readState(small.list));
    smallEntries = await remote.readState(small.list);
    rmSync(path.join(root, 'etc/many'), { recursive: true, force: true });
    for (const f of folders) mkdirSync(path.join(root, f), { recursive: true });
    writeFileSync(path.join(root, 'etc/many/d0/plain-file'), 'a file, not a folder\n');
    symlinkSync(path.join(tmp, 'outside'), path.join(root, 'etc/many/out'));
    const big = paths(2000);
    const extra = ['/etc/many/out/secret.conf', '/etc/many/d0/plain-file/below', '/etc/many/no-such-folder/x', '/etc/many/d3'];
    let bigEntries: Awaited<ReturnType<typeof remote.readState>> = [];
    const bigCommands = await traced(() => remote.readState([...big.list, ...extra]));
    bigEntries = await remote.readState([...big.list, ...extra]);

    smallEntries.forEach((e, i) => expect(e, JSON.stringify(e.path)).toMatchObject(small.want(small.list[i] as string, i) as object));
    big.list.forEach((p, i) => expect(bigEntries[i], JSON.stringify(p)).toMatchObject(big.want(p, i) as object));
    const [out, below, noFolder, dir] = bigEntries.slice(big.list.length);
    expect(out).toMatchObject({ state: 'unreadable', error: expect.stringMatching(/^refused: its folder resolves outside konf_root/) });
    expect(below).toEqual({ path: '/etc/many/d0/plain-file/below', state: 'missing' });
    expect(noFolder).toEqual({ path: '/etc/many/no-such-folder/x', state: 'missing' });
    expect(dir).toMatchObject({ state: 'dir' });

    // A shell loop over the paths traces several commands per path (2,000 paths: thousands
    // of lines); one check and one printf per folder traces the same for 50 and 2,000 paths
    // (the big read has 4 more folders than the 10: out, plain-file, no-such-folder, /etc/many).
    expect(smallCommands).toBeGreaterThan(10);
    expect(bigCommands, `host commands: ${smallCommands} for 50 paths, ${bigCommands} for 2,000`).toBeLessThan(2 * smallCommands);
  });
});
