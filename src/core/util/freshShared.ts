/**
 * Shares an expensive read (a walk of the fleet repository) among the callers that come
 * at once, without ever answering a caller with a run that began before it asked: a call
 * made while a run is in flight waits for the next run, started as soon as the current
 * one ends and shared by every call made meanwhile. Sixteen hosts checking the repository
 * at about the same moment cost two walks, not sixteen, and none of them misses a change
 * made before its call.
 */
export function freshShared<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p: Promise<T> = run().finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };
  return () => {
    if (running === undefined) return start();
    next ??= running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}
