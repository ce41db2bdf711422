import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { startTestFleet, type TestFleet } from '../../../src/testfleet/testFleet.js';
import { SshPool } from '../../../src/core/ssh/pool.js';
import type { SshTraceEvent } from '../../../src/core/ssh/trace.js';

// The benchmark's tracer (test/bench/trace.cjs) sees konf's SSH work only through the
// `konf:ssh` channel: the bundle hides ssh2 from a require hook.
describe('the konf:ssh diagnostics channel', () => {
  let fleet: TestFleet;
  let pool: SshPool;
  const events: SshTraceEvent[] = [];
  const listener = (e: unknown) => void events.push(e as SshTraceEvent);
  beforeAll(async () => {
    fleet = await startTestFleet({ hosts: ['host1'] });
    pool = new SshPool({ configFiles: [fleet.sshConfig], agentSocket: null, concurrency: 2 });
  });
  afterAll(async () => {
    unsubscribe('konf:ssh', listener);
    await pool?.closeAll();
    await fleet?.stop();
  });

  it('reports a connection (connect, key exchange, authenticated, closed) and each command (start, open, close with its bytes)', async () => {
    subscribe('konf:ssh', listener);
    const ch = pool.channel('host1');
    const r = await ch.exec('printf 12345', {});
    expect(r.code).toBe(0);
    await ch.exec('true', {});
    await pool.closeAll();
    const conn = events.find((e) => e.kind === 'connect');
    expect(conn).toEqual({ kind: 'connect', conn: expect.any(Number), host: 'host1', port: fleet.host('host1').port });
    expect(events.filter((e) => e.kind === 'exec')).toEqual([expect.objectContaining({ host: 'host1' }), expect.objectContaining({ host: 'host1' })]);
    const id = (conn as { conn: number }).conn;
    expect(events.filter((e) => 'conn' in e && e.conn === id).map((e) => e.kind)).toEqual(['connect', 'handshake', 'ready', 'close']);
    const execs = events.filter((e) => e.kind === 'exec').map((e) => (e as { exec: number }).exec);
    expect(execs).toHaveLength(2);
    for (const x of execs) expect(events.filter((e) => 'exec' in e && e.exec === x).map((e) => e.kind)).toEqual(['exec', 'exec-open', 'exec-close']);
    expect(events.find((e) => e.kind === 'exec-close' && e.exec === execs[0])).toMatchObject({ bytes: 5 });
  });

  it('publishes nothing and numbers nothing while no one listens', async () => {
    unsubscribe('konf:ssh', listener);
    const before = events.length;
    await pool.channel('host1').exec('true', {});
    expect(events.length).toBe(before);
  });
});
