/**
 * A fleet of real OpenSSH servers on 127.0.0.1, by default one `sshd` per host, each with
 * its own host key, config, pid file and target root. Used by the tests, the benchmarks and
 * the demo. It never touches ~/.ssh: the client key, known_hosts and ssh_config it generates
 * live in its own folder, and it stops every sshd it started, by pid.
 *
 * Many hosts on fewer sshd (`hostsPerSshd`): one sshd then listens on up to 16 ports
 * (sshd's limit of listening sockets), each host gets its own port (beyond 16 hosts per
 * sshd, hosts share ports), its own known_hosts line and its own target root; the hosts of
 * one sshd share its host key (sshd presents one key per type whatever the port). That is
 * how 1,000 hosts fit on a 2-core machine: 63 listening sshd instead of 1,000. Every
 * connection still gets its own sshd session process, as on a real host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { shellQuote } from '../core/remote/shell.js';
import { alive, childPids, descendants, exited as processExited, killTree, listeningPorts, sessionPids, signalPid } from './processTree.js';
import { findSshd, freePort, freePorts, keygen, SSHD_MAX_PORTS, SSHD_MISSING_MESSAGE, sshdConfigText, waitForBanner } from './sshd.js';

export { findSshd, SSHD_MAX_PORTS, SSHD_MISSING_MESSAGE } from './sshd.js';

export interface TestFleetOptions {
  /** Host names, or a count (hosts are then called host1, host2, …). */
  hosts: string[] | number;
  /** Folder to build the fleet in (created); default: a new folder under the OS temp dir. */
  dir?: string;
  /**
   * Text every remote command's shell prints to stdout before running the command (via
   * BASH_ENV), like a noisy login shell. Off by default.
   */
  shellNoise?: string;
  /** Lean host: `SetEnv SHLVL=1` so bash skips ~/.bashrc (default true). */
  lean?: boolean;
  /** Extra lines appended to every sshd_config. */
  extraSshdConfig?: string[];
  /**
   * Environment variables sshd sets for every session (its one `SetEnv` line), e.g. a PATH
   * that puts a test's wrapper commands first.
   */
  env?: Record<string, string>;
  /** Host names that get an ssh_config entry but no running sshd (an unreachable host). */
  unreachable?: string[];
  /** Called as each host comes up (for progress display). */
  onProgress?: (text: string) => void;
  /**
   * Hosts served by one sshd (default 1: an sshd per host). See the file comment; more than
   * 16 hosts per sshd share ports.
   */
  hostsPerSshd?: number;
  /** sshd's MaxStartups: a value, or 'default' for sshd's own (10:30:100). Default 200:30:400. */
  maxStartups?: string;
  /** sshd's LogLevel (default ERROR; VERBOSE logs every connection and MaxStartups drop). */
  logLevel?: 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG';
  /**
   * The account the client logs in as on every host (default: the current user). Another
   * user needs the tests to run as root: the fleet folder is then made traversable
   * (0711) and authorized_keys world-readable, since sshd reads it as that user.
   */
  user?: string;
}

export interface TestHost {
  name: string;
  port: number;
  /** The host's own target root folder (use as konf_root). */
  root: string;
  /** `ssh-ed25519 AAAA…` public host key. */
  hostKey: string;
  hostKeyFile: string;
  sshdConfig: string;
  /** The log of the sshd serving this host (`-E`). */
  sshdLog: string;
  /** Pid of the listening sshd, undefined for an unreachable host. */
  pid: number | undefined;
}

