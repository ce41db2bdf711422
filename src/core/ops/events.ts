/**
 * Operations are event streams. deploy, snapshot, rollback and diff emit these typed
 * events; the console's log pane, the CLI printer (`--json`: one event a line) and the
 * audit log all consume the same stream.
 */

export type OperationKind = 'diff' | 'deploy' | 'snapshot' | 'rollback' | 'check' | 'break-lock' | 'adopt' | 'rebuild';

export type Phase =
  | 'start'
  | 'plan'
  | 'connect'
  | 'read'
  | 'lock'
  | 'snapshot'
  | 'pre-deploy'
  | 'write'
  | 'post-deploy'
  | 'pre-rollback'
  | 'post-rollback'
  | 'restore'
  | 'recover'
  | 'unlock'
  | 'sync' // the snapshot store's shared remote: fetch before, push after
  | 'validate' // etc/validate: file checks on staged copies, set checks after the swap
  | 'confirm' // confirm-or-revert: armed (with its deadline), access proven over a new connection, disarmed
  | 'revert' // the host reverted itself (confirm-or-revert): waited for, reconnected, verified
  | 'wave' // rollout in waves: a wave starts, ends, stops the rollout; health checks between waves
  | 'health'
  | 'done';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Final state of one host in an operation. */
export type HostOutcome =
  | 'ok' // did what was asked
  | 'unchanged' // nothing to do
  | 'pending' // diff: changes are pending
  | 'failed' // failed before anything was written
  | 'restored' // failed after writing; the pre-operation snapshot was restored
  | 'restore-failed' // failed and the restore failed too: needs a human
  | 'recoverable' // failed after writing and could not be restored now: the host's journal restores it on the next run
  | 'reverted' // confirm-or-revert: access was not proven in time, the host put itself back (verified)
  | 'skipped'; // not attempted (fail-fast, cancelled, a wave stopped the rollout)

interface EventBase {
  /** Operation id, shared by every event of one run. */
  op: string;
  /** ISO time. */
  time: string;
}

export type OpEvent =
  | (EventBase & { type: 'op-start'; kind: OperationKind; hosts: string[]; operator: string; dryRun: boolean })
  | (EventBase & {
      type: 'log';
      host?: string;
      phase: Phase;
      level: Level;
      text: string;
      file?: string;
      /** confirm phase: when the host reverts itself unless konf proves access (ISO time, this machine's clock); absent once decided. */
      deadline?: string;
      /** wave phase: which wave (1-based) of how many, and its hosts. */
      wave?: { index: number; total: number; hosts: string[] };
    })
  | (EventBase & { type: 'file'; host: string; phase: Phase; file: string; action: string; level: Level; text: string })
  | (EventBase & { type: 'hook-output'; host: string; phase: Phase; hook: string; stream: 'stdout' | 'stderr'; level: Level; text: string })
  | (EventBase & { type: 'progress'; host: string; phase: Phase; done: number; total: number; level: Level; text: string })
  | (EventBase & {
      type: 'host-result';
      host: string;
      phase: Phase;
      outcome: HostOutcome;
      level: Level;
      text: string;
      snapshot?: string;
      error?: string;
      changed?: string[];
      /** What else happened on the host that a reader must know: a lock taken over or broken, a journal recovered. */
      notes?: string[];
    })
  | (EventBase & {
      type: 'op-end';
      kind: OperationKind;
      ok: boolean;
      level: Level;
      text: string;
      summary: Partial<Record<HostOutcome, number>>;
      /** Set when the operation was interrupted (a signal, a closed output, the console quitting): why. */
      interrupted?: string;
    });

export type OpEventType = OpEvent['type'];

/** Distributes one distinct event object to the CLI printer, the audit log, the console. */
export type EventSink = (event: OpEvent) => void;

/** Omit that distributes over a union (plain Omit would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as operations write it: op id and time are filled in by the emitter. */
export type OpEventInput = DistributiveOmit<OpEvent, 'op' | 'time'>;

/** Builds events with the op id and time filled in. */
export function eventFactory(op: string, now: () => Date = () => new Date()) {
  return (event: OpEventInput): OpEvent => ({ ...event, op, time: now().toISOString() }) as OpEvent;
}

export function newOperationId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}
