/**
 * A FleetSession that opens the real one on first use. The console's first frame needs
 * only the host names; the runtime behind the real session (SSH pool, snapshot store, the
 * operations) is loaded when the first check, plan or operation asks for it — after that
 * frame is on screen.
 */
import type { FleetSession, HostSummary } from '../core/ops/session.js';

export function deferredSession(repo: string, hosts: readonly string[], open: () => Promise<FleetSession>): FleetSession {
  let opening: Promise<FleetSession> | undefined;
  const real = () => (opening ??= open());
  const names: HostSummary[] = hosts.map((name) => ({ name, switches: 0, excludes: 0, values: {}, loading: true }));
  let loaded: HostSummary[] | undefined;
  return {
    repo,
    hosts: () => loaded ?? names,
    async summaries() {
      const session = await real();
      loaded = session.summaries ? await session.summaries() : session.hosts();
      return loaded;
    },
    plan: async (host) => (await real()).plan(host),
    check: async (host, signal) => (await real()).check(host, signal),
    deploy: async (list, options) => (await real()).deploy(list, options),
    snapshot: async (list, options) => (await real()).snapshot(list, options),
    history: async (host, options) => (await real()).history(host, options),
    rollbackPreview: async (host, id, signal) => (await real()).rollbackPreview(host, id, signal),
    rollback: async (host, id, options) => (await real()).rollback(host, id, options),
    async breakLock(host, opId, options) {
      const session = await real();
      if (!session.breakLock) throw new Error('this session cannot break locks');
      return session.breakLock(host, opId, options);
    },
    async adoptPreview(host, path, to, signal) {
      const session = await real();
      if (!session.adoptPreview) throw new Error('this session cannot adopt');
      return session.adoptPreview(host, path, to, signal);
    },
    async adopt(preview, options) {
      const session = await real();
      if (!session.adopt) throw new Error('this session cannot adopt');
      return session.adopt(preview, options);
    },
    async rebuildPreview(host, id, signal) {
      const session = await real();
      if (!session.rebuildPreview) throw new Error('this session cannot rebuild');
      return session.rebuildPreview(host, id, signal);
    },
    async rebuild(host, id, options) {
      const session = await real();
      if (!session.rebuild) throw new Error('this session cannot rebuild');
      return session.rebuild(host, id, options);
    },
    async inventory(hosts, options) {
      const session = await real();
      return session.inventory ? session.inventory(hosts, options) : {};
    },
    async reload(paths) {
      const session = await real();
      if (!session.reload) throw new Error('this session cannot re-read the repository');
      const change = await session.reload(paths);
      loaded = change.summaries;
      return change;
    },
    watch(listener) {
      // Watching starts once the real session is open (the first check opens it).
      let stop: (() => void) | undefined;
      let stopped = false;
      void real().then(
        (session) => {
          if (stopped || !session.watch) return;
          stop = session.watch((change) => {
            loaded = change.summaries;
            listener(change);
          });
        },
        () => undefined,
      );
      return () => {
        stopped = true;
        stop?.();
      };
    },
    async close() {
      if (!opening) return;
      const session = await opening.catch(() => undefined);
      await session?.close();
    },
  };
}
