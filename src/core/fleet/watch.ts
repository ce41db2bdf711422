/**
 * Notices edits to a fleet repository: `etc/` and `hooks/` are watched (recursively, with
 * inotify on Linux) and changes reported once they settle (debounced), as paths relative
 * to the repository. A folder created later (no `hooks/` at start) is picked up. konf's
 * own temporary files (`.konf-edit-*`, renamed over a file it edits) are not reported:
 * the rename reports the file itself.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { EXCLUDE_DIR, SERVERCONFIG_DIR, DEFAULT_SWITCH_FILE } from './inventory.js';
import { EDIT_TEMP_PREFIX } from './repoEdit.js';

export const WATCHED = ['etc', 'hooks'] as const;

export interface RepoWatcher {
  close(): void;
}

export function watchRepo(root: string, onChange: (paths: string[]) => void, options: { debounceMs?: number } = {}): RepoWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const watchers = new Map<string, FSWatcher>();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const report = (rel: string) => {
    if (closed || path.basename(rel).startsWith(EDIT_TEMP_PREFIX)) return;
    pending.add(rel);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const paths = [...pending].sort();
      pending = new Set();
      if (!closed) onChange(paths);
    }, debounceMs);
  };

  const arm = (top: string) => {
    if (watchers.has(top) || closed) return;
    try {
      const w = watch(path.join(root, top), { recursive: true }, (_event, name) => report(name ? `${top}/${String(name)}` : top));
      w.on('error', () => {
        w.close();
        watchers.delete(top);
        report(top);
      });
      watchers.set(top, w);
    } catch {
      // not there (yet): the root watcher arms it when it appears
    }
  };

  let rootWatcher: FSWatcher | undefined;
  try {
    rootWatcher = watch(root, (_event, name) => {
      const top = name ? String(name) : '';
      if ((WATCHED as readonly string[]).includes(top)) {
        arm(top);
        report(top);
      }
    });
    rootWatcher.on('error', () => undefined);
  } catch {
    rootWatcher = undefined;
  }
  for (const top of WATCHED) arm(top);

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      rootWatcher?.close();
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

/**
 * Which hosts an edit concerns: a host's own switch or exclude file concerns that host;
 * anything else (defaults, files, permissions, hooks, ssh_config) every host.
 */
export function affectedHosts(paths: readonly string[], hosts: readonly string[]): string[] | 'all' {
  const known = new Set(hosts);
  const out = new Set<string>();
  for (const p of paths) {
    const norm = p.split(path.sep).join('/');
    const excl = norm.startsWith(`${EXCLUDE_DIR}/`) ? norm.slice(EXCLUDE_DIR.length + 1) : undefined;
    if (excl !== undefined && !excl.includes('/')) {
      if (known.has(excl)) out.add(excl);
      continue;
    }
    const own = norm.startsWith(`${SERVERCONFIG_DIR}/`) ? norm.slice(SERVERCONFIG_DIR.length + 1) : undefined;
    if (own !== undefined && !own.includes('/') && norm !== DEFAULT_SWITCH_FILE && own !== 'exclude') {
      if (known.has(own)) out.add(own);
      continue; // an unknown name: a new (or removed) host, seen when the inventory is read again
    }
    return 'all';
  }
  return [...out].sort();
}
