/** `konf init [DIR] [--host NAME]`: scaffold a new fleet repository. */
import path from 'node:path';
import { EXIT_CODES } from '../exitCodes.js';
import type { CliCommand } from './command.js';

export const initCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('init')
      .summary('create a new fleet repository (one host, commented examples)')
      .argument('[dir]', 'folder to create it in', '.')
      .option('--host <name>', 'the first managed host', 'web1')
      .action(
        ctx.action(async (dir: string, o: { host: string }) => {
          const { scaffoldFleet } = await import('../../core/fleet/scaffold.js');
          const target = path.resolve(ctx.io.cwd, dir);
          const written = await scaffoldFleet(target, o.host);
          ctx.out(`created a fleet repository in ${target}:\n${written.map((f) => `  ${f}`).join('\n')}\n`);
          ctx.out(`next: describe how to reach ${o.host} in etc/ssh_config (or ~/.ssh/config), then\n  konf --repo ${target} show ${o.host}\n  konf --repo ${target} diff ${o.host}\n`);
          return EXIT_CODES.ok;
        }),
      );
  },
};
