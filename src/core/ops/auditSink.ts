/** The audit recorder every writing operation feeds (one JSON line per operation). */
import { mkdir } from 'node:fs/promises';
import { auditRecorder, type AuditRecorder } from './auditRecorder.js';
import type { OpsRuntime } from './runtime.js';

export async function auditSinkFor(rt: OpsRuntime): Promise<AuditRecorder> {
  await mkdir(rt.stateDir, { recursive: true, mode: 0o700 });
  return auditRecorder(rt.stateDir, { operator: rt.operator, jumpHost: rt.jumpHost });
}
