/** `konf history HOST [--json]`: a host's snapshots, newest first (the shared store's, fetched first, when one is set). */
import { fetchShared } from '../../core/ops/storeSync.js';
import { paletteFor } from '../color.js';
import { EXIT, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export async function historyCommand(host: string, flags: OpsFlags): Promise<number> {
  const rt = await openRuntime(flags);
  try {
    const [selected] = selectHosts(rt, [host], false);
    const warnings = await fetchShared(rt);
    for (const w of warnings) process.stderr.write(`${paletteFor(process.stderr).yellow(`konf: warning: ${w}`)}\n`);
    const store = await rt.store();
    const snaps = await store.history(selected as string);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(snaps, null, 1)}\n`);
      return EXIT.ok;
    }
    const c = paletteFor(process.stdout);
    if (snaps.length === 0) process.stdout.write(`${host}: no snapshots yet (konf snapshot ${host})\n`);
    for (const s of snaps) {
      const msg = s.message ? `  ${s.message}` : '';
      process.stdout.write(`${c.yellow(s.id.slice(0, 10))}  ${s.time}  ${s.reason.padEnd(12)} ${s.operator.padEnd(10)} ${String(s.files).padStart(4)} files, ${s.changed.length} changed${msg}\n`);
    }
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
