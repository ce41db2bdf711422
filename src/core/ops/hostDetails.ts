/**
 * The inventory columns of a host beyond its plan: the address konf connects to (HostName
 * as konf's ssh config resolution gives it: etc/ssh_config, then ~/.ssh/config) and its
 * last deploy from the audit log (with a shared store, every jump host's records merged,
 * as `konf log` shows them). Shared by `konf hosts` and the console (FleetSession.inventory).
 */
import { errorMessage } from '../errors.js';
import type { OpsRuntime } from './runtime.js';
import type { HostDetails } from './session.js';
import { lastDeploys } from './lastDeploys.js';
import { readTeamAudit } from './storeSync.js';

export interface HostDetailsResult {
  details: Record<string, HostDetails>;
  /** Things that could not be read (a shared store that did not answer, the audit log): one line each. */
  warnings: string[];
}

/** `host:port` when the port is not ssh's 22, else the HostName alone. */
export function addressText(hostName: string, port: number): string {
  return port === 22 ? hostName : `${hostName.includes(':') ? `[${hostName}]` : hostName}:${port}`;
}

export async function readHostDetails(rt: OpsRuntime, hosts: readonly string[]): Promise<HostDetailsResult> {
  const details: Record<string, HostDetails> = {};
  const warnings: string[] = [];
  for (const host of hosts) {
    try {
      const resolved = rt.pool.config.resolve(host);
      details[host] = { address: addressText(resolved.hostName, resolved.port) };
    } catch (err) {
      // A config error names its file:line; the host's check shows it too.
      details[host] = { addressError: errorMessage(err) };
    }
  }
  try {
    const team = await readTeamAudit(rt.stateDir, rt.conf);
    warnings.push(...team.warnings);
    for (const [host, last] of Object.entries(lastDeploys(team.records, hosts))) details[host] = { ...details[host], lastDeploy: last };
  } catch (err) {
    warnings.push(`cannot read the audit log: ${errorMessage(err)}`);
  }
  return { details, warnings };
}
