import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, auditLogPath, readAudit, type AuditRecord } from '../../../src/core/ops/audit.js';
import { summarizeArgv } from '../../../src/core/ops/auditArgv.js';
import { auditRecorder } from '../../../src/core/ops/auditRecorder.js';
import type { OpEvent } from '../../../src/core/ops/events.js';
import { operator } from '../../../src/core/ops/operator.js';

/** Events without op and time (a distributive Omit over the OpEvent union). */
type EventInput = OpEvent extends infer E ? (E extends OpEvent ? Omit<E, 'op' | 'time'> : never) : never;

function eventMaker(op: string, now: () => Date = () => new Date()): (event: EventInput) => OpEvent {
  return (event) => ({ ...event, op, time: now().toISOString() }) as OpEvent;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'konf-audit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A deploy of three hosts as the operations emit it: one ok, one failed and restored, one unchanged. */
function deployEvents(op = 'op-deploy-1', start = Date.parse('2025-03-01T10:00:00Z')): OpEvent[] {
  let t = start;
  const make = eventMaker(op, () => new Date((t += 1000)));
  return [
    make({ type: 'op-start', kind: 'deploy', hosts: ['web1', 'web2', 'db1'], operator: 'alice', dryRun: false }),
    make({ type: 'log', host: 'web1', phase: 'lock', level: 'info', text: 'lock taken' }),
    make({ type: 'progress', host: 'web1', phase: 'write', done: 1, total: 2, level: 'info', text: '1/2' }),
    make({ type: 'hook-output', host: 'web2', phase: 'post-deploy', hook: '50-reload', stream: 'stderr', level: 'warn', text: 'nginx: bad config' }),
    make({
      type: 'host-result', host: 'web1', phase: 'done', outcome: 'ok', level: 'info', text: '2 files written',
      snapshot: 'a'.repeat(40), changed: ['/etc/nginx/nginx.conf', '/etc/motd'],
    }),
    make({
      type: 'host-result', host: 'web2', phase: 'done', outcome: 'restored', level: 'error',
      text: 'post-deploy hook 50-reload exited 1; pre-deploy snapshot restored', snapshot: 'b'.repeat(40), error: 'hook-failed',
    }),
    make({ type: 'host-result', host: 'db1', phase: 'done', outcome: 'unchanged', level: 'info', text: 'in sync' }),
    make({ type: 'op-end', kind: 'deploy', ok: false, level: 'error', text: '1 ok, 1 restored, 1 unchanged', summary: { ok: 1, restored: 1, unchanged: 1 } }),
  ];
}

describe('audit log', () => {
  it('a recorder fed a deploy writes one complete record; the file is 0600 in a 0700 folder', async () => {
    const state = path.join(dir, 'var');
    const rec = auditRecorder(state, {
      argv: ['deploy', 'web1', 'web2', 'db1', '--yes', '--db-password=hunter2', '--token', 's3cr3t', 'api_key=xyz'],
      jumpHost: 'jump1',
      now: () => new Date('2025-03-01T10:00:09Z'),
    });
    for (const e of deployEvents()) rec(e);
    await rec.flush();
    const lines = (await readFile(auditLogPath(state), 'utf8')).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const record = JSON.parse(lines[0] ?? '') as AuditRecord;
    expect(record).toEqual({
      v: 1,
      op: 'op-deploy-1',
      kind: 'deploy',
      status: 'completed',
      ok: false,
      operator: 'alice',
      jumpHost: 'jump1',
      pid: process.pid,
      dryRun: false,
      start: '2025-03-01T10:00:01.000Z',
      end: '2025-03-01T10:00:09.000Z',
      durationMs: 8000,
      argv: ['deploy', 'web1', 'web2', 'db1', '--yes', '--db-password=***', '--token', '***', 'api_key=***'],
      hosts: ['web1', 'web2', 'db1'],
      results: {
        web1: { outcome: 'ok', text: '2 files written', snapshot: 'a'.repeat(40), changed: ['/etc/nginx/nginx.conf', '/etc/motd'], changedCount: 2 },
        web2: {
          outcome: 'restored',
          text: 'post-deploy hook 50-reload exited 1; pre-deploy snapshot restored',
          error: 'hook-failed',
          snapshot: 'b'.repeat(40),
        },
        db1: { outcome: 'unchanged', text: 'in sync' },
      },
      snapshots: { web1: 'a'.repeat(40), web2: 'b'.repeat(40) },
      errors: { web2: 'post-deploy hook 50-reload exited 1; pre-deploy snapshot restored' },
      summary: { ok: 1, restored: 1, unchanged: 1 },
      text: '1 ok, 1 restored, 1 unchanged',
    });
    const raw = await readFile(auditLogPath(state), 'utf8');
    expect(raw).not.toMatch(/hunter2|s3cr3t|xyz/);
    expect((await stat(auditLogPath(state))).mode & 0o777).toBe(0o600);
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect(await readAudit(state)).toEqual([record]);
  });

  it('filters by host and kind, keeps the newest N, newest last', async () => {
    const log = new AuditLog(dir);
    const rec = auditRecorder(log, { argv: [] });
    const t0 = Date.parse('2025-03-01T10:00:00Z');
    for (let i = 0; i < 5; i++) for (const e of deployEvents(`deploy-${i}`, t0 + i * 60_000)) rec(e);
    let t = t0;
    const make = eventMaker('snap-1', () => new Date((t += 1)));
    rec(make({ type: 'op-start', kind: 'snapshot', hosts: ['mail1'], operator: 'bob', dryRun: false }));
    rec(make({ type: 'host-result', host: 'mail1', phase: 'done', outcome: 'ok', level: 'info', text: 'saved', snapshot: 'c'.repeat(40) }));
    rec(make({ type: 'op-end', kind: 'snapshot', ok: true, level: 'info', text: '1 ok', summary: { ok: 1 } }));
    await rec.flush();

    const all = await readAudit(dir);
    expect(all.map((r) => r.op)).toEqual(['deploy-0', 'deploy-1', 'deploy-2', 'deploy-3', 'deploy-4', 'snap-1']);
    expect((await readAudit(dir, { host: 'mail1' })).map((r) => r.op)).toEqual(['snap-1']);
    expect((await readAudit(dir, { host: 'web2', limit: 2 })).map((r) => r.op)).toEqual(['deploy-3', 'deploy-4']);
    expect((await readAudit(dir, { limit: 1 }))[0]?.operator).toBe('bob');
    expect((await readAudit(dir, { kind: 'snapshot' })).map((r) => r.op)).toEqual(['snap-1']);
    expect(await readAudit(dir, { host: 'nobody' })).toEqual([]);
    expect(await readAudit(dir, { limit: 0 })).toEqual([]);
    expect(await readAudit(path.join(dir, 'no-such-state'))).toEqual([]);
  });

  it('skips torn or foreign lines when reading', async () => {
    const rec = auditRecorder(dir, { argv: [] });
    for (const e of deployEvents('good-1')) rec(e);
    await rec.flush();
    await appendFile(auditLogPath(dir), '{"op":"torn","kind":"dep\n"not json"\n[1,2]\n\n');
    for (const e of deployEvents('good-2')) rec(e);
    await rec.flush();
    expect((await readAudit(dir)).map((r) => r.op)).toEqual(['good-1', 'good-2']);
  });

  it('many concurrent appends (several recorders, as several processes) give whole lines', async () => {
    const recorders = Array.from({ length: 10 }, () => auditRecorder(new AuditLog(dir), { argv: ['x'.repeat(150)] }));
    recorders.forEach((rec, r) => {
      for (let i = 0; i < 10; i++) for (const e of deployEvents(`op-${r}-${i}`)) rec(e);
    });
    await Promise.all(recorders.map((r) => r.flush()));
    const text = await readFile(auditLogPath(dir), 'utf8');
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(100);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(new Set((await readAudit(dir)).map((r) => r.op)).size).toBe(100);
  });

  it('interrupt() records an unfinished operation, unfinished hosts as skipped', async () => {
    const rec = auditRecorder(dir, { argv: ['snapshot', '--all'], jumpHost: 'jump1' });
    const events = deployEvents('op-cut');
    for (const e of events.slice(0, 5)) rec(e); // op-start … web1's result
    await rec.interrupt('interrupted by SIGINT');
    const [record] = await readAudit(dir);
    expect(record).toMatchObject({
      op: 'op-cut',
      status: 'interrupted',
      ok: false,
      text: 'interrupted by SIGINT',
      hosts: ['web1', 'web2', 'db1'],
      summary: { ok: 1, skipped: 2 },
      snapshots: { web1: 'a'.repeat(40) },
    });
    expect(record?.results.web2).toEqual({ outcome: 'skipped', text: 'not finished' });
    // Late events of the interrupted operation (its op-end) add nothing.
    for (const e of events.slice(5)) rec(e);
    await rec.interrupt('again');
    await rec.flush();
    expect(await readAudit(dir)).toHaveLength(1);
  });

  it('the audit file keeps mode 0600 even if it was loosened', async () => {
    await writeFile(auditLogPath(dir), '', { mode: 0o644 });
    const rec = auditRecorder(dir, { argv: [] });
    for (const e of deployEvents()) rec(e);
    await rec.flush();
    expect((await stat(auditLogPath(dir))).mode & 0o777).toBe(0o600);
  });

  it('a failing write is reported, not thrown into the operation', async () => {
    const blocker = path.join(dir, 'file-not-folder');
    await writeFile(blocker, 'x');
    const errors: unknown[] = [];
    const rec = auditRecorder(path.join(blocker, 'state'), { argv: [], onError: (e) => errors.push(e) });
    for (const e of deployEvents()) expect(() => rec(e)).not.toThrow();
    await rec.flush();
    expect(errors).toHaveLength(1);
  });
});

describe('summarizeArgv', () => {
  it('masks secret-looking option values and assignments, truncates long ones', () => {
    expect(summarizeArgv(['deploy', '--password', 'p', '--secret=s', '-k', '--ssh-key', 'k', 'db_pass=x', 'name=web', '--yes'])).toEqual([
      'deploy', '--password', '***', '--secret=***', '-k', '--ssh-key', '***', 'db_pass=***', 'name=web', '--yes',
    ]);
    expect(summarizeArgv(['--token', '--yes'])).toEqual(['--token', '--yes']);
    expect(summarizeArgv(['y'.repeat(300)])[0]).toHaveLength(201);
    const many = summarizeArgv(Array.from({ length: 100 }, (_, i) => `h${i}`));
    expect(many).toHaveLength(65);
    expect(many[64]).toBe('… 36 more');
  });
});

describe('operator', () => {
  it('prefers SUDO_USER, then USER, then the OS user', () => {
    expect(operator({ SUDO_USER: 'alice', USER: 'root' })).toBe('alice');
    expect(operator({ USER: 'bob' })).toBe('bob');
    expect(operator({ SUDO_USER: '', USER: '' })).toBe(os.userInfo().username);
    expect(operator({})).toBe(os.userInfo().username);
  });
});
