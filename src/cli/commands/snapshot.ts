/** `konf snapshot HOST…|--all [--message TEXT] [--json]`. */
import { snapshot } from '../../core/ops/snapshot.js';
import { cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface SnapshotFlags extends OpsFlags {
  all?: boolean;
  message?: string;
}

export async function snapshotCommand(hosts: string[], flags: SnapshotFlags): Promise<number> {
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all, flags.shard);
    const report = await snapshot(rt, { hosts: selected, signal: cancel.signal, onEvent: eventSink(flags), ...(flags.message ? { message: flags.message } : {}) });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