export interface TestFleet {
  dir: string;
  user: string;
  hosts: TestHost[];
  /** ssh_config with one Host block per host (HostName, Port, User, IdentityFile, …). */
  sshConfig: string;
  knownHosts: string;
  clientKey: string;
  host(name: string): TestHost;
  /** Runs `ssh -F sshConfig host command` with the OpenSSH client. */
  ssh(host: string, command: string, options?: { input?: Buffer | string; timeoutMs?: number }): Promise<{ code: number; stdout: Buffer; stderr: string }>;
  /** Stops one host's sshd (and its session children) by pid; with shared sshd, the other hosts on it too. */
  stopHost(name: string): Promise<void>;
  /**
   * Cuts every open connection to the host like a network failure seen from the host:
   * SIGKILLs its sshd session processes (by pid) but not the commands they started, which
   * go on running with their output pipes closed. The listener stays up. Returns the
   * number of session processes killed. With shared sshd, the other hosts on it lose theirs too.
   */
  cutConnections(name: string): number;
  /** Starts a stopped host (its sshd) again on the same port(s) and key. */
  startHost(name: string): Promise<void>;
  /** Pids of the listening sshd processes (one per sshd, not per host). */
  sshdPids(): number[];
  /** Stops every sshd; removes the folder unless keep is set. Safe to call twice. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of live) killTree(pid, 'SIGKILL');
  });
}

/** One sshd process and the hosts it serves. */
interface Server {
  dir: string;
  hosts: TestHost[];
  hostKeyFile: string;
  hostKey: string;
  sshdConfig: string;
  log: string;
  child: ChildProcess | undefined;
}

export async function startTestFleet(options: TestFleetOptions): Promise<TestFleet> {
  const sshd = findSshd();
  if (!sshd) throw new Error(SSHD_MISSING_MESSAGE);
  installExitHook();
  const names = typeof options.hosts === 'number' ? Array.from({ length: options.hosts }, (_, i) => `host${i + 1}`) : options.hosts;
  const unreachable = new Set(options.unreachable ?? []);
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'konf-fleet-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const self = os.userInfo().username;
  const user = options.user ?? self;
  const otherUser = user !== self;
  const lean = options.lean ?? true;
  const perSshd = Math.max(1, Math.floor(options.hostsPerSshd ?? 1));
  const shared = perSshd > 1;
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const clientKey = path.join(dir, 'client_key');
  await keygen(clientKey, 'konf-test-client');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`), { mode: otherUser ? 0o644 : 0o600 });
  if (otherUser) await chmod(dir, 0o711);
  let bashEnv: string | undefined;
  if (options.shellNoise !== undefined) {
    bashEnv = path.join(dir, 'noisy-shell.sh');
    await writeFile(bashEnv, `printf '%s\\n' ${shellQuote(options.shellNoise)}\n`);
  }

  const hosts: TestHost[] = [];
  const servers: Server[] = [];
  const serverOf = new Map<string, Server>();
  let stopped = false;

  /** The distinct ports of a server's hosts. */
  const portsOf = (srv: Server) => [...new Set(srv.hosts.map((h) => h.port))];

  /** Gives every host of the server a new free port (hosts beyond 16 share them). */
  const assignPorts = async (srv: Server): Promise<void> => {
    const ports = await freePorts(Math.min(SSHD_MAX_PORTS, srv.hosts.length));
    srv.hosts.forEach((h, i) => (h.port = ports[i % ports.length] as number));
  };

  const launch = async (srv: Server): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) await assignPorts(srv);
      const ports = portsOf(srv);
      await writeFile(
        srv.sshdConfig,
        sshdConfigText({
          ports,
          hostKeyFile: srv.hostKeyFile,
          pidFile: path.join(srv.dir, 'sshd.pid'),
          authorizedKeys,
          user,
          lean,
          bashEnv,
          maxStartups: options.maxStartups ?? '200:30:400',
          logLevel: options.logLevel ?? 'ERROR',
          extra: options.extraSshdConfig ?? [],
          env: options.env ?? {},
        }),
      );
      const child = spawn(sshd, ['-D', '-f', srv.sshdConfig, '-E', srv.log], { stdio: 'ignore' });
      if (child.pid === undefined) throw new Error(`could not start sshd for ${srv.hosts[0]?.name}`);
      live.add(child.pid);
      child.once('exit', () => live.delete(child.pid as number));
      let up = await waitForBanner(ports[0] as number, child, 10_000);
      if (up && ports.length > 1) {
        // sshd binds every port before it accepts; one it could not bind is only logged.
        const listening = listeningPorts(child.pid);
        if (listening) up = ports.every((p) => listening.has(p));
        else for (const p of ports.slice(1)) up = up && (await waitForBanner(p, child, 10_000));
      }
      if (up) {
        srv.child = child;
        for (const h of srv.hosts) h.pid = child.pid;
        return;
      }
      killTree(child.pid, 'SIGKILL');
    }
    const log = await readFile(srv.log, 'utf8').catch(() => '');
    throw new Error(`sshd for ${srv.hosts.map((h) => h.name).join(', ')} did not come up: ${log.trim().split('\n').slice(-3).join(' | ')}`);
  };

  const stopServer = async (srv: Server): Promise<void> => {
    const child = srv.child;
    if (!child || child.pid === undefined) return;
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    // A host that goes down takes no new connection from that moment: the listener is
    // frozen first (it accepts and forks nothing more), so a client that reconnects as its
    // session drops finds no sshd. Then its sessions and what they run stop (TERM, KILL
    // after 3 s), and last the listener itself.
    signalPid(pid, 'SIGSTOP');
    const tree = descendants(pid);
    for (const p of tree) signalPid(p, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while (tree.some((p) => !processExited(p)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const p of tree) if (!processExited(p)) signalPid(p, 'SIGKILL');
    signalPid(pid, 'SIGKILL');
    await exited;
    // sessions forked while the tree was read (before the freeze took hold)
    for (const c of childPids(pid)) killTree(c, 'SIGKILL');
    srv.child = undefined;
    for (const h of srv.hosts) h.pid = undefined;
  };

  const stopHost = async (name: string): Promise<void> => {
    const srv = serverOf.get(name);
    if (srv) await stopServer(srv);
  };

  try {
    const hostBase = path.join(dir, 'hosts');
    const reachable = names.filter((n) => !unreachable.has(n));
    for (let i = 0; i < reachable.length; i += perSshd) {
      const group = reachable.slice(i, i + perSshd);
      const sdir = shared ? path.join(dir, 'servers', `sshd${servers.length + 1}`) : path.join(hostBase, group[0] as string);
      await mkdir(sdir, { recursive: true });
      const hostKeyFile = path.join(sdir, 'ssh_host_ed25519_key');
      await keygen(hostKeyFile, shared ? `konf-test-sshd${servers.length + 1}` : `konf-test-${group[0]}`);
      const hostKey = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
      servers.push({ dir: sdir, hosts: [], hostKeyFile, hostKey, sshdConfig: path.join(sdir, 'sshd_config'), log: path.join(sdir, 'sshd.log'), child: undefined });
    }
    let next = 0;
    for (const name of names) {
      const hdir = path.join(hostBase, name);
      const root = path.join(hdir, 'root');
      await mkdir(root, { recursive: true });
      if (unreachable.has(name)) {
        // Its own key, never served: the known_hosts line of a host that is down.
        const hostKeyFile = path.join(hdir, 'ssh_host_ed25519_key');
        await keygen(hostKeyFile, `konf-test-${name}`);
        const pub = (await readFile(`${hostKeyFile}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
        hosts.push({ name, port: 0, root, hostKey: pub, hostKeyFile, sshdConfig: path.join(hdir, 'sshd_config'), sshdLog: path.join(hdir, 'sshd.log'), pid: undefined });
        continue;
      }
      const srv = servers[Math.floor(next++ / perSshd)] as Server;
      const h: TestHost = { name, port: 0, root, hostKey: srv.hostKey, hostKeyFile: srv.hostKeyFile, sshdConfig: srv.sshdConfig, sshdLog: srv.log, pid: undefined };
      srv.hosts.push(h);
      serverOf.set(name, srv);
      hosts.push(h);
    }
    for (const srv of servers) await assignPorts(srv);
    // Start in small parallel batches: fast, and kind to a 2-core machine.
    const batch = 8;
    for (let i = 0; i < servers.length; i += batch) {
      await Promise.all(
        servers.slice(i, i + batch).map(async (srv) => {
          await launch(srv);
          for (const h of srv.hosts) options.onProgress?.(`sshd for ${h.name} listening on 127.0.0.1:${h.port}`);
        }),
      );
    }
    for (const h of hosts.filter((x) => unreachable.has(x.name))) {
      // A port nothing listens on: connections are refused, like a host that is down.
      h.port = await freePort();
    }
  } catch (err) {
    for (const srv of servers) await stopServer(srv);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const knownHosts = path.join(dir, 'known_hosts');
  const writeKnownHosts = () => writeFile(knownHosts, hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join(''));
  await writeKnownHosts();
  const sshConfig = path.join(dir, 'ssh_config');
  const writeSshConfig = () =>
    writeFile(
      sshConfig,
      hosts
        .map((h) =>
          [
            `Host ${h.name}`,
            '  HostName 127.0.0.1',
            `  Port ${h.port}`,
            `  User ${user}`,
            `  IdentityFile ${clientKey}`,
            '  IdentitiesOnly yes',
            `  UserKnownHostsFile ${knownHosts}`,
            '  GlobalKnownHostsFile /dev/null',
            '  StrictHostKeyChecking yes',
            '  BatchMode yes',
            '  ConnectTimeout 5',
            '',
          ].join('\n'),
        )
        .join('\n'),
    );
  await writeSshConfig();

  const fleet: TestFleet = {
    dir,
    user,
    hosts,
    sshConfig,
    knownHosts,
    clientKey,
    host(name) {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no test host ${name}`);
      return h;
    },
    ssh(host, command, opts = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn('ssh', ['-F', sshConfig, host, command], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let err = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err });
        });
        // ssh may exit before it reads its input (a refused host): its exit code says so, not an EPIPE.
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.input ?? '');
      });
    },
    stopHost,
    cutConnections(name) {
      const listener = fleet.host(name).pid;
      if (listener === undefined) return 0;
      const sessions = sessionPids(listener);
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      return sessions.length;
    },
    async startHost(name) {
      if (stopped) throw new Error('fleet is stopped');
      fleet.host(name);
      const srv = serverOf.get(name);
      if (!srv || srv.child) return;
      const before = srv.hosts.map((h) => h.port).join(',');
      await launch(srv);
      if (srv.hosts.map((h) => h.port).join(',') !== before) {
        await writeKnownHosts();
        await writeSshConfig();
      }
    },
    sshdPids() {
      return servers.flatMap((srv) => (srv.child?.pid !== undefined ? [srv.child.pid] : []));
    },
    async stop(opts = {}) {
      if (stopped) return;
      stopped = true;
      await Promise.all(servers.map((srv) => stopServer(srv)));
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    },
  };
  return fleet;
}

/** True when pid is a running process (used by tests to prove sshd processes are gone). */
export function isRunning(pid: number): boolean {
  return alive(pid);
}
