/**
 * Slow, holdable renames on a test host: an `mv` wrapper put first on the PATH of every
 * session of a test fleet (TestFleetOptions.env). Each `mv` whose arguments name a konf
 * temp file (`.konf-tmp-…`: staged files, backups, the journal) takes a number (1, 2, …),
 * waits `delayMs`, and the call numbered `hold` first creates `held` in the control
 * folder and waits until `release` exists there — so a test can act between two renames
 * (wait with inotify for `held`, cut the connection, then release). Other `mv` calls go
 * straight to the real one.
 */
import { watch } from 'node:fs';
import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SlowRenames {
  /** Variables for the fleet's sshd (PATH first, then the wrapper's settings). */
  env: Record<string, string>;
  /** Arms the wrapper: hold at call `hold` (counted from the next call), `delayMs` per call. */
  arm(o: { hold?: number; delayMs: number }): Promise<void>;
  /** Resolves when the held call is waiting (inotify on the control folder). */
  held(timeoutMs?: number): Promise<void>;
  /** Lets the held call go on. */
  release(): Promise<void>;
  /** Renames of konf temp files so far. */
  calls(): Promise<number>;
  /** Stops slowing: later calls go straight through. */
  disarm(): Promise<void>;
}

export async function slowRenames(dir: string): Promise<SlowRenames> {
  const bin = path.join(dir, 'bin');
  const control = path.join(dir, 'control');
  await mkdir(bin, { recursive: true });
  await mkdir(control, { recursive: true });
  const realMv = '/bin/mv';
  await writeFile(
    path.join(bin, 'mv'),
    `#!/bin/sh
# konf test wrapper: slows and holds renames of konf temp files (see test/helpers/slowRenames.ts)
c=${control}
case "$*" in
  *.konf-tmp-*)
    if [ -f "$c/armed" ]; then
      i=1
      while ! mkdir "$c/call.$i" 2>/dev/null; do i=$((i+1)); done
      hold=$(cat "$c/hold" 2>/dev/null)
      if [ "$i" = "$hold" ]; then
        : > "$c/held"
        while [ ! -e "$c/release" ]; do sleep 0.01; done
      fi
      delay=$(cat "$c/delay" 2>/dev/null)
      if [ -n "$delay" ] && [ "$delay" != 0 ]; then sleep "$delay"; fi
    fi
    ;;
esac
exec ${realMv} "$@"
`,
    { mode: 0o755 },
  );

  const exists = (p: string) => access(p).then(
    () => true,
    () => false,
  );
  return {
    env: { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
    async arm(o) {
      for (const name of await readdir(control)) await rm(path.join(control, name), { recursive: true, force: true });
      await writeFile(path.join(control, 'delay'), String(o.delayMs / 1000));
      if (o.hold !== undefined) await writeFile(path.join(control, 'hold'), String(o.hold));
      await writeFile(path.join(control, 'armed'), '');
    },
    held(timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const file = path.join(control, 'held');
        const done = (err?: Error) => {
          watcher.close();
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const watcher = watch(control, (_event, name) => {
          if (name === 'held') done();
        });
        const timer = setTimeout(() => done(new Error('the held rename never came')), timeoutMs);
        // It may have come before the watch started.
        void exists(file).then((yes) => yes && done());
      });
    },
    async release() {
      await writeFile(path.join(control, 'release'), '');
    },
    async calls() {
      return (await readdir(control)).filter((n) => n.startsWith('call.')).length;
    },
    async disarm() {
      await rm(path.join(control, 'armed'), { force: true });
      await writeFile(path.join(control, 'release'), '');
    },
  };
}
