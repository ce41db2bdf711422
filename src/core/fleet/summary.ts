/**
 * One line of inventory per host (switch, exclude and planned-file counts), as `konf hosts`
 * and the console's host list show it. A configuration error in one host's files is
 * recorded on that host (`error`), so the others are still listed.
 */
import { ConfigError } from '../errors.js';
import type { Fleet } from './types.js';

/** A host's line of inventory, from the repository alone (the ops layer's HostSummary extends it). */
export interface HostInventory {
  name: string;
  switches: number;
  excludes: number;
  /** Planned files; undefined when the host's plan failed (see error). */
  files?: number;
  /** Configuration error for this host (file:line: message), if any. */
  error?: string;
  /** Merged switch values, for `switch=value` filtering in the console. */
  values: Record<string, string>;
}

/** A host's summary plus the ConfigError that stopped it, if any (for callers that format errors themselves). */
export async function inspectHost(fleet: Fleet, host: string): Promise<{ summary: HostInventory; error?: ConfigError }> {
  const summary: HostInventory = { name: host, switches: 0, excludes: 0, values: {} };
  try {
    const { switches } = await fleet.switches(host);
    summary.switches = switches.length;
    summary.values = Object.fromEntries(switches.map((s) => [s.name, s.value]));
    summary.excludes = (await fleet.excludes(host)).length;
    summary.files = (await fleet.plan(host)).files.length;
    return { summary };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    summary.error = err.format();
    return { summary, error: err };
  }
}

export async function summarizeHost(fleet: Fleet, host: string): Promise<HostInventory> {
  return (await inspectHost(fleet, host)).summary;
}

/** Summaries of every host, in inventory order. */
export async function summarizeHosts(fleet: Fleet): Promise<HostInventory[]> {
  return Promise.all(fleet.hosts.map((host) => summarizeHost(fleet, host)));
}
