/** Asking before anything writes (keys/global.ts: D, S, q) and answering (keys/confirm.ts: y, n). */
import { describe, expect, it } from 'vitest';
import { checked, drained, effects, init, keys } from '../../helpers/reducerTesting.js';

describe('deploy, snapshot and quit confirmations', () => {
  it('D lists hosts and files; n cancels without effects; y starts the deploy', async () => {
    let s = await checked(init());
    s = keys(s, ' ', 'j', 'j', 'j', 'j', 'j', ' ', 'D'); // web1 and bad1 (config error)
    expect(s.confirm?.title).toBe('Deploy 3 files to 1 host: web1?');
    const text = s.confirm!.lines.join('\n');
    expect(text).toContain('web1: writes 3 files');
    expect(text).toContain('M /etc/nginx/nginx.conf  (+2 -2)');
    expect(text).toContain('m /etc/ssh/sshd_config  (mode 0644 \u2192 0600)');
    expect(text).toContain('skipped (config error): bad1');
    const cancelled = keys(s, 'n');
    expect(cancelled.confirm).toBeUndefined();
    expect(effects(cancelled)).toEqual([]);
    const started = keys(s, 'y');
    // What was shown is what is confirmed: the deploy carries web1's plan fingerprint and write set.
    const check = s.checks.web1!;
    expect(effects(started)).toEqual([{ type: 'run', local: 'c1', request: { kind: 'deploy', hosts: ['web1'], confirmed: { web1: check.confirm } } }]);
    expect(check.confirm?.writes).toHaveLength(3);
    expect(started.ops[0]).toMatchObject({ id: 'c1', kind: 'deploy', hosts: ['web1'], finished: false });
  });

  it('refuses hosts that are busy or have config errors', async () => {
    let s = await checked(init({ lastHost: 'bad1' }));
    s = keys(s, 'D');
    expect(s.confirm).toBeUndefined();
    expect(s.notice).toMatch(/config error/);
    s = keys(s, 'g', 'D', 'y', 'D');
    expect(s.notice).toBe('busy: web1');
  });

  it('S asks to snapshot and says nothing is written on the hosts', () => {
    const s = keys(init(), 'S');
    expect(s.confirm?.title).toBe('Snapshot 1 host: web1?');
    expect(s.confirm?.lines.join('\n')).toContain('Nothing is written on the hosts.');
  });

  it('q quits at once when idle, asks while an operation runs', () => {
    const idle = keys(drained(init()), 'q');
    expect(idle.quitting).toBe(true);
    expect(effects(idle)).toEqual([{ type: 'quit', cancel: false }]);
    let busy = drained(keys(drained(init()), 'S', 'y'));
    busy = keys(busy, 'q');
    expect(busy.quitting).toBe(false);
    expect(busy.confirm?.title).toBe('1 operation running. Quit anyway?');
    expect(keys(busy, 'n').confirm).toBeUndefined();
    const yes = keys(busy, 'y');
    expect(effects(yes)).toEqual([{ type: 'quit', cancel: true }]);
    const ctrlC = keys(busy, '<ctrl-c>');
    expect(effects(ctrlC)).toEqual([{ type: 'quit', cancel: true }]);
  });
});
