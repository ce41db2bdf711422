/** `konf hosts [--json]`: the inventory with switch, exclude and planned-file counts, each host's address and last deploy. */
import { EXIT_CODES } from '../exitCodes.js';
import { formatConfigError } from '../errors.js';
import { formatTable } from '../table.js';
import type { CliCommand } from './command.js';

interface HostsOptions {
  json?: boolean;
}

/** One host as `konf hosts --json` prints it. */
export interface HostsJsonRow {
  host: string;
  switches: number;
  excludes: number;
  /** Planned files; absent when the host's configuration has an error. */
  files?: number;
  /** Target root (konf_root). */
  root?: string;
  /** The configuration error (file:line:col: message) that stops this host. */
  error?: string;
  /** The HostName konf connects to (etc/ssh_config, then ~/.ssh/config), `:port` unless 22. */
  address?: string;
  /** Why the address could not be resolved (a broken etc/ssh_config names its file and line). */
  addressError?: string;
  /** The last deploy, rollback or rebuild that wrote the host (audit log; with a shared store, every jump host's): its kind and operation id. */
  lastDeploy?: { at: string; operator: string; kind: string; op?: string; ok: boolean };
}

export const hostsCommand: CliCommand = {
  register(program, ctx) {
    program
      .command('hosts')
      .summary('list the managed hosts')
      .description('list the managed hosts with their switch, exclude and planned-file counts, the address konf connects to and the last deploy (when, who)')
      .option('--json', 'print a JSON array (one object per host)')
      .addHelpText('after', '\nA host whose files or ssh config have an error is listed with it; konf then exits 2.\n')
      .action(
        ctx.action(async (options: HostsOptions) => {
          const fleet = await ctx.fleet();
          const { inspectHost } = await import('../../core/fleet/summary.js');
          const rows: HostsJsonRow[] = [];
          for (const host of fleet.hosts) {
            const { summary, error } = await inspectHost(fleet, host);
            const row: HostsJsonRow = { host, switches: summary.switches, excludes: summary.excludes };
            if (summary.files !== undefined) row.files = summary.files;
            if (error === undefined) row.root = (await fleet.switches(host)).settings.root;
            else row.error = formatConfigError(error, fleet.root, ctx.io.cwd);
            rows.push(row);
          }
          // Addresses and last deploys: the same reading as the console's inventory columns.
          const [{ openRuntime }, { readHostDetails }] = await Promise.all([import('./opsCommon.js'), import('../../core/ops/hostDetails.js')]);
          const rt = await openRuntime({ repo: await ctx.repo(), state: await ctx.stateDir() });
          try {
            const { details, warnings } = await readHostDetails(rt, fleet.hosts);
            for (const row of rows) {
              const d = details[row.host];
              if (d?.address !== undefined) row.address = d.address;
              if (d?.addressError !== undefined) row.addressError = d.addressError;
              const last = d?.lastDeploy;
              if (last) row.lastDeploy = { at: last.time, operator: last.operator, kind: last.kind ?? 'deploy', ...(last.op !== undefined ? { op: last.op } : {}), ok: last.ok };
            }
            for (const w of warnings) ctx.err(`konf: warning: ${w}\n`);
          } finally {
            await rt.close();
          }

          if (options.json) {
            ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
          } else if (rows.length === 0) {
            ctx.out(`no hosts: add one file per host to ${fleet.root}/etc/serverconfig/\n`);
          } else {
            const table = [['HOST', 'SWITCHES', 'EXCLUDES', 'FILES', 'ROOT', 'ADDRESS', 'DEPLOYED', 'BY']];
            for (const r of rows) {
              const last = r.lastDeploy;
              table.push([
                r.host,
                String(r.switches),
                String(r.excludes),
                r.files === undefined ? 'error' : String(r.files),
                r.root ?? '-',
                r.address ?? (r.addressError !== undefined ? 'error' : '-'),
                last ? `${last.at.slice(0, 16)}Z${last.kind === 'deploy' ? '' : `(${last.kind})`}` : '-',
                last ? `${last.operator}${last.ok ? '' : '(failed)'}` : '-',
              ]);
            }
            ctx.out(formatTable(table, ['left', 'right', 'right', 'right', 'left', 'left', 'left', 'left']));
          }
          const failed = rows.filter((r) => r.error !== undefined);
          for (const r of failed) ctx.err(`konf: ${r.host}: ${r.error ?? ''}\n`);
          // An ssh config konf cannot read stops every command that reaches the host: said once per message.
          const unresolved = rows.filter((r) => r.addressError !== undefined);
          for (const message of new Set(unresolved.map((r) => r.addressError))) {
            const hosts = unresolved.filter((r) => r.addressError === message).map((r) => r.host);
            ctx.err(`konf: ${hosts.join(', ')}: cannot resolve the address: ${message ?? ''}\n`);
          }
          return failed.length > 0 || unresolved.length > 0 ? EXIT_CODES.config : EXIT_CODES.ok;
        }),
      );
  },
};
