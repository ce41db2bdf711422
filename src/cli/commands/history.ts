/** `konf history HOST [--json]`: a host's snapshots, newest first (the shared store's, fetched first, when one is set). */
import { fetchShared } from '../../core/ops/storeSync.js';
import { paletteFor } from '../color.js';
import type { CliIO } from '../context.js';
import { EXIT, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export async function historyCommand(host: string, flags: OpsFlags, io: CliIO): Promise<number> {
  const rt = await openRuntime(flags);
  try {
    const [selected] = selectHosts(rt, [host], false);
    const warnings = await fetchShared(rt);
    for (const w of warnings) io.stderr(`${paletteFor(io.stderrTerminal, io.env).yellow(`konf: warning: ${w}`)}\n`);
    const store = await rt.store();
    const snaps = await store.history(selected as string);
    if (flags.json) {
      io.stdout(`${JSON.stringify(snaps, null, 1)}\n`);
      return EXIT.ok;
    }
    const c = paletteFor(io.stdoutTerminal, io.env);
    if (snaps.length === 0) io.stdout(`${host}: no snapshots yet (konf snapshot ${host})\n`);
    for (const s of snaps) {
      const msg = s.message ? `  ${s.message}` : '';
      io.stdout(`${c.yellow(s.id.slice(0, 10))}  ${s.time}  ${s.reason.padEnd(12)} ${s.operator.padEnd(10)} ${String(s.files).padStart(4)} files, ${s.changed.length} changed${msg}\n`);
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
