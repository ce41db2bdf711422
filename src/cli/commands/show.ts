/** `konf show HOST [--json] [--reveal]`: everything konf knows about one host, without contacting it. */
import { EXIT_CODES } from '../exitCodes.js';
import type { CliCommand } from './command.js';

interface ShowOptions {
  json?: boolean;
  reveal?: boolean;
}

export const showCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('show')
      .summary('show one host: switches, excludes, planned files, hooks')
      .description('show a host: merged switches with their origin, excludes and what they matched, planned files with provenance, skipped files, hooks, warnings')
      .argument('<host>', 'a host of the inventory (see konf hosts)')
      .option('--json', 'print one JSON object')
      .option('--reveal', 'show secret switch values instead of ********')
      .addHelpText('after', '\nNothing is read from or written to the host: this is the plan, from the repository alone.\n')
      .action(
        ctx.action(async (host: string, options: ShowOptions) => {
          const fleet = await ctx.fleet();
          fleet.assertHost(host);
          const plan = await fleet.plan(host);
          const { buildShowReport, formatShowReport } = await import('../showReport.js');
          const report = buildShowReport(plan, fleet.root, options.reveal ?? false);
          ctx.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatShowReport(report));
          return EXIT_CODES.ok;
        }),
      );
  },
};
