/**
 * Safe rollouts in the console's reducers (issue 12): the deploy dialog's rollout choice
 * (keys/confirm.ts: ←/→ or w/W), wave progress and confirm-or-revert countdowns from the
 * operation's events (ops.ts), and `V`, the etc/validate file checks on staged copies
 * (validate.ts).
 */
import { describe, expect, it } from 'vitest';
import type { OpEvent } from '../../../src/core/ops/events.js';
import { rolloutChoices } from '../../../src/console/state/confirm.js';
import { countdowns } from '../../../src/console/state/ops.js';
import { reducer } from '../../../src/console/state/reducer.js';
import type { AppState } from '../../../src/console/state/types.js';
import { checked, drained, effects, fake, init, keys } from '../../helpers/reducerTesting.js';

const T0 = '2026-05-01T12:00:00.000Z';
const DEADLINE = '2026-05-01T12:00:30.000Z';
const ev = (e: Record<string, unknown>) => ({ op: 'op1', time: T0, ...e }) as unknown as OpEvent;
const events = (s: AppState, local: string, list: OpEvent[]) => reducer(s, { type: 'op/events', items: list.map((event) => ({ local, event })) });

describe('the deploy dialog offers waves for several hosts', () => {
  it('lists the rollout choices; w/W move through them; y deploys with the chosen waves', async () => {
    let s = await checked(init());
    s = keys(s, ' ', 'j', ' ', 'j', ' ', 'D'); // the first three rows of the list: web1, web3, cache1
    expect(s.confirm?.title).toMatch(/to 3 hosts: web1, web3, cache1\?$/);
    expect(s.confirm?.choices?.map((c) => c.label)).toEqual(['all 3 hosts at once', 'waves 1,100%: 1 + 2', 'waves 1,10%,100%: 1 + 1 + 1']);
    expect(s.confirm?.choice).toBe(0);
    expect(s.confirm?.lines).toContain('In waves, each wave waits for the one before; a failure stops the rollout.');
    s = keys(s, 'w');
    expect(s.confirm?.choice).toBe(1);
    s = keys(s, 'w', 'w'); // wraps around
    expect(s.confirm?.choice).toBe(0);
    s = keys(s, 'W');
    expect(s.confirm?.choice).toBe(2);
    s = keys(s, 'W');
    const started = keys(s, 'y');
    expect(effects(started)).toEqual([{ type: 'run', local: 'c1', request: expect.objectContaining({ kind: 'deploy', hosts: ['web1', 'web3', 'cache1'], waves: '1,100%' }) }]);
    // "all at once" adds no waves.
    const atOnce = keys(keys(s, 'W'), 'y');
    const run = effects(atOnce)[0];
    expect(run).toMatchObject({ type: 'run', request: { kind: 'deploy' } });
    expect(run?.type === 'run' && 'waves' in run.request).toBe(false);
  });

  it('offers no choice for one host, and only distinct splits for many', async () => {
    const one = keys(await checked(init()), 'D');
    expect(one.confirm?.choices).toBeUndefined();
    const hosts = Array.from({ length: 12 }, (_, i) => ({ name: `h${String(i + 1).padStart(2, '0')}`, switches: 0, excludes: 0, values: {} }));
    const many = init({ hosts });
    expect(rolloutChoices(many, hosts.map((h) => h.name).reverse()).map((c) => c.label)).toEqual([
      'all 12 hosts at once',
      'waves 1,100%: 1 + 11',
      'waves 1,10%,100%: 1 + 1 + 10',
      'waves 1,25%,50%,100%: 1 + 3 + 6 + 2',
      'one host at a time (waves 1)',
    ]);
  });
});

