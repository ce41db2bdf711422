#!/usr/bin/env node
/**
 * `npm run demo`: starts the demo fleet (real sshd on 127.0.0.1), opens the console on
 * it, and on quit (or Ctrl-C at any point) stops every sshd and removes its temp files.
 *
 *   node dist/src/demo/main.js [--dir DIR] [--no-console]
 *
 * --no-console sets the fleet up for the CLI: it prints the `export KONF_REPO=… KONF_STATE=…`
 * line to paste into another shell, and waits; Ctrl-C (or SIGTERM, SIGHUP) stops the fleet
 * and removes its folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findSshd, SSHD_MISSING_MESSAGE } from '../testfleet/testFleet.js';
import { setupDemo, type DemoFleet } from './setupDemo.js';

/** The konf package folder (holds package.json), whether run from dist/ or from src/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
const PACKAGE_ROOT = packageRoot();

async function main(argv: string[]): Promise<number> {
  const dirIndex = argv.indexOf('--dir');
  const dir = dirIndex >= 0 ? argv[dirIndex + 1] : undefined;
  const noConsole = argv.includes('--no-console');
  if (!findSshd()) {
    process.stderr.write(`konf demo: ${SSHD_MISSING_MESSAGE}\n`);
    return 1;
  }
  let demo: DemoFleet | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= demo ? demo.stop() : Promise.resolve());
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\nkonf demo: ${sig}: stopping the demo fleet\n`);
    void stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const t0 = Date.now();
    demo = await setupDemo({ source: PACKAGE_ROOT, ...(dir ? { dir } : {}), onProgress: (t) => process.stderr.write(`konf demo: ${t}\n`) });
    process.stderr.write(`konf demo: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    if (noConsole) {
      const bin = path.join(PACKAGE_ROOT, 'dist/src/cli/main.js');
      process.stdout.write(
        [
          'The demo fleet runs. In another shell, point konf at it with:',
          '',
          `export KONF_REPO=${demo.repo} KONF_STATE=${demo.state}`,
          '',
          'then: konf hosts, konf diff --all, konf deploy web1 …',
          `(konf on your PATH: npm run build && npm link in ${PACKAGE_ROOT}; or run node ${bin})`,
          'Ctrl-C here stops the demo fleet and removes its folder.',
          '',
        ].join('\n'),
      );
      await new Promise<void>(() => undefined);
      return 0;
    }
    // The console reads keys itself (raw mode): its Ctrl-C is a key, not a signal. It also
    // handles SIGTERM and SIGHUP itself (operations are put back at a safe point first); the
    // demo fleet is stopped once it has returned.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    const { OpsRuntime } = await import('../core/ops/runtime.js');
    const { openFleetSession } = await import('../core/ops/fleetSession.js');
    const { runConsole } = await import('../console/run.js');
    const rt = await OpsRuntime.open({ repo: demo.repo, stateDir: demo.state, userSshConfig: '/dev/null' });
    const session = await openFleetSession(rt);
    try {
      return await runConsole(session, { configDir: demo.configDir });
    } finally {
      await session.close();
    }
  } catch (err) {
    process.stderr.write(`konf demo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`konf demo: ${String(err)}\n`);
    process.exit(1);
  },
);
