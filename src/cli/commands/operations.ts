/**
 * The commands that talk to hosts: diff, deploy, snapshot, history, rollback, log, and
 * the console. Each loads its implementation only when it runs.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { CliCommand } from './command.js';

interface Common {
  parallel?: string;
  acceptNew?: boolean;
  reveal?: boolean;
  json?: boolean;
  verbose?: boolean;
  shard?: string;
}

const SHARD_HELP = 'only shard K of N: a stable 1/N of the hosts chosen by a hash of each name, so N runs cover the fleet once (K counts from 1; Kubernetes: $((JOB_COMPLETION_INDEX + 1))/N)';

export function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--parallel <n>', 'hosts worked on at once (default 16)')
    .option('--accept-new', 'accept and record the host key of hosts not yet in known_hosts (like StrictHostKeyChecking accept-new)')
    .option('--reveal', 'show secret values instead of ********');
}

export async function where(ctx: CliContext): Promise<{ repo: string; state: string }> {
  return { repo: await ctx.repo(), state: await ctx.stateDir() };
}

export const diffCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('diff')
        .summary('what would change: live state vs the plan')
        .description(
          'compare each host with its plan; each pending file is marked pending (the repository changed), drifted (the host changed since konf wrote it) or both. Exit 0 when nothing is pending, 1 when changes are pending (with --drift: 1 only when a host drifted), 2 on configuration errors, 3 when a host failed',
        )
        .argument('[hosts...]', 'hosts to compare (default: all)')
        .option('--all', 'every host of the inventory')
        .option('--shard <K/N>', SHARD_HELP)
        .option('--stat', 'one line per file, no diff text')
        .option('--side-by-side', 'side-by-side diff instead of unified')
        .option('--width <columns>', 'columns for --side-by-side (default: $COLUMNS, else the terminal width, else 80)')
        .option('--drift', 'only files changed on the hosts since konf wrote them; exit 1 only when there are some (for cron, like chezmoi verify)')
        .option('--validate', 'also run the etc/validate file checks on staged copies of the pending writes on each host (nothing is renamed); exit 3 when one fails')
        .option('--html <file>', 'also write a self-contained HTML report')
        .option('--json', 'print one JSON document'),
    ).action(
      ctx.action(async (hosts: string[], o: Common & { all?: boolean; stat?: boolean; sideBySide?: boolean; html?: string; drift?: boolean; width?: string; validate?: boolean }) => {
        const { diffCommand } = await import('./diff.js');
        return diffCommand(hosts, { ...o, ...(await where(ctx)) }, ctx.io);
      }),
    );
  },
};

export const deployCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('deploy')
        .summary('write the plan to hosts (lock, snapshot, hooks, atomic writes)')
        .description(
          'per host: lock → snapshot (pre-deploy) → pre-deploy hooks → journaled atomic writes (etc/validate file checks on the staged files before any rename, set checks after the swap) → post-deploy hooks → [confirm access over a new connection] → unlock; a failure after the first write puts the host back and verifies it. Asks first on a terminal (listing every file and each hand edit it overwrites); needs --yes otherwise. Exit 0 every host deployed, 2 configuration error, 3 a host failed (refused by a check, restored, reverted, or nothing written) or a rollout in waves stopped, 4 a host is not back yet (its journal restores it on the next run), 129/130/141/143 interrupted',
        )
        .argument('[hosts...]', 'hosts to deploy')
        .option('--all', 'every host of the inventory')
        .option('--shard <K/N>', SHARD_HELP)
        .option('-n, --dry-run', 'show what would be written, write nothing')
        .option('-y, --yes', 'do not ask')
        .option('--fail-fast', 'stop starting new hosts after the first failure')
        .option('--break-lock', "remove another run's lock (says whose; an unfinished journal there is put back first)")
        .option(
          '--confirm-within <seconds>',
          'confirm-or-revert: each host reverts itself unless konf proves access over a new SSH connection within SECONDS (for sshd, PAM, sudoers, network, firewall changes; 0: off; default: the konf_confirm_within switch)',
        )
        .option('--waves <sizes>', 'roll out in waves, e.g. 1,10%,100% (each a wave size; a percentage is of all the hosts; the last repeats)')
        .option('--max-failures <n>', 'with --waves: failures a wave may have before the rollout stops, N or P% of the wave (default 0)')
        .option('--order <file>', 'with --waves: the hosts in rollout order, one a line (default: the inventory order)')
        .option('--rollback-on-stop', 'with --waves: when the rollout stops, also roll back the hosts of earlier waves')
        .option('--only <path>', 'deploy only this planned file (repeatable): e.g. revert a hand edit', (v: string, prev: string[] = []) => [...prev, v])
        .option('--json', 'one JSON event per line')
        .option('-v, --verbose', 'more detail'),
    ).action(
      ctx.action(
        async (
          hosts: string[],
          o: Common & { all?: boolean; dryRun?: boolean; yes?: boolean; failFast?: boolean; breakLock?: boolean; confirmWithin?: string; waves?: string; maxFailures?: string; order?: string; rollbackOnStop?: boolean; only?: string[] },
        ) => {
          const { deployCommand } = await import('./deploy.js');
          return deployCommand(hosts, { ...o, cwd: ctx.io.cwd, ...(await where(ctx)) }, ctx.io);
        },
      ),
    );
  },
};

export const snapshotCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('snapshot')
        .summary('record the live managed files of hosts in the snapshot store')
        .description('capture content and metadata of every managed (and watched) path of the hosts into the snapshot store. Exit 0 ok, 2 configuration error, 3 a host failed')
        .argument('[hosts...]', 'hosts to snapshot')
        .option('--all', 'every host of the inventory')
        .option('--shard <K/N>', SHARD_HELP)
        .option('-m, --message <text>', 'a note stored with the snapshot')
        .option('--json', 'one JSON event per line'),
    ).action(
      ctx.action(async (hosts: string[], o: Common & { all?: boolean; message?: string }) => {
        const { snapshotCommand } = await import('./snapshot.js');
        return snapshotCommand(hosts, { ...o, ...(await where(ctx)) }, ctx.io);
      }),
    );
  },
};

export const historyCommandSpec: CliCommand = {
  register(program, ctx) {
    program
      .command('history')
      .summary("a host's snapshots, newest first")
      .argument('<host>', 'a host of the inventory')
      .option('--json', 'print a JSON array')
      .action(
        ctx.action(async (host: string, o: Common) => {
          const { historyCommand } = await import('./history.js');
          return historyCommand(host, { ...o, ...(await where(ctx)) }, ctx.io);
        }),
      );
  },
};

export const rollbackCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('rollback')
        .summary('restore a host to a snapshot (default: undo the last deploy)')
        .description('restore content and metadata of a snapshot; shows the diff first and asks on a terminal (--yes otherwise). The host is snapshotted first (pre-rollback), so a rollback can be undone. Exit 0 ok, 2 configuration error, 3 the host failed')
        .argument('<host>', 'a host of the inventory')
        .argument('[snapshot]', 'snapshot id (see konf history HOST); default: the newest pre-deploy snapshot')
        .option('-n, --dry-run', 'show the diff only')
        .option('-y, --yes', 'do not ask')
        .option('--break-lock', "remove another run's lock (says whose; an unfinished journal there is put back first)")
        .option('--json', 'one JSON event per line'),
    ).action(
      ctx.action(async (host: string, snapshot: string | undefined, o: Common & { dryRun?: boolean; yes?: boolean; breakLock?: boolean }) => {
        const { rollbackCommand } = await import('./rollback.js');
        return rollbackCommand(host, snapshot, { ...o, ...(await where(ctx)) }, ctx.io);
      }),
    );
  },
};

export const logCommandSpec: CliCommand = {
  register(program, ctx) {
    program
      .command('log')
      .summary('the audit log: who did what to which hosts')
      .option('--host <host>', 'only operations on this host')
      .option('-n, --lines <n>', 'the newest N operations (default 20)')
      .option('--json', 'one JSON record per line')
      .action(
        ctx.action(async (o: { host?: string; lines?: string; json?: boolean }) => {
          const { logCommand } = await import('./log.js');
          return logCommand({ ...o, ...(await where(ctx)) }, ctx.io);
        }),
      );
  },
};

/**
 * Opens the console on a terminal (also what `konf` alone does there). `--parallel` bounds
 * its background checks too. Only the fleet's inventory is read before the console starts
 * (a broken repository is reported as for any command); the runtime (SSH, snapshot store,
 * plans) opens behind the first frame.
 */