describe('wave progress and confirm-or-revert countdowns follow the events', () => {
  it('keeps the running wave and each host’s armed revert until access is confirmed or the host reverted', async () => {
    let s = drained(keys(await checked(init()), ' ', 'j', ' ', 'D', 'w', 'y'));
    const wave = { index: 1, total: 2, hosts: ['web1'] };
    s = events(s, 'c1', [
      ev({ type: 'op-start', kind: 'deploy', hosts: ['web1', 'web3'], operator: 't', dryRun: false }),
      ev({ type: 'log', phase: 'wave', level: 'info', wave, text: 'wave 1/2: web1' }),
      ev({ type: 'log', host: 'web1', phase: 'confirm', level: 'info', deadline: DEADLINE, text: 'revert armed on the host' }),
    ]);
    expect(s.ops[0]?.wave).toEqual(wave);
    expect(countdowns(s.ops)).toEqual([{ host: 'web1', deadline: DEADLINE, phase: 'confirm' }]);
    expect(s.status.web1).toEqual({ kind: 'running', phase: 'confirm' });
    // Other events of the host keep the countdown; a failed new connection keeps it too.
    s = events(s, 'c1', [
      ev({ type: 'hook-output', host: 'web1', phase: 'post-deploy', hook: 'x', stream: 'stdout', level: 'info', text: 'reloaded' }),
      ev({ type: 'log', host: 'web1', phase: 'confirm', level: 'warn', deadline: DEADLINE, text: 'a new SSH connection failed: Permission denied' }),
    ]);
    expect(countdowns(s.ops)).toHaveLength(1);
    // konf waits for the host to revert itself: the countdown goes on, as a revert.
    s = events(s, 'c1', [ev({ type: 'log', host: 'web1', phase: 'revert', level: 'warn', deadline: DEADLINE, text: 'waiting for the host to revert itself' })]);
    expect(countdowns(s.ops)).toEqual([{ host: 'web1', deadline: DEADLINE, phase: 'revert' }]);
    s = events(s, 'c1', [ev({ type: 'log', host: 'web1', phase: 'revert', level: 'info', text: 'reconnected after the revert deadline' })]);
    expect(countdowns(s.ops)).toEqual([]);
    // A confirmed host: the event without a deadline ends it; so does the host's result.
    s = events(s, 'c1', [
      ev({ type: 'log', phase: 'wave', level: 'info', wave: { index: 2, total: 2, hosts: ['web3'] }, text: 'wave 2/2: web3' }),
      ev({ type: 'log', host: 'web3', phase: 'confirm', level: 'info', deadline: DEADLINE, text: 'revert armed' }),
    ]);
    expect(s.ops[0]?.wave?.index).toBe(2);
    expect(countdowns(s.ops).map((c) => c.host)).toEqual(['web3']);
    s = events(s, 'c1', [ev({ type: 'host-result', host: 'web3', phase: 'done', outcome: 'ok', level: 'info', text: 'deployed' })]);
    expect(countdowns(s.ops)).toEqual([]);
  });
});

describe('V: the etc/validate file checks on staged copies', () => {
  it('asks the controller for the selected host and puts each check, with the validator’s words, in the log', async () => {
    let s = await checked(init());
    s = keys(s, 'V');
    expect(effects(s)).toEqual([{ type: 'validate', host: 'web1' }]);
    expect(s.notice).toBe('web1: running the etc/validate file checks on staged copies\u2026');
    s = reducer(drained(s), { type: 'validate/result', result: await fake.validate('web1'), time: T0 });
    const log = s.log.lines.map((l) => `${l.host ?? 'konf'} ${l.level} ${l.text}`);
    expect(log).toEqual(
      expect.arrayContaining([
        'web1 error \u2717 /etc/sudoers.d/ops: etc/validate:3 visudo -cf %s on the staged copy: exit 1',
        'web1 error     /etc/sudoers.d/.konf-tmp-1-ops:2:16: syntax error',
        'web1 info \u2713 /etc/nginx/nginx.conf: etc/validate:5 nginx -t -c %s on the staged copy: passed',
        'web1 error validate: 1 of 2 file checks failed: a deploy would be refused (see the log)',
      ]),
    );
    expect(s.notice).toBe('web1: 1 of 2 file checks failed: a deploy would be refused (see the log)');
    s = reducer(s, { type: 'validate/result', result: { host: 'web2', pending: 0, checks: [] }, time: T0 });
    expect(s.notice).toBe('web2: in sync, nothing to check');
    s = reducer(s, { type: 'validate/error', host: 'web2', error: 'ssh: connect to host web2 port 22: Connection refused', time: T0 });
    expect(s.log.lines.at(-1)?.text).toBe('validate: the checks could not run: ssh: connect to host web2 port 22: Connection refused');
  });

  it('refuses a host with a config error, and a busy one', async () => {
    const bad = keys(await checked(init({ lastHost: 'bad1' })), 'V');
    expect(effects(bad)).toEqual([]);
    expect(bad.notice).toMatch(/config error/);
    const busy = keys(drained(keys(await checked(init()), 'D', 'y')), 'V');
    expect(effects(busy)).toEqual([]);
    expect(busy.notice).toBe('busy: web1');
  });
});
