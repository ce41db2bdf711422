/** runConsole on fake terminal streams: alternate screen in and out, exit codes, crashes. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN, runConsole } from '../../src/console/run.js';
import { memoryPrefs } from '../../src/console/prefs.js';
import { eventually } from '../helpers/consoleTesting.js';
import { FakeSession } from '../helpers/fakeSession.js';

class Tty extends EventEmitter {
  isTTY = true;
  columns = 80;
  rows = 24;
  out = '';
  write = (chunk: string) => {
    this.out += chunk;
    return true;
  };
}

class TtyIn extends EventEmitter {
  isTTY = true;
  raw = false;
  private buffer: string | null = null;
  setRawMode(on: boolean) {
    this.raw = on;
    return this;
  }
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const data = this.buffer;
    this.buffer = null;
    return data;
  };
  type(data: string) {
    this.buffer = data;
    this.emit('readable');
  }
}

function streams() {
  const stdout = new Tty();
  const stderr = new Tty();
  const stdin = new TtyIn();
  // The process's signals stand in here: emitting SIGTERM on the test runner's own process
  // would run every other listener too (signal-exit's re-raises it: the runner would die).
  const signals = new EventEmitter();
  return {
    stdout,
    stderr,
    stdin,
    signals,
    options: { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, prefs: memoryPrefs(), signals },
  };
}

describe('runConsole', () => {
  it('enters the alternate screen, and leaves it on q with exit code 0', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    expect(s.stdout.out.startsWith(ENTER_ALT_SCREEN)).toBe(true);
    expect(s.stdin.raw).toBe(true);
    s.stdin.type('q');
    await expect(done).resolves.toBe(0);
    expect(s.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
    expect(s.stdin.raw).toBe(false);
  });

  it('shows stray console output in the log pane instead of over the screen', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    console.warn('a stray warning from below');
    await eventually(() => expect(s.stdout.out).toMatch(/konf +\u2502 a stray warning from below/));
    s.stdin.type('q');
    await expect(done).resolves.toBe(0);
    expect(s.stderr.out).toBe('');
  });

  it('Ctrl-C quits too (it is a key in raw mode)', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('web1'));
    s.stdin.type('\u0003');
    await expect(done).resolves.toBe(0);
    expect(s.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('restores the terminal and exits non-zero on a crash, printing the error', async () => {
    const s = streams();
    const session = new FakeSession();
    session.hosts = () => {
      throw new Error('inventory exploded');
    };
    const code = await runConsole(session, s.options);
    expect(code).toBe(1);
    expect(s.stdout.out.startsWith(ENTER_ALT_SCREEN)).toBe(true);
    expect(s.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
    expect(s.stderr.out).toContain('konf: the console crashed');
    expect(s.stderr.out).toContain('inventory exploded');
  });

  it('ends with 129 when the terminal input ends (hang-up), writing nothing more', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    const written = s.stdout.out.length;
    s.stdin.emit('end');
    await expect(done).resolves.toBe(129);
    expect(s.stdout.out.length).toBe(written);
    expect(s.stderr.out).toBe('');
  });

  it('ends with 129 on a read error of the terminal (EIO)', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    s.stdin.emit('error', Object.assign(new Error('read EIO'), { code: 'EIO' }));
    await expect(done).resolves.toBe(129);
  });

  it('a terminal whose writes fail ends the console once, without an error loop', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    let attempts = 0;
    const fail = () => {
      attempts++;
      throw Object.assign(new Error('write EIO'), { code: 'EIO' });
    };
    s.stdout.write = fail;
    s.stderr.write = fail;
    s.stdin.type('j');
    s.stdout.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }));
    await expect(done).resolves.toBe(129);
    expect(attempts).toBeLessThan(5);
  });

  it('SIGTERM ends it with 143 even when writing to the terminal fails', async () => {
    const s = streams();
    const done = runConsole(new FakeSession(), s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    s.stdout.write = () => {
      throw Object.assign(new Error('write EIO'), { code: 'EIO' });
    };
    s.signals.emit('SIGTERM', 'SIGTERM');
    await expect(done).resolves.toBe(143);
  });

  it('SIGTERM asks a running operation to stop at a safe point before leaving', async () => {
    const s = streams();
    const session = new FakeSession({ holdOperations: true });
    const deploy = session.deploy.bind(session);
    let finished: boolean | undefined;
    session.deploy = async (hosts, options) => {
      const result = await deploy(hosts, options);
      finished = result.ok;
      return result;
    };
    const done = runConsole(session, s.options);
    await eventually(() => expect(s.stdout.out).toContain('3 pending'));
    s.stdin.type('D');
    await eventually(() => expect(s.stdout.out).toContain('Deploy'));
    s.stdin.type('y');
    await eventually(() => expect(s.stdout.out).toContain('waiting (held by the test)'));
    s.signals.emit('SIGTERM', 'SIGTERM');
    await expect(done).resolves.toBe(143);
    // The operation saw the abort and finished (not ok) before the console left.
    expect(finished).toBe(false);
    expect(s.stdout.out.endsWith(LEAVE_ALT_SCREEN)).toBe(true);
  });

  it('refuses to start without a terminal', async () => {
    const s = streams();
    s.stdin.isTTY = false;
    await expect(runConsole(new FakeSession(), s.options)).resolves.toBe(2);
    expect(s.stdout.out).toBe('');
    expect(s.stderr.out).toContain('needs a terminal');
  });
});