export async function openConsole(ctx: CliContext, o: { parallel?: string; acceptNew?: boolean; reveal?: boolean } = {}): Promise<number> {
  // The console's modules load while the inventory is read (their file reads overlap).
  const { preloadConsole, runConsole } = await import('../../console/run.js');
  const preloading = preloadConsole();
  preloading.catch(() => undefined);
  // `konf --parallel N` (a program-level option, when declared) counts like `konf console --parallel N`.
  const parallel = o.parallel ?? (ctx.globals as { parallel?: string }).parallel;
  const concurrency = parallel === undefined ? undefined : Number(parallel);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    const { ConfigError } = await import('../../core/errors.js');
    throw new ConfigError(`--parallel takes a whole number >= 1, not ${String(parallel)}`);
  }
  const paths = await where(ctx);
  // The layout only (host names; checked as every command checks it): the template engine
  // and planning load behind the first frame, with the runtime.
  const [{ readLayout }, { deferredSession }] = await Promise.all([import('../../core/fleet/layout.js'), import('../../console/deferredSession.js')]);
  const fleet = await readLayout(paths.repo);
  // The console keeps a connection to every host it checked.
  const { descriptorsNeeded, ensureOpenFiles } = await import('../../core/util/openFiles.js');
  ensureOpenFiles(descriptorsNeeded(fleet.hosts.length, concurrency ?? 16), `the console over ${fleet.hosts.length} host(s)`);
  const session = deferredSession(fleet.root, fleet.hosts, async () => {
    const [{ openRuntime }, { openFleetSession }] = await Promise.all([import('./opsCommon.js'), import('../../core/ops/fleetSession.js')]);
    const rt = await openRuntime({ ...o, ...(parallel !== undefined ? { parallel } : {}), ...paths });
    // Host names are known already: the plans are rendered when the console asks for them.
    return openFleetSession(rt, { lazy: true });
  });
  // The console handles a terminal that goes away itself (operations stop at a safe point first).
  const { handleClosedOutput } = await import('../interrupts.js');
  const release = handleClosedOutput();
  try {
    return await runConsole(session, concurrency !== undefined ? { concurrency } : {});
  } finally {
    await session.close();
    release();
  }
}

export const consoleCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(program.command('console').summary('the full-screen console (also: konf alone, on a terminal)')).action(
      ctx.action(async (o: Common) => openConsole(ctx, o)),
    );
  },
};
