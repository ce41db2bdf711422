/** Every command, in the order `konf --help` lists them. Add new commands here. */
import type { CliCommand } from './command.js';
import { hostsCommand } from './hosts.js';
import { showCommand } from './show.js';

export type { CliCommand } from './command.js';

export const COMMANDS: readonly CliCommand[] = [hostsCommand, showCommand];
