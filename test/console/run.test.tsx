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
  return {
    stdout,
    stderr,
    stdin,
    options: { stdout: stdout as unknown as NodeJS.WriteStream, stderr: stderr as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, prefs: memoryPrefs() },
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

  it('refuses to start without a terminal', async () => {
    const s = streams();
    s.stdin.isTTY = false;
    await expect(runConsole(new FakeSession(), s.options)).resolves.toBe(2);
    expect(s.stdout.out).toBe('');
    expect(s.stderr.out).toContain('needs a terminal');
  });
});
