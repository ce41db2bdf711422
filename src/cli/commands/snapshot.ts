/** `konf snapshot HOST…|--all [--message TEXT] [--json]`. */
import { snapshot } from '../../core/ops/snapshot.js';
import type { CliIO } from '../context.js';
import { cancelOnSigint, eventSink, exitFor, openRuntime, selectHosts, type OpsFlags } from './opsCommon.js';

export interface SnapshotFlags extends OpsFlags {
  all?: boolean;
  message?: string;
}

export async function snapshotCommand(hosts: string[], flags: SnapshotFlags, io: CliIO): Promise<number> {
  const rt = await openRuntime(flags);
  const cancel = cancelOnSigint();
  try {
    const selected = selectHosts(rt, hosts, flags.all, flags.shard, io);
    const report = await snapshot(rt, { hosts: selected, signal: cancel.signal, onEvent: eventSink(flags, io), ...(flags.message ? { message: flags.message } : {}) });
    return exitFor(report, cancel);
  } finally {
    cancel.dispose();
    await rt.close();
  }
}
