/**
 * The konf command line: global options, one module per command (src/cli/commands/), the
 * shared context and the shared error handler. `runCli` returns the exit code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { CliContext, type CliIO } from './context.js';
import { reportError } from './errors.js';
import { exitCodesSummary } from '../core/exitCodes.js';

/** The package version, from the nearest package.json above this file (src/ or dist/src/). */
function version(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'konf' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: look further up
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}

const HELP_AFTER = `
The fleet repository holds etc/serverconfig/ (default + one switch file per host),
etc/serverconfig/exclude/<host>, etc/files/ (the desired tree, *.tmpl rendered per host),
etc/permissions and hooks/<phase>/. Run \`konf help COMMAND\` for a command's options.

Exit codes: ${exitCodesSummary()}.

Examples:
  konf hosts                     the inventory
  konf show web1                 switches, excludes, planned files and hooks of web1
  konf --repo ~/fleet show db1 --json
`;

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('konf');
  ctx.attach(program);
  program
    .description('Keep the configuration files of a fleet of Linux servers right, over plain SSH.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .option('--repo <dir>', 'fleet repository (default: $KONF_REPO, else the nearest parent folder holding etc/serverconfig)')
    .option('--state <dir>', 'state folder for snapshots, audit log and locks (default: $KONF_STATE, else <repo>/var)')
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr })
    .showHelpAfterError('(run konf --help for usage)')
    .exitOverride()
    .addHelpText('after', HELP_AFTER);

  for (const command of COMMANDS) command.register(program, ctx);

  // `konf` alone opens the console on a terminal, else shows the help; set after the
  // commands are registered, since subcommands inherit this setting.
  program.allowExcessArguments(true).action(
    ctx.action(async () => {
      const [unknown] = program.args;
      if (unknown !== undefined) {
        throw new ConfigError(`unknown command '${unknown}' (commands: ${program.commands.map((c) => c.name()).join(', ')}; see konf --help)`);
      }
      if (ctx.io.terminal) {
        const { openConsole } = await import('./commands/operations.js');
        return openConsole(ctx);
      }
      program.outputHelp();
    }),
  );
  return program;
}

/** Runs konf with the arguments after the program name; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx = new CliContext(io);
  try {
    const program = buildProgram(ctx);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportError(err, { repoRoot: ctx.repoRoot, repoOrigin: ctx.repoOrigin, cwd: io.cwd, env: io.env, stderr: io.stderr });
  }
}
