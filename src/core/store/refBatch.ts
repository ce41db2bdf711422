/**
 * Group commit for the store's refs: every snapshot's commit point is a compare-and-swap
 * of its host ref, and a deploy to many hosts records many at nearly the same moment.
 * Updates that arrive while none is being written go out at once; those that arrive while
 * a write runs wait for it and go together in the next one: one `git update-ref --stdin`
 * transaction per batch instead of one git process per host.
 *
 * A transaction is all or nothing: when it fails (one ref moved under us, a held ref lock),
 * every update of that batch is tried again on its own, so each caller learns its own
 * outcome exactly as with a single update-ref.
 */
import { runGit } from './git.js';

export interface RefUpdate {
  ref: string;
  /** The new commit. */
  newOid: string;
  /** The commit the ref must hold now (the zero id: it must not exist). */
  oldOid: string;
  /** A one-line reflog message (used alone when the update is tried on its own). */
  message: string;
}

export interface RefResult {
  ok: boolean;
  stderr: string;
}

interface Pending extends RefUpdate {
  resolve: (r: RefResult) => void;
}

export class RefBatcher {
  private pending: Pending[] = [];
  private running: Promise<void> | undefined;
  /** git processes started, for tests and benchmarks. */
  processes = 0;

  constructor(private readonly gitDir: string) {}

  update(u: RefUpdate): Promise<RefResult> {
    return new Promise((resolve) => {
      this.pending.push({ ...u, resolve });
      if (!this.running) this.running = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let every update made in this turn of the event loop join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      await this.write(batch);
    }
    this.running = undefined;
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0] as Pending;
      only.resolve(await this.single(only));
      return;
    }
    const input = batch.map((u) => `update ${u.ref}\0${u.newOid}\0${u.oldOid}\0`).join('');
    const message = batchMessage(batch);
    this.processes++;
    const run = await runGit(this.gitDir, ['update-ref', '--create-reflog', '-m', message, '--stdin', '-z'], { input });
    if (run.code === 0) {
      for (const u of batch) u.resolve({ ok: true, stderr: '' });
      return;
    }
    // All or nothing: each one on its own, so each learns its own outcome.
    for (const u of batch) u.resolve(await this.single(u));
  }

  private async single(u: RefUpdate): Promise<RefResult> {
    this.processes++;
    const run = await runGit(this.gitDir, ['update-ref', '--create-reflog', '-m', u.message, u.ref, u.newOid, u.oldOid]);
    return { ok: run.code === 0, stderr: run.stderr };
  }
}

function batchMessage(batch: RefUpdate[]): string {
  const text = `konf: ${batch.length} snapshots: ${batch.map((u) => u.message).join('; ')}`;
  return text.length > 900 ? `${text.slice(0, 897)}...` : text;
}
