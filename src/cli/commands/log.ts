/**
 * `konf log [--host H] [-n N] [--json]`: the audit log, oldest first, newest last; with a
 * shared snapshot store, every jump host's records merged by time (fetched first).
 */
import path from 'node:path';
import { readKonfConf } from '../../core/fleet/konfConf.js';
import { readTeamAudit } from '../../core/ops/storeSync.js';
import { ConfigError } from '../../core/errors.js';
import { paletteFor } from '../color.js';
import type { CliIO } from '../context.js';
import { EXIT } from './opsCommon.js';

export interface LogFlags {
  repo: string;
  state?: string;
  host?: string;
  lines?: string;
  json?: boolean;
}

export async function logCommand(flags: LogFlags, io: CliIO): Promise<number> {
  const limit = flags.lines === undefined ? 20 : Number(flags.lines);
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`-n takes a whole number >= 1, not ${flags.lines}`);
  const stateDir = path.resolve(flags.state ?? path.join(flags.repo, 'var'));
  const { records, warnings } = await readTeamAudit(stateDir, await readKonfConf(flags.repo), { limit, ...(flags.host ? { host: flags.host } : {}) });
  for (const w of warnings) io.stderr(`${paletteFor(io.stderrTerminal, io.env).yellow(`konf: warning: ${w}`)}\n`);
  if (flags.json) {
    for (const r of records) io.stdout(`${JSON.stringify(r)}\n`);
    return EXIT.ok;
  }
  const c = paletteFor(io.stdoutTerminal, io.env);
  if (records.length === 0) io.stdout('no operations recorded yet\n');
  for (const r of records) {
    const status = r.status === 'interrupted' ? c.yellow('interrupted') : r.ok ? c.green('ok') : c.red('failed');
    io.stdout(`${r.start}  ${r.kind.padEnd(9)} ${status}  ${r.operator}@${r.jumpHost}  ${r.hosts.join(',')}  ${c.dim(r.text)}${r.dryRun ? c.dim(' (dry run)') : ''}\n`);
    for (const [host, res] of Object.entries(r.results)) {
      if (res.outcome === 'unchanged') continue;
      const snap = res.snapshot ? c.dim(` snapshot ${res.snapshot.slice(0, 10)}`) : '';
      io.stdout(`    ${host}: ${res.outcome}${res.text ? ` ${c.dim(res.text)}` : ''}${snap}\n`);
    }
  }
  return EXIT.ok;
}
