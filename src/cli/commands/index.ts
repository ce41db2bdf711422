/** Every command, in the order `konf --help` lists them. Add new commands here. */
import type { CliCommand } from './command.js';
import { hostsCommand } from './hosts.js';
import { initCommand } from './init.js';
import { showCommand } from './show.js';
import {
  consoleCommandSpec,
  deployCommandSpec,
  diffCommandSpec,
  historyCommandSpec,
  logCommandSpec,
  rollbackCommandSpec,
  snapshotCommandSpec,
} from './operations.js';
import { adoptCommandSpec, rebuildCommandSpec } from './driftCommands.js';

export type { CliCommand } from './command.js';

export const COMMANDS: readonly CliCommand[] = [
  hostsCommand,
  showCommand,
  diffCommandSpec,
  deployCommandSpec,
  snapshotCommandSpec,
  historyCommandSpec,
  rollbackCommandSpec,
  adoptCommandSpec,
  rebuildCommandSpec,
  logCommandSpec,
  consoleCommandSpec,
  initCommand,
];
