/**
 * End to end in tmux at 80×24: the built console (dist/) on a small in-memory fleet
 * (fixtures/fakeConsole.mjs), driven with real key presses through a pty. The test
 * against the real sshd test fleet is wired separately once the backend is complete.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ciVariables, killPids, pidsWithMarker, tmuxAvailable, withTmux, type TmuxSession } from '../helpers/tmux.js';
import { waitForFile } from '../helpers/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const fixture = path.join(here, 'fixtures/fakeConsole.mjs');
const built = existsSync(path.join(root, 'dist/src/console/run.js'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'konf-e2e-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

const SHELL = ['bash', '--norc', '--noprofile'];

/** A word on the console's command line that only this run uses (to find and kill its node). */
function newMarker(): string {
  return `konf-e2e-console-${process.pid}-${++runs}`;
}

async function startConsole(tmux: TmuxSession, marker: string, vars = ''): Promise<void> {
  await tmux.waitForText('e2e$');
  await tmux.type(`${vars}node ${fixture} ${marker}; echo "konf exited $?"`);
  await tmux.sendKeys('Enter');
}

/**
 * A shell in tmux running the fixture console; whatever happens, the console's node
 * process is SIGKILLed afterwards (killing tmux alone once left consoles running).
 */
async function withConsoleShell(fn: (tmux: TmuxSession, marker: string) => Promise<void>): Promise<void> {
  const marker = newMarker();
  try {
    await withTmux(SHELL, options(), (tmux) => fn(tmux, marker));
  } finally {
    killPids(pidsWithMarker(marker));
  }
}

