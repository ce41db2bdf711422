import { describe, expect, it } from 'vitest';
import { LineSplitter, MarkerFilter, newMarker } from '../../../src/core/remote/framing.js';
import { ancestor, normaliseRoot, onHost, targetPath } from '../../../src/core/remote/paths.js';
import { ARG_BUDGET, argRuns, commandFor } from '../../../src/core/remote/scripts/index.js';
import { stdinParts } from '../../../src/core/remote/scriptRunner.js';
import { describeLock, parseLock } from '../../../src/core/remote/remoteHost.js';

describe('target paths', () => {
  it('normalises logical paths and joins them to the root', () => {
    expect(targetPath('h', '/etc//nginx/./nginx.conf/')).toEqual({ logical: '/etc/nginx/nginx.conf', rel: 'etc/nginx/nginx.conf', parent: '/etc/nginx', name: 'nginx.conf' });
    expect(targetPath('h', '/motd')).toMatchObject({ parent: '/', rel: 'motd' });
    expect(targetPath('h', '/')).toEqual({ logical: '/', rel: '.', parent: undefined, name: '' });
    expect(onHost('/', '/etc/x')).toBe('/etc/x');
    expect(onHost('/srv/chroot', '/etc/x')).toBe('/srv/chroot/etc/x');
    expect(onHost('/srv/chroot', '/')).toBe('/srv/chroot');
    expect(normaliseRoot('h', '/srv//chroot/')).toBe('/srv/chroot');
    expect(normaliseRoot('h', '/')).toBe('/');
    expect(ancestor('/a/b/c', 0)).toBe('/a/b/c');
    expect(ancestor('/a/b/c', 2)).toBe('/a');
    expect(ancestor('/a', 5)).toBe('/');
  });

  it('refuses .., relative paths and NUL bytes as root-escape', () => {
    for (const bad of ['../x', 'etc/x', '/etc/../x', '/..', '/a/b/../../..', '/a\0b', '']) {
      expect(() => targetPath('web1', bad), bad).toThrow(expect.objectContaining({ kind: 'root-escape', host: 'web1' }));
    }
    expect(() => normaliseRoot('h', 'relative')).toThrow(/konf_root must be an absolute path/);
    expect(() => normaliseRoot('h', '/srv/../etc')).toThrow(/konf_root/);
  });
});

describe('output framing', () => {
  it('drops noise before the marker even when the marker is split across chunks', () => {
    const m = newMarker();
    const f = new MarkerFilter(m);
    const stream = Buffer.from(`Welcome!\nnoise ${m.slice(0, 5)} not yet\n${m}\npayload\n`);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 3) out.push(f.push(stream.subarray(i, i + 3)));
    expect(Buffer.concat(out).toString()).toBe('payload\n');
    expect(f.seen).toBe(true);
    expect(f.noise).toContain('Welcome!');
  });

  it('keeps the unmarked text for error messages', () => {
    const f = new MarkerFilter(newMarker());
    f.push(Buffer.from('sudo: a password is required\n'));
    expect(f.seen).toBe(false);
    expect(f.unmarked()).toBe('sudo: a password is required\n');
  });

  it('splits lines across chunks without breaking multi-byte characters', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const data = Buffer.from('héllo wörld\r\nsecond\nlast');
    for (let i = 0; i < data.length; i++) s.push(data.subarray(i, i + 1));
    s.end();
    expect(lines).toEqual(['héllo wörld', 'second', 'last']);
  });

  it('uses a constant, shell-neutral command line', () => {
    expect(commandFor(1234, '')).toBe(`sh -c 'eval "$(head -c 1234)"'`);
    expect(commandFor(1234, 'sudo')).toBe(`sudo -n -- sh -c 'eval "$(head -c 1234)"'`);
  });
});

describe('lock text', () => {
  it('formats and parses', () => {
    const info = { operator: 'alice', jumpHost: 'jump1', pid: 42, operation: 'deploy', opId: 'op1', since: '2026-01-01T00:00:00.000Z' };
    expect(describeLock(parseLock(JSON.stringify(info)))).toBe('alice@jump1 (pid 42, deploy) since 2026-01-01T00:00:00.000Z');
    expect(parseLock('not json')).toMatchObject({ operator: '?', since: '?' });
  });
});

describe('argRuns: host command lines that fit', () => {
  it('splits by bytes (each argument with its pointer and end), keeps order, never leaves an item out', () => {
    const items = Array.from({ length: 100 }, (_, i) => `'/etc/f${String(i).padStart(3, '0')}'`);
    const runs = argRuns(items, (s) => s, { budget: 200 });
    expect(runs.flat()).toEqual(items);
    // 11 bytes + 9 = 20 per argument: 10 per 200-byte run.
    expect(runs.map((r) => r.length)).toEqual(Array.from({ length: 10 }, () => 10));
  });
  it('caps the count, gives a single oversized argument a run of its own, and no run for nothing', () => {
    expect(argRuns(['a', 'b', 'c', 'd', 'e'], (s) => s, { most: 2 })).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(argRuns(['x'.repeat(500), 'y', 'z'], (s) => s, { budget: 100 })).toEqual([['x'.repeat(500)], ['y', 'z']]);
    expect(argRuns([], (s: string) => s)).toEqual([]);
  });
  it('counts bytes, not characters, and stays under the budget by default', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `'/srv/données/${'é'.repeat(20)}-${i}'`);
    const runs = argRuns(names, (s) => s);
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.reduce((n, s) => n + Buffer.byteLength(s) + 9, 0)).toBeLessThanOrEqual(ARG_BUDGET);
  });
});

describe('stdinParts: a large stdin as channel writes', () => {
  it('joins runs of small parts, keeps big ones as they are (same buffer), and loses or reorders no byte', () => {
    const small = Array.from({ length: 15_000 }, (_, i) => Buffer.from(`part ${i};`.repeat(1 + (i % 40))));
    const big = Buffer.alloc(300 * 1024, 7);
    const parts = [...small.slice(0, 7000), big, Buffer.alloc(0), ...small.slice(7000)];
    const out = stdinParts(parts);
    expect(Buffer.concat(out).equals(Buffer.concat(parts))).toBe(true);
    // The big part is handed on, not copied.
    expect(out.filter((b) => b === big)).toHaveLength(1);
    // ~2 MB of small parts: a few writes of at most 256 KiB, not 15,000.
    expect(out.length).toBeLessThan(20);
    for (const b of out) if (b !== big) expect(b.length).toBeLessThanOrEqual(256 * 1024);
    expect(stdinParts([])).toEqual([]);
  });
});
