/** The commands that answer drift and bring hosts back: adopt and rebuild (each loads its implementation only when it runs). */
import type { CliCommand } from './command.js';
import { connectionOptions, where } from './operations.js';

interface Common {
  parallel?: string;
  acceptNew?: boolean;
  reveal?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export const adoptCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('adopt')
        .summary("answer drift: take a host's live file into the repository, or keep it on that host only")
        .description(
          "--to repo: the live file (and its permissions line when its mode/owner/group differ) goes into etc/files for every host — or, for a file konf does not manage yet, is captured there; every other host this changes is shown with its diff first. --to exclude: the path is added to etc/serverconfig/exclude/HOST with a comment naming who and when. A template cannot be written back: konf shows the live file beside the rendered template and offers to edit the template in $EDITOR or exclude the file. Every repository change is shown as a diff before it is written, and left in the working tree (--commit: one git commit naming host, paths and operator). To revert the host instead: konf deploy HOST --only PATH. Exit 0 ok, 2 bad input (nothing written), 3 the repository changed since the preview",
        )
        .argument('<host>', 'the host whose live files win')
        .argument('<paths...>', 'absolute paths as on the host')
        .requiredOption('--to <where>', 'repo (into etc/files, for every host) or exclude (keep it on this host only)')
        .option('--this-host-only', 'for a captured file: leave it out on every other host (an exclude line each)')
        .option('-y, --yes', 'do not ask (the preview is printed all the same)')
        .option('--commit', 'commit the changed repository files (git), naming host, paths and operator')
        .option('-v, --verbose', 'more detail'),
    ).action(
      ctx.action(async (host: string, paths: string[], o: Common & { to: string; yes?: boolean; commit?: boolean; thisHostOnly?: boolean }) => {
        const { adoptCommand } = await import('./adopt.js');
        return adoptCommand(host, paths, { ...o, ...(await where(ctx)) }, ctx.io);
      }),
    );
  },
};

export const rebuildCommandSpec: CliCommand = {
  register(program, ctx) {
    connectionOptions(
      program
        .command('rebuild')
        .summary('bring a fresh or broken host back from a snapshot (its own, or --from another host), then its plan')
        .description(
          "writes every path the snapshot recorded (planned, excluded and konf_watch files) with content, mode, owner and group, then the host's plan on top; nothing is removed. Default snapshot: the newest that recorded a file. Shows the diff first and asks on a terminal (--yes otherwise); lock, snapshot first (pre-rebuild), pre-rollback hooks, journaled writes, post-rollback hooks, like a deploy. --from OTHER rebuilds a replacement host from OTHER's snapshot with its own switches in the plan. Exit 0 ok, 2 configuration error, 3 the host failed (restored, or nothing written), 4 not back yet",
        )
        .argument('<host>', 'the host to rebuild (in the inventory)')
        .argument('[snapshot]', 'snapshot id (see konf history HOST, or konf history OTHER with --from)')
        .option('--from <other>', "use this host's snapshots (a dead host the new one replaces)")
        .option('-n, --dry-run', 'show the diff only')
        .option('-y, --yes', 'do not ask')
        .option('--break-lock', "remove another run's lock (says whose; an unfinished journal there is put back first)")
        .option('--json', 'one JSON event per line')
        .option('-v, --verbose', 'more detail'),
    ).action(
      ctx.action(async (host: string, snapshot: string | undefined, o: Common & { from?: string; dryRun?: boolean; yes?: boolean; breakLock?: boolean }) => {
        const { rebuildCommand } = await import('./rebuild.js');
        return rebuildCommand(host, snapshot, { ...o, ...(await where(ctx)) }, ctx.io);
      }),
    );
  },
};
