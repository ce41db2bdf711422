/** Starting one test sshd: finding the binary, a free port, its banner, host keys, its sshd_config text. */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/opt/homebrew/sbin/sshd', '/usr/bin/sshd'];

export function findSshd(): string | undefined {
  return SSHD_CANDIDATES.find((p) => existsSync(p));
}

export const SSHD_MISSING_MESSAGE =
  'sshd not found: install OpenSSH server (Debian/Ubuntu: apt-get install openssh-server; macOS: it ships with the system, or brew install openssh)';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * n distinct free ports: every listener stays open until all n are chosen (one at a time,
 * a port just closed can be handed out again by the next call).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      servers.push(srv);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            resolve(typeof addr === 'object' && addr ? addr.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

/** Waits until the port answers with an SSH banner, or the process exits, or time runs out. */
export async function waitForBanner(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      const done = (v: boolean) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done(false));
      sock.once('data', (d) => done(d.toString('latin1').startsWith('SSH-')));
      sock.once('error', () => done(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export async function keygen(file: string, comment: string): Promise<void> {
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export function sshdConfigText(o: {
  ports: number[];
  hostKeyFile: string;
  pidFile: string;
  authorizedKeys: string;
  user: string;
  lean: boolean;
  bashEnv: string | undefined;
  maxStartups: string;
  logLevel: string;
  extra: string[];
  env: Record<string, string>;
}): string {
  // sshd honours only its first SetEnv line: every variable goes on this one.
  const setEnv = [o.lean ? 'SHLVL=1' : '', o.bashEnv ? `BASH_ENV=${o.bashEnv}` : '', ...Object.entries(o.env).map(([k, v]) => `${k}=${v}`)].filter(Boolean).join(' ');
  return [
    ...o.ports.map((p) => `Port ${p}`),
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKeyFile}`,
    `PidFile ${o.pidFile}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    `AllowUsers ${o.user}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    ...(o.maxStartups === 'default' ? [] : [`MaxStartups ${o.maxStartups}`]),
    'MaxSessions 64',
    `LogLevel ${o.logLevel}`,
    'Subsystem sftp internal-sftp',
    ...(setEnv ? [`SetEnv ${setEnv}`] : []),
    ...o.extra,
    '',
  ].join('\n');
}

/** sshd listens on at most this many sockets (MAX_LISTEN_SOCKS in OpenSSH). */
export const SSHD_MAX_PORTS = 16;
