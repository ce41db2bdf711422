/** The local processes of a test fleet, read from Linux /proc: children, sshd sessions, listening ports; killing a tree by pid. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Pids of the direct children of pid (sshd session processes call setsid, so groups don't help). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The sshd processes below a listener (its sessions), not the commands they run. */
export function sessionPids(listener: number): number[] {
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of childPids(pid)) {
      if (!commOf(c).startsWith('sshd')) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(listener);
  return out;
}

export function killTree(pid: number, signal: NodeJS.Signals): void {
  const children = childPids(pid);
  for (const c of children) killTree(c, signal);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every process below pid, deepest first (the order to stop them in). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const c of childPids(pid)) out.push(...descendants(c), c);
  return out;
}

/** Sends a signal; a process that is already gone is fine. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True once pid has exited (gone, or a zombie its parent has not reaped yet). */
export function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return true;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Local ports on 127.0.0.1 that process pid listens on (Linux /proc), or undefined when unknown. */
export function listeningPorts(pid: number): Set<number> | undefined {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
    const ports = new Set<number>();
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !f[1] || !f[9] || !inodes.has(f[9])) continue;
      ports.add(parseInt(f[1].split(':')[1] ?? '0', 16));
    }
    return ports;
  } catch {
    return undefined;
  }
}