/** A shell at 80×24 with its own preferences folder (the console remembers the last host). */
function options() {
  const configDir = path.join(scratch, `config-${++runs}`);
  const env = { PS1: 'e2e$ ', KONF_CONFIG_DIR: configDir, TERM: 'tmux-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  // CI variables are dropped so the console's shell looks like any admin's terminal.
  return { columns: 80, rows: 24, env, unset: ciVariables(), cwd: root };
}

// Node and Ink start slowly on a loaded CI machine: generous deadlines, generous test timeouts.
describe.skipIf(!tmuxAvailable() || !built)(`console in tmux at 80\u00d724${built ? '' : ' (needs npm run build)'}`, { timeout: 120_000 }, () => {
  it('opens, filters, opens a diff, toggles side-by-side, quits and restores the terminal', async () => {
    await withConsoleShell(async (tmux, marker) => {
      await startConsole(tmux, marker);
      let screen = await tmux.waitForText('web1     2 pending');
      expect(screen).toContain('db1      1 pending');
      expect(screen).toContain('web2     in sync');
      const rows = screen.replace(/\n$/, '').split('\n');
      expect(rows).toHaveLength(24);
      expect(rows[0]).toMatch(/^ konf \u00b7 /); // the title is on the top line
      expect(rows[23]).toMatch(/Space mark.*q quit/); // the hint bar on the bottom one (the host list keeps its own key, mark)

      await tmux.sendKeys('/');
      await tmux.type('db');
      screen = await tmux.waitForText('/db');
      expect(screen).toContain('Hosts 1/3');
      expect(screen).not.toContain('web1 ');
      await tmux.sendKeys('Enter');
      await tmux.waitForText('filter: db');

      await tmux.sendKeys('d');
      // The diff engine loads after the first frame: wait for the diff itself, not only its file name.
      screen = await tmux.waitForText(/4 +- shared_buffers = 128MB/);
      expect(screen).toContain('postgresql.conf');
      expect(screen).toMatch(/4 \+ shared_buffers = 4GB/);

      await tmux.sendKeys('v');
      screen = await tmux.waitForText('side-by-side');
      // 80 columns leave each side ~19 characters: the line is cut (and marked so), the pairing is not.
      const row = screen.split('\n').find((l) => l.includes('4- shared_buffers')) ?? '';
      expect(row).toMatch(/4- shared_buffers = 1\S*\u203a\u2502\s*4\+ shared_buffers = 4/);
      const colored = await tmux.capturePane({ colors: true });
      expect(sgrCodes(colored)).toContain(31); // red deletions
      expect(sgrCodes(colored)).toContain(32); // green insertions

      await tmux.sendKeys('q');
      screen = await tmux.waitForText('konf exited 0');
      // The alternate screen is gone: the shell and the command line are back, the console is not.
      expect(screen).toContain('e2e$ node');
      expect(screen).not.toContain('Hosts');
      expect(screen).not.toContain('side-by-side');
    });
  });

  it('respects NO_COLOR', async () => {
    await withConsoleShell(async (tmux, marker) => {
      await startConsole(tmux, marker, 'NO_COLOR=1 ');
      await tmux.waitForText('web1     2 pending');
      await tmux.sendKeys('d');
      await tmux.waitForText('nginx.conf');
      const colored = await tmux.capturePane({ colors: true });
      const codes = sgrCodes(colored);
      expect(codes.filter((c) => (c >= 30 && c <= 37) || (c >= 90 && c <= 97))).toEqual([]);
      expect(codes).toContain(7); // inverse still marks the selection
      await tmux.sendKeys('q');
      await tmux.waitForText('konf exited 0');
    });
  });

  it('Ctrl-C leaves the alternate screen too', async () => {
    await withConsoleShell(async (tmux, marker) => {
      await startConsole(tmux, marker);
      await tmux.waitForText('web1     2 pending');
      await tmux.sendKeys('C-c');
      const screen = await tmux.waitForText('konf exited 0');
      expect(screen).not.toContain('Hosts');
    });
  });

  it('measures start-up and the bytes one cursor move writes in a 2,000-host list', async () => {
    const counter = path.join(scratch, 'bytes-written');
    /** What the console has written to its terminal so far (the fixture counts it). */
    const written = async (pid: number): Promise<number> => {
      rmSync(counter, { force: true });
      process.kill(pid, 'SIGUSR2');
      return Number(await waitForFile(counter));
    };
    /** host selected, and the detail pane showing it. */
    const settled = (host: string) => (s: string) => s.includes(`> ${host}`) && s.includes(`${host}: in sync, nothing to deploy`);
    await withConsoleShell(async (tmux, marker) => {
      await tmux.waitForText('e2e$');
      const started = Date.now();
      await startConsole(tmux, marker, `KONF_FAKE_HOSTS=2000 KONF_E2E_BYTES=${counter} `);
      await tmux.waitForText('host0001');
      const firstFrameMs = Date.now() - started;
      await tmux.waitFor((s) => !s.includes('to check') && s.includes('2003 hosts'), 60_000, 'all hosts checked');
      const [pid] = pidsWithMarker(marker);
      expect(pid).toBeDefined();
      await tmux.sendKeys('G');
      await tmux.waitFor(settled('host2000'), 30_000, 'host2000 selected and shown');
      const before = await written(pid!);
      await tmux.sendKeys('k');
      await tmux.waitFor(settled('host1999'), 30_000, 'host1999 selected and shown');
      const bytes = (await written(pid!)) - before;
      console.log(`e2e measurements: first frame ${firstFrameMs} ms after typing the command (node start-up included); one cursor move in a 2,003-host list: ${bytes} bytes`);
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(4096);
      await tmux.sendKeys('q');
      await tmux.waitForText('konf exited 0');
    });
  });
});

/** Every SGR parameter (colors 31, 32…, inverse 7…) used on a screen captured with colors. */
function sgrCodes(screen: string): number[] {
  const codes = new Set<number>();
  for (const part of screen.split(String.fromCharCode(27)).slice(1)) {
    const match = /^\[([0-9;]*)m/.exec(part);
    if (match) for (const code of (match[1] ?? '').split(';')) if (code !== '') codes.add(Number(code));
  }
  return [...codes];
}
