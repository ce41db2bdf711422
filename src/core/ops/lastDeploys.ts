/**
 * A host's last deploy: the newest operation that wrote its files (a deploy, a rollback or
 * a rebuild that was not a dry run and got as far as writing), when it ended and who ran
 * it. Folded from audit records (`konf hosts`, the console's inventory columns) and, in
 * the console, from the operation event stream (one host-result at a time) by the same rule.
 * Pure: no I/O here (hostDetails.ts reads the audit log).
 */
import type { AuditRecord } from './audit.js';
import type { HostOutcome, OperationKind } from './events.js';

export interface LastDeploy {
  /** ISO time: the operation's end (audit log) or the host's result (event stream). */
  time: string;
  operator: string;
  /** The host ended as asked (`ok`); false: it failed after writing (restored, reverted, recoverable…). */
  ok: boolean;
  kind?: OperationKind;
  /** The operation's id (audit log `op`), when known. */
  op?: string;
}

const WRITING_KINDS: ReadonlySet<OperationKind> = new Set(['deploy', 'rollback', 'rebuild']);
/** Outcomes of a host whose files were written (then kept, or put back). */
const WROTE: ReadonlySet<HostOutcome> = new Set(['ok', 'restored', 'restore-failed', 'recoverable', 'reverted']);

/** Whether a host's outcome in an operation counts as a deploy of it, and whether it went well; undefined: it does not. */
export function deployOutcome(kind: OperationKind, outcome: HostOutcome, dryRun: boolean): { ok: boolean } | undefined {
  if (dryRun || !WRITING_KINDS.has(kind) || !WROTE.has(outcome)) return undefined;
  return { ok: outcome === 'ok' };
}

/** The last deploy of each host (of `hosts`, when given) in audit records of any order (the newest end wins). */
export function lastDeploys(records: Iterable<AuditRecord>, hosts?: Iterable<string>): Record<string, LastDeploy> {
  const wanted = hosts === undefined ? undefined : new Set(hosts);
  const out: Record<string, LastDeploy> = {};
  for (const r of records) {
    if (typeof r.end !== 'string' || r.results === null || typeof r.results !== 'object') continue;
    for (const [host, result] of Object.entries(r.results)) {
      if (wanted && !wanted.has(host)) continue;
      const counted = deployOutcome(r.kind, result.outcome, r.dryRun === true);
      if (!counted) continue;
      const known = out[host];
      if (known && known.time >= r.end) continue;
      out[host] = { time: r.end, operator: r.operator, ok: counted.ok, kind: r.kind, ...(typeof r.op === 'string' ? { op: r.op } : {}) };
    }
  }
  return out;
}
