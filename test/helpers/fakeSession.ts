/**
 * An in-memory FleetSession for console tests: a small realistic fleet (web, db, cache,
 * load balancer hosts; one with a config error, one unreachable, one locked), plans with
 * switch origins, secrets and excludes, real unified diffs, snapshot histories, and
 * operations that stream OpEvents like the core. Test-only: never used in production.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { FileChange, HostDiff } from '../../src/core/diff/types.js';
import type { ExcludeRule, HostPlan, PlannedFile, Switch } from '../../src/core/fleet/types.js';
import type { HostOutcome, OpEvent, OperationKind } from '../../src/core/ops/events.js';
import type { AdoptPreview, AdoptTo, FleetSession, HostCheck, HostDetails, HostStatus, HostSummary, OperationOptions, OperationResult, PreviewDiff, RepoChange, ValidateResult } from '../../src/core/ops/session.js';
import { parseWaves, planWaves } from '../../src/core/ops/waveSizes.js';
import type { SnapshotInfo, SnapshotReason } from '../../src/core/store/types.js';

export interface FakeCall {
  method: string;
  args: unknown[];
}

export interface FakeOptions {
  /** Fixed "now" for times (default 2026-05-01T12:00:00Z). */
  now?: Date;
  /** Delay of each check in ms (default 0). */
  checkDelayMs?: number;
  /** Delay between operation events in ms (default 1). */
  eventDelayMs?: number;
  /** Extra generated hosts (host0001…), all in sync, for big-list tests. */
  extraHosts?: number;
  /** Add host big1 whose diff has a 20,000-line file. */
  bigDiff?: boolean;
  /** Operations wait for `release()` before finishing (to test quitting while one runs). */
  holdOperations?: boolean;
  /** Hosts whose deploy fails after writing (outcome restored). */
  failDeploy?: string[];
  /** Deploys are confirm-or-revert with this many seconds: each host arms a revert (a confirm event with its deadline) after its writes. */
  confirmWithin?: number;
  /** With confirmWithin: each host waits after arming until `releaseConfirm()` (to see the countdown), then confirms access. */
  holdConfirm?: boolean;
  /** Opened lazily: hosts() lists names only (`loading`) until summaries() resolves (after `releaseSummaries()`). */
  lazySummaries?: boolean;
  /**
   * Drift to answer: a plain file /etc/sysctl.conf hand-edited on web1 (in sync on web2
   * and cache1), and a host fresh1 whose files are all missing (a wiped machine).
   */
  drift?: boolean;
  /** The session answers `inventory()` (addresses, last deploys) with these; without it the session has no inventory(). */
  inventory?: Record<string, HostDetails>;
}

interface FakeFile {
  path: string;
  source: string;
  live?: string;
  desired: string;
  template?: string[];
  mode?: [number, number];
  /** Changed on the host since konf wrote it (its change is "drifted"). */
  handEdit?: boolean;
}

interface FakeHost {
  name: string;
  values: Record<string, string>;
  overrides: string[];
  excludes: string[];
  files: FakeFile[];
  extra: FileChange[];
  error?: string;
  status?: HostStatus;
  history: SnapshotInfo[];
  /** konf_root and konf_become (default / and none). */
  root?: string;
  become?: '' | 'sudo';
}

const DEFAULT_SWITCHES: [string, string][] = [
  ['env', 'prod'],
  ['os', 'debian'],
  ['role', 'web'],
  ['ntp_server', 'ntp.example.net'],
  ['admin_email', 'ops@example.net'],
  ['db_password', 's3cret-pass'],
  ['worker_processes', '4'],
];

function sha(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const NGINX = (workers: string, server: string) => `user www-data;
worker_processes ${workers};
pid /run/nginx.pid;

events {
    worker_connections 768;
}

http {
    sendfile on;
    server_name ${server};
    include /etc/nginx/conf.d/*.conf;
}
`;

const PG = (mem: string) => `# PostgreSQL configuration
listen_addresses = '*'
port = 5432
max_connections = 200
shared_buffers = ${mem}
log_min_duration_statement = 250
`;

export class FakeSession implements FleetSession {
  readonly repo = '/srv/fleet';
  readonly calls: FakeCall[] = [];
  readonly now: Date;
  private readonly options: FakeOptions;
  private readonly fleet = new Map<string, FakeHost>();
  private releaseHeld: (() => void) | undefined;
  private held: Promise<void> | undefined;
  private confirmGate: { promise: Promise<void>; release: () => void } | undefined;
  private opCounter = 0;
  closed = false;
  inventory?: FleetSession['inventory'];

  constructor(options: FakeOptions = {}) {
    this.options = options;
    const details = options.inventory;
    if (details) {
      this.inventory = async (hosts: string[]) => {
        this.calls.push({ method: 'inventory', args: [hosts] });
        await Promise.resolve();
        return Object.fromEntries(hosts.filter((h) => details[h]).map((h) => [h, details[h]!]));
      };
    }
    this.now = options.now ?? new Date('2026-05-01T12:00:00Z');
    if (options.holdOperations) this.hold();
    if (options.holdConfirm) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      this.confirmGate = { promise, release };
    }
    this.build();
  }

  /** Lets hosts waiting with an armed revert (holdConfirm) confirm access. */
  releaseConfirm(): void {
    this.confirmGate?.release();
  }

  // ---------------------------------------------------------------- data

  private ago(minutes: number): string {
    return new Date(this.now.getTime() - minutes * 60_000).toISOString();
  }

  private snapshots(host: string, count: number): SnapshotInfo[] {
    const reasons: SnapshotReason[] = ['pre-deploy', 'manual', 'pre-rollback', 'pre-deploy', 'initial'];
    const operators = ['alice', 'bob', 'alice', 'carol', 'alice'];
    return Array.from({ length: count }, (_, i) => ({
      id: sha(`${host}-${i}`),
      host,
      time: this.ago(90 + i * 60 * 26),
      files: 6 - (i % 2),
      changed: i === count - 1 ? [] : ['/etc/nginx/nginx.conf', '/etc/motd'].slice(0, 1 + (i % 2)),
      reason: reasons[i % reasons.length]!,
      operator: operators[i % operators.length]!,
      op: `20260501T1000Z-${i}`,
      // the newest pre-deploy: what its deploy wrote, as the session reads it from the audit log
      ...(i === 0 ? { operation: { kind: 'deploy', outcome: 'ok', changed: 2 } } : {}),
    }));
  }

  private add(host: Omit<FakeHost, 'history' | 'extra'> & { extra?: FileChange[]; historyCount?: number }) {
    this.fleet.set(host.name, { ...host, extra: host.extra ?? [], history: this.snapshots(host.name, host.historyCount ?? 3) });
  }

  private build() {
    const common = (role: string, live?: Partial<Record<string, string>>): FakeFile[] => [
      { path: '/etc/motd', source: 'etc/files/etc/motd.tmpl', template: ['role', 'env'], live: live?.motd, desired: `Welcome to a ${role} host (prod)\nManaged by konf: local edits are overwritten.\n` },
      { path: '/etc/ntp.conf', source: 'etc/files/etc/ntp.conf.tmpl', template: ['ntp_server'], live: 'server ntp.example.net iburst\n', desired: 'server ntp.example.net iburst\n' },
      { path: '/etc/resolv.conf', source: 'etc/files/etc/resolv.conf', live: 'nameserver 10.0.0.2\nsearch example.net\n', desired: 'nameserver 10.0.0.2\nsearch example.net\n' },
    ];
    const motdLive = 'Welcome\n';
    this.add({
      name: 'web1',
      values: { env: 'prod', role: 'web', os: 'debian' },
      overrides: ['worker_processes=8', 'server_name=web1.example.net'],
      excludes: ['/etc/hosts'],
      files: [
        { path: '/etc/nginx/nginx.conf', source: 'etc/files/etc/nginx/nginx.conf.tmpl', template: ['worker_processes', 'server_name'], live: NGINX('4', 'web1'), desired: NGINX('8', 'web1.example.net') },
        ...common('web', { motd: undefined }),
        { path: '/etc/ssh/sshd_config', source: 'etc/files/etc/ssh/sshd_config', live: 'PermitRootLogin no\n', desired: 'PermitRootLogin no\n', mode: [0o644, 0o600] },
      ],
    });
    this.add({
      name: 'web2',
      values: { env: 'prod', role: 'web', os: 'debian' },
      overrides: [],
      excludes: [],
      files: common('web', { motd: 'Welcome to a web host (prod)\nManaged by konf: local edits are overwritten.\n' }).map((f) => ({ ...f, live: f.desired })),
    });
    this.add({
      name: 'web3',
      values: { env: 'staging', role: 'web', os: 'ubuntu' },
      overrides: ['env=staging', 'os=ubuntu'],
      excludes: [],
      files: common('web', { motd: motdLive }).map((f) => ({ ...f, live: f.desired })),
      extra: [
        {
          path: '/usr/local/share/konf/logo.png',
          kind: 'binary',
          meta: [],
          added: 0,
          removed: 0,
          binary: { fromSize: 2048, toSize: 3172, fromSha: sha256('old'), toSha: sha256('new') },
        },
      ],
    });
    this.add({
      name: 'db1',
      values: { env: 'prod', role: 'db', os: 'debian' },
      overrides: ['role=db'],
      excludes: ['/etc/postgresql/*/main/pg_hba.conf'],
      files: [
        { path: '/etc/postgresql/16/main/postgresql.conf', source: 'etc/files/etc/postgresql/16/main/postgresql.conf.tmpl', template: ['pg_shared_buffers'], live: PG('128MB'), desired: PG('4GB'), handEdit: true },
        ...common('db').map((f) => ({ ...f, live: f.desired })),
      ],
      status: { kind: 'drifted', count: 1 },
      root: '/srv/chroot/db1',
      become: 'sudo',
    });
    this.add({
      name: 'cache1',
      values: { env: 'prod', role: 'cache', os: 'debian' },
      overrides: ['role=cache'],
      excludes: [],
      files: common('cache').map((f) => ({ ...f, live: f.desired })),
    });
    this.add({
      name: 'lb1',
      values: { env: 'prod', role: 'lb', os: 'debian' },
      overrides: ['role=lb'],
      excludes: [],
      files: [
        {
          path: '/etc/haproxy/haproxy.cfg',
          source: 'etc/files/etc/haproxy/haproxy.cfg.tmpl',
          template: ['role'],
          live: 'global\n    maxconn 2000\nbackend web\n    server web1 10.0.0.11:80 check inter 2000 rise 2 fall 3 weight 100 maxconn 500 # primary\n',
          desired: 'global\n    maxconn 4000\nbackend web\n    server web1 10.0.0.11:80 check inter 2000 rise 2 fall 3 weight 100 maxconn 900 # primary\n',
        },
      ],
    });
    this.add({ name: 'bad1', values: { env: 'prod' }, overrides: [], excludes: [], files: [], error: 'etc/serverconfig/bad1:3: not a switch: `$(hostname)` (command substitution is not allowed)' });
    this.add({ name: 'gone1', values: { env: 'prod', role: 'web' }, overrides: [], excludes: [], files: common('web'), status: { kind: 'unreachable', error: 'gone1: ssh: connect to host gone1 port 22: Connection refused' }, historyCount: 1 });
    this.add({
      name: 'busy1',
      values: { env: 'prod', role: 'web' },
      overrides: [],
      excludes: [],
      files: common('web'),
      status: { kind: 'locked', by: 'bob@jump2', since: this.ago(5), holder: { operator: 'bob', jumpHost: 'jump2', pid: 4242, operation: 'deploy', opId: 'op-bob' } },
    });
    if (this.options.drift) {
      const sysctl = (swappiness: string): FakeFile => ({ path: '/etc/sysctl.conf', source: 'etc/files/etc/sysctl.conf', live: SYSCTL('10'), desired: SYSCTL('10'), ...(swappiness !== '10' ? { live: SYSCTL(swappiness), handEdit: true } : {}) });
      this.host('web1').files.push(sysctl('60'));
      this.host('web2').files.push(sysctl('10'));
      this.host('cache1').files.push(sysctl('10'));
      this.add({ name: 'fresh1', values: { env: 'prod', role: 'web' }, overrides: [], excludes: [], files: common('web').map((f) => ({ ...f, live: undefined })), historyCount: 2 });
    }
    if (this.options.bigDiff) {
      const big = Array.from({ length: 20_000 }, (_, i) => `row ${i + 1};value ${(i * 7919) % 10007}`).join('\n') + '\n';
      this.add({
        name: 'big1',
        values: { env: 'prod', role: 'data' },
        overrides: [],
        excludes: [],
        files: [{ path: '/var/lib/data/table.csv', source: 'etc/files/var/lib/data/table.csv', desired: big }],
      });
    }
    for (let i = 1; i <= (this.options.extraHosts ?? 0); i++) {
      const name = `host${String(i).padStart(4, '0')}`;
      this.add({ name, values: { env: 'prod', role: 'worker' }, overrides: [], excludes: [], files: common('worker').map((f) => ({ ...f, live: f.desired })), historyCount: 1 });
    }
  }

  private host(name: string): FakeHost {
    const host = this.fleet.get(name);
    if (!host) throw new Error(`unknown host ${name}`);
    return host;
  }

  private switches(host: FakeHost): Switch[] {
    const list: Switch[] = DEFAULT_SWITCHES.map(([name, value], i) => ({
      name,
      value,
      origin: { kind: 'default', file: 'etc/serverconfig/default', line: i + 2 },
      secret: /password|secret|token|key/.test(name),
    }));
    host.overrides.forEach((line, i) => {
      const [name, value] = line.split('=') as [string, string];
      const sw: Switch = { name, value, origin: { kind: 'host', file: `etc/serverconfig/${host.name}`, line: i + 1 }, secret: false };
      const at = list.findIndex((s) => s.name === name);
      if (at >= 0) list[at] = { ...sw, overrides: list[at]!.origin };
      else list.push(sw);
    });
    return list;
  }

  private excludeRules(host: FakeHost): ExcludeRule[] {
    return host.excludes.map((pattern, i) => ({ pattern, file: `etc/serverconfig/exclude/${host.name}`, line: i + 1 }));
  }

  private plannedOf(file: FakeFile): PlannedFile {
    return {
      kind: 'file',
      path: file.path,
      source: file.source,
      content: Buffer.from(file.desired),
      template: file.template !== undefined,
      switchesUsed: file.template ?? [],
      ...(file.mode ? { mode: file.mode[1], permissionRule: { glob: file.path, mode: file.mode[1], file: 'etc/permissions', line: 4 } } : {}),
    };
  }

  private fileChange(file: FakeFile): FileChange {
    const meta = file.mode && file.mode[0] !== file.mode[1] ? [{ field: 'mode' as const, from: `0${file.mode[0].toString(8)}`, to: `0${file.mode[1].toString(8)}` }] : [];
    const sides = this.options.drift
      ? {
          desired: { path: file.path, state: 'file' as const, content: Buffer.from(file.desired), planned: this.plannedOf(file) },
          live: file.live === undefined ? { path: file.path, state: 'missing' as const } : { path: file.path, state: 'file' as const, content: Buffer.from(file.live), size: file.live.length, sha256: sha256(file.live), mode: file.mode?.[0] ?? 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' },
        }
      : {};
    if (file.live === file.desired) return { path: file.path, kind: meta.length > 0 ? 'metadata' : 'unchanged', meta, added: 0, removed: 0, ...sides };
    const unified = createTwoFilesPatch(file.live === undefined ? '/dev/null' : `a${file.path}`, `b${file.path}`, file.live ?? '', file.desired, undefined, undefined, { context: 3 }).replace(/^=+\n/m, '').replace(/^Index:.*\n/m, '');
    const added = unified.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
    const removed = unified.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
    return { path: file.path, kind: file.live === undefined ? 'new' : 'modified', meta, unified, added, removed, drift: file.handEdit ? 'drifted' : 'pending', ...sides };
  }

  /** What the host's plan is now (the fake's stand-in for a plan fingerprint). */
  planPrint(name: string): string {
    return sha(this.host(name).files.map((f) => `${f.path}\0${f.desired}`).join('\n'));
  }

  /** The writes a deploy of the host's current diff makes (the fake's write set). */
  private writesOf(name: string): string[] {
    return this.host(name)
      .files.filter((f) => f.live !== f.desired || (f.mode && f.mode[0] !== f.mode[1]))
      .map((f) => `${f.path}\t${sha(f.desired)}`);
  }

  /** The host's diff right now (live vs plan). */
  diffOf(name: string): HostDiff {
    const host = this.host(name);
    const files: FileChange[] = host.files.map((f) => this.fileChange(f));
    for (const pattern of host.excludes) {
      files.push({ path: pattern.replace('*', '16'), kind: 'excluded', meta: [], added: 0, removed: 0, excludeRule: this.excludeRules(host).find((r) => r.pattern === pattern) });
    }
    files.push(...host.extra);
    const pending = files.filter((f) => !['unchanged', 'excluded', 'unreadable'].includes(f.kind)).length;
    return { host: name, files, pending };
  }

  // ---------------------------------------------------------------- FleetSession

  private summariesLoaded = false;
  private summariesGate: Promise<void> | undefined;
  private openSummaries: (() => void) | undefined;

  /** Lets a lazily opened session's summaries() resolve. */
  releaseSummaries(): void {
    this.openSummaries?.();
  }

  async summaries(): Promise<HostSummary[]> {
    this.calls.push({ method: 'summaries', args: [] });
    if (this.options.lazySummaries && !this.summariesLoaded) {
      this.summariesGate ??= new Promise((resolve) => (this.openSummaries = resolve));
      await this.summariesGate;
    }
    this.summariesLoaded = true;
    return this.fullSummaries();
  }

  hosts(): HostSummary[] {
    this.calls.push({ method: 'hosts', args: [] });
    if (this.options.lazySummaries && !this.summariesLoaded) return [...this.fleet.keys()].map((name) => ({ name, switches: 0, excludes: 0, values: {}, loading: true }));
    return this.fullSummaries();
  }

  private fullSummaries(): HostSummary[] {
    return [...this.fleet.values()].map((h) => {
      const summary: HostSummary = { name: h.name, switches: this.switches(h).length, excludes: h.excludes.length, values: { ...Object.fromEntries(DEFAULT_SWITCHES), ...h.values } };
      if (h.error) summary.error = h.error;
      else Object.assign(summary, { files: h.files.length, root: h.root ?? '/', become: h.become ?? '' });
      return summary;
    });
  }

  async plan(name: string): Promise<HostPlan> {
    this.calls.push({ method: 'plan', args: [name] });
    await Promise.resolve();
    const host = this.host(name);
    if (host.error) throw new Error(host.error);
    const rules = this.excludeRules(host);
    const files: PlannedFile[] = host.files.map((f) => this.plannedOf(f));
    return {
      host: name,
      settings: { root: host.root ?? '/', become: host.become ?? '', watch: [] },
      switches: this.switches(host),
      excludeRules: rules,
      files,
      excluded: rules.filter((r) => !r.pattern.includes('*')).map((rule) => ({ path: rule.pattern, rule })),
      skipped: name === 'web1' ? [{ path: '/etc/nginx/conf.d/debug.conf', source: 'etc/files/etc/nginx/conf.d/debug.conf.tmpl', reason: 'template rendered empty (env=prod)' }] : [],
      hooks: { 'pre-deploy': [], 'post-deploy': [], 'pre-rollback': [], 'post-rollback': [], health: [] },
      warnings: name === 'web1' ? ['hooks/post-deploy/20-reload is not executable: skipped'] : [],
    };
  }

  async check(name: string, signal?: AbortSignal): Promise<HostCheck> {
    this.calls.push({ method: 'check', args: [name] });
    if (this.options.checkDelayMs) await sleep(this.options.checkDelayMs, signal);
    else await Promise.resolve();
    const host = this.host(name);
    const last = host.history[0]?.time;
    if (host.error) return { host: name, status: { kind: 'config-error', error: host.error } };
    if (host.status && host.status.kind !== 'drifted') return { host: name, status: host.status, lastSnapshot: last };
    const diff = this.diffOf(name);
    const status: HostStatus = diff.pending === 0 ? { kind: 'in-sync' } : host.status?.kind === 'drifted' ? { kind: 'drifted', count: diff.pending } : { kind: 'pending', count: diff.pending };
    return { host: name, status, diff, lastSnapshot: last, confirm: { plan: this.planPrint(name), writes: this.writesOf(name) } };
  }

  // ---------------------------------------------------------------- the repository on "disk"

  private watchers = new Set<(change: RepoChange) => void>();

  watch(listener: (change: RepoChange) => void): () => void {
    this.calls.push({ method: 'watch', args: [] });
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Whether the console subscribed to repository changes. */
  watched(): boolean {
    return this.watchers.size > 0;
  }

  /**
   * Edits the fake repository: adds (or replaces) a desired file on the given hosts. With
   * `notify` the watchers hear of it (as the file watcher would); without, only reload() does.
   */
  editRepo(hosts: string[], file: { path: string; desired: string }, notify = true): void {
    for (const name of hosts) {
      const host = this.host(name);
      const existing = host.files.find((f) => f.path === file.path);
      if (existing) existing.desired = file.desired;
      else host.files.push({ path: file.path, source: `etc/files${file.path}`, desired: file.desired });
    }
    if (!notify) return;
    const change: RepoChange = { paths: [`etc/files${file.path}`], hosts, summaries: this.fullSummaries() };
    for (const listener of this.watchers) listener(change);
  }

  async reload(): Promise<RepoChange> {
    this.calls.push({ method: 'reload', args: [] });
    await Promise.resolve();
    return { paths: [], hosts: 'all', summaries: this.fullSummaries() };
  }

  async breakLock(name: string, opId: string | undefined, options: OperationOptions = {}): Promise<OperationResult> {
    this.calls.push({ method: 'breakLock', args: [name, opId] });
    return this.operation('break-lock', [name], options, async (h, emit) => {
      const host = this.host(h);
      await emit({ type: 'log', host: h, phase: 'lock', level: 'warn', text: `broke the lock of ${host.status?.kind === 'locked' ? host.status.by : 'nobody'}` });
      if (host.status?.kind === 'locked') delete host.status;
      return { outcome: 'ok' };
    });
  }

  /** Operations started with holdOperations wait until this is called. */
  release(): void {
    this.releaseHeld?.();
    this.releaseHeld = undefined;
    this.held = undefined;
  }

  hold(): void {
    this.held = new Promise((resolve) => {
      this.releaseHeld = resolve;
    });
  }

  private async operation(
    kind: OperationKind,
    hosts: string[],
    options: OperationOptions,
    perHost: (host: string, emit: (e: DistributiveOmit<OpEvent, 'op' | 'time'>) => Promise<void>) => Promise<{ outcome: HostOutcome; snapshot?: string; error?: string; changed?: string[] }>,
    waves?: string[][],
  ): Promise<OperationResult> {
    const op = `20260501T120000Z-fake${++this.opCounter}`;
    const emit = async (event: DistributiveOmit<OpEvent, 'op' | 'time'>) => {
      options.onEvent?.({ ...event, op, time: new Date().toISOString() } as OpEvent);
      await sleep(this.options.eventDelayMs ?? 1);
    };
    await emit({ type: 'op-start', kind, hosts, operator: 'tester', dryRun: false });
    const outcomes: Record<string, HostOutcome> = {};
    // Like the core's rollout in waves: a wave event before each wave, one after it, and a failing wave stops the rollout.
    const waveOf = new Map((waves ?? []).flatMap((w, i) => w.map((h) => [h, i] as const)));
    let stopped = false;
    for (const host of hosts) {
      const w = waveOf.get(host);
      const members = w !== undefined ? waves![w]! : [];
      const tag = w !== undefined ? { index: w + 1, total: waves!.length, hosts: members } : undefined;
      if (tag && stopped) {
        outcomes[host] = 'skipped';
        await emit({ type: 'host-result', host, phase: 'done', outcome: 'skipped', level: 'warn', text: 'not started: the rollout stopped' });
        continue;
      }
      if (tag && members[0] === host) await emit({ type: 'log', phase: 'wave', level: 'info', wave: tag, text: `wave ${tag.index}/${tag.total}: ${members.join(', ')}` });
      await this.runHost(kind, host, options, perHost, emit, outcomes);
      if (tag && members[members.length - 1] === host) {
        const failed = members.filter((h) => !['ok', 'unchanged'].includes(outcomes[h] ?? ''));
        stopped = failed.length > 0;
        await emit({ type: 'log', phase: 'wave', level: stopped ? 'error' : 'info', wave: tag, text: `wave ${tag.index}/${tag.total}: ${members.length - failed.length} of ${members.length} host(s) done${stopped ? ': stopping the rollout' : ''}` });
      }
    }
    if (this.held) {
      await emit({ type: 'log', phase: 'done', level: 'info', text: 'waiting (held by the test)' });
      await Promise.race([this.held, abortPromise(options.signal)]);
    }
    const summary: Partial<Record<HostOutcome, number>> = {};
    for (const outcome of Object.values(outcomes)) summary[outcome] = (summary[outcome] ?? 0) + 1;
    const ok = Object.values(outcomes).every((o) => o === 'ok' || o === 'unchanged') && !options.signal?.aborted;
    await emit({ type: 'op-end', kind, ok, level: ok ? 'info' : 'error', text: '', summary });
    return { op, ok, outcomes };
  }

  private async runHost(
    kind: OperationKind,
    host: string,
    options: OperationOptions,
    perHost: (host: string, emit: (e: DistributiveOmit<OpEvent, 'op' | 'time'>) => Promise<void>) => Promise<{ outcome: HostOutcome; snapshot?: string; error?: string; changed?: string[] }>,
    emit: (e: DistributiveOmit<OpEvent, 'op' | 'time'>) => Promise<void>,
    outcomes: Record<string, HostOutcome>,
  ): Promise<void> {
    {
      if (options.signal?.aborted) {
        outcomes[host] = 'skipped';
        await emit({ type: 'host-result', host, phase: 'done', outcome: 'skipped', level: 'warn', text: 'cancelled' });
        return;
      }
      const result = await perHost(host, emit);
      outcomes[host] = result.outcome;
      const level = result.outcome === 'ok' || result.outcome === 'unchanged' ? 'info' : 'error';
      await emit({ type: 'host-result', host, phase: 'done', outcome: result.outcome, level, text: result.outcome === 'ok' ? `${kind} ok` : '', snapshot: result.snapshot, error: result.error, changed: result.changed });
    }
  }

  private recordSnapshot(name: string, reason: SnapshotReason): SnapshotInfo {
    const host = this.host(name);
    const info: SnapshotInfo = {
      id: sha(`${name}-${reason}-${host.history.length}-${Math.random()}`),
      host: name,
      time: new Date().toISOString(),
      files: host.files.length,
      changed: [],
      reason,
      operator: 'tester',
      op: 'fake',
    };
    host.history.unshift(info);
    return info;
  }

  async deploy(hosts: string[], options: OperationOptions = {}): Promise<OperationResult> {
    this.calls.push({ method: 'deploy', args: [hosts, { dryRun: options.dryRun, ...(options.confirmed ? { confirmed: options.confirmed } : {}), ...(options.waves ? { waves: options.waves } : {}), ...(options.only ? { only: options.only } : {}) }] });
    const waves = options.waves ? planWaves(hosts, parseWaves(options.waves)) : undefined;
    const only = options.only;
    return this.operation('deploy', waves ? waves.flat() : hosts, options, async (name, emit) => {
      const host = this.host(name);
      const confirmed = options.confirmed?.[name];
      if (confirmed?.plan !== undefined && confirmed.plan !== this.planPrint(name)) {
        await emit({ type: 'log', host: name, phase: 'write', level: 'error', text: 'the repository changed after you confirmed; nothing was written' });
        return { outcome: 'failed', error: 'changed' };
      }
      await emit({ type: 'log', host: name, phase: 'connect', level: 'info', text: 'connected' });
      await emit({ type: 'log', host: name, phase: 'lock', level: 'info', text: 'locked' });
      const snap = this.recordSnapshot(name, 'pre-deploy');
      await emit({ type: 'log', host: name, phase: 'snapshot', level: 'info', text: `snapshot ${snap.id.slice(0, 7)}` });
      await emit({ type: 'hook-output', host: name, phase: 'pre-deploy', hook: '10-check-disk', stream: 'stdout', level: 'info', text: 'disk ok: 42% used' });
      const changed = host.files.filter((f) => (f.live !== f.desired || (f.mode && f.mode[0] !== f.mode[1])) && (!only || only.includes(f.path)));
      let done = 0;
      for (const file of changed) {
        await emit({ type: 'file', host: name, phase: 'write', file: file.path, action: 'write', level: 'info', text: `wrote ${file.path}` });
        await emit({ type: 'progress', host: name, phase: 'write', done: ++done, total: changed.length, level: 'info', text: '' });
      }
      if (this.options.failDeploy?.includes(name)) {
        await emit({ type: 'hook-output', host: name, phase: 'post-deploy', hook: '20-reload', stream: 'stderr', level: 'warn', text: 'nginx: configuration test failed' });
        return { outcome: 'restored', snapshot: snap.id, error: 'post-deploy hook 20-reload exited 1' };
      }
      await emit({ type: 'hook-output', host: name, phase: 'post-deploy', hook: '20-reload', stream: 'stdout', level: 'info', text: 'nginx reloaded' });
      if (this.options.confirmWithin) {
        const deadline = new Date(this.now.getTime() + this.options.confirmWithin * 1000).toISOString();
        await emit({ type: 'log', host: name, phase: 'confirm', level: 'info', deadline, text: `revert armed on the host (a detached process): it puts every file back in ${this.options.confirmWithin} s unless konf proves access over a new connection first` });
        await emit({ type: 'log', host: name, phase: 'confirm', level: 'info', deadline, text: 'proving access over a new SSH connection' });
        if (this.confirmGate) await Promise.race([this.confirmGate.promise, abortPromise(options.signal)]);
        await emit({ type: 'log', host: name, phase: 'confirm', level: 'info', text: 'access confirmed over a new SSH connection (0.1 s): the revert is disarmed' });
      }
      for (const file of only ? changed : host.files) {
        file.live = file.desired;
        file.handEdit = false;
        if (file.mode) file.mode = [file.mode[1], file.mode[1]];
      }
      if (!only) host.extra = [];
      if (host.status?.kind === 'drifted' && host.files.every((f) => !f.handEdit)) delete host.status;
      await emit({ type: 'log', host: name, phase: 'unlock', level: 'info', text: 'unlocked' });
      return { outcome: changed.length > 0 ? 'ok' : 'unchanged', snapshot: snap.id, changed: changed.map((f) => f.path) };
    }, waves);
  }

  /** `konf diff --validate` in the fake: web1's sudoers fails visudo; other hosts with pending files pass. */
  async validate(name: string): Promise<ValidateResult> {
    this.calls.push({ method: 'validate', args: [name] });
    await sleep(this.options.eventDelayMs ?? 1);
    const host = this.host(name);
    if (host.error) throw new Error(host.error);
    const pending = this.diffOf(name).pending;
    if (pending === 0) return { host: name, pending, checks: [] };
    if (name === 'web1') {
      return {
        host: name,
        pending,
        checks: [
          { file: '/etc/sudoers.d/ops', rule: 'etc/validate:3 visudo -cf %s', ok: false, status: 'exit 1', output: ['/etc/sudoers.d/.konf-tmp-1-ops:2:16: syntax error', '%ops ALL=(root NOPASSWD: /usr/bin/systemctl'] },
          { file: '/etc/nginx/nginx.conf', rule: 'etc/validate:5 nginx -t -c %s', ok: true, status: 'passed', output: [] },
        ],
      };
    }
    return { host: name, pending, checks: [{ file: '/etc/nginx/nginx.conf', rule: 'etc/validate:5 nginx -t -c %s', ok: true, status: 'passed', output: [] }] };
  }

  async snapshot(hosts: string[], options: OperationOptions & { message?: string } = {}): Promise<OperationResult> {
    this.calls.push({ method: 'snapshot', args: [hosts, { message: options.message }] });
    return this.operation('snapshot', hosts, options, async (name, emit) => {
      await emit({ type: 'log', host: name, phase: 'read', level: 'info', text: 'reading managed files' });
      const snap = this.recordSnapshot(name, 'manual');
      return { outcome: 'ok', snapshot: snap.id };
    });
  }

  async history(name: string, _options?: { onWarning?: (text: string) => void }): Promise<SnapshotInfo[]> {
    this.calls.push({ method: 'history', args: [name] });
    await Promise.resolve();
    return [...this.host(name).history];
  }

  /** Rolling back web-ish hosts restores the "Welcome" motd and the old nginx.conf. */
  async rollbackPreview(name: string, snapshotId: string, signal?: AbortSignal): Promise<PreviewDiff> {
    this.calls.push({ method: 'rollbackPreview', args: [name, snapshotId] });
    if (this.options.checkDelayMs) await sleep(this.options.checkDelayMs, signal);
    const host = this.host(name);
    if (!host.history.some((s) => s.id === snapshotId)) throw new Error(`no snapshot ${snapshotId} for ${name}`);
    const files: FileChange[] = host.files.map((f) => {
      const reverse: FakeFile = { ...f, live: f.desired, desired: f.path === '/etc/motd' ? motdOld : f.path.endsWith('nginx.conf') ? NGINX('4', name) : f.desired };
      return this.fileChange(reverse);
    });
    const pending = files.filter((f) => f.kind !== 'unchanged').length;
    return { host: name, files, pending };
  }

  async rollback(name: string, snapshotId: string, options: OperationOptions = {}): Promise<OperationResult> {
    this.calls.push({ method: 'rollback', args: [name, snapshotId] });
    return this.operation('rollback', [name], options, async (h, emit) => {
      const host = this.host(h);
      const snap = this.recordSnapshot(h, 'pre-rollback');
      await emit({ type: 'log', host: h, phase: 'snapshot', level: 'info', text: `snapshot ${snap.id.slice(0, 7)}` });
      for (const file of host.files) {
        if (file.path === '/etc/motd') file.live = motdOld;
        if (file.path.endsWith('nginx.conf')) file.live = NGINX('4', h);
      }
      await emit({ type: 'file', host: h, phase: 'write', file: '/etc/motd', action: 'write', level: 'info', text: 'restored /etc/motd' });
      return { outcome: 'ok', snapshot: snap.id, changed: ['/etc/motd'] };
    });
  }

  // ---------------------------------------------------------------- answering drift (konf adopt, konf rebuild)

  /** What `konf adopt HOST PATH --to …` would write: the fake's repository edit, the host after, the other hosts' diffs. */
  async adoptPreview(name: string, path: string, to: AdoptTo): Promise<AdoptPreview> {
    this.calls.push({ method: 'adoptPreview', args: [name, path, to] });
    await Promise.resolve();
    const host = this.host(name);
    const file = host.files.find((f) => f.path === path);
    if (!file || file.live === undefined) throw new Error(`${path} is not on ${name}`);
    const live = file.live;
    const item = { path, to, kind: to === 'exclude' ? ('exclude' as const) : file.template ? ('template' as const) : ('adopt' as const), live: { path, state: 'file' as const, content: Buffer.from(live), size: live.length, sha256: sha256(live), mode: 0o644, uid: 0, gid: 0, owner: 'root', group: 'root' } };
    const base = { host: name, items: [item], expected: {}, commit: false };
    if (to === 'exclude') {
      const exclude = `etc/serverconfig/exclude/${name}`;
      const after = `# kept on this host only (konf adopt): ${path}, by tester on ${this.now.toISOString()}\n${path}\n`;
      return {
        ...base,
        edits: [{ file: exclude, before: { kind: 'absent' }, after: { kind: 'file', content: Buffer.from(after) }, why: `keep ${path} on ${name} only` }],
        views: [{ file: exclude, why: `keep ${path} on ${name} only`, created: true, unified: createTwoFilesPatch('/dev/null', `b/${exclude}`, '', after) }],
        hostAfter: { host: name, files: [{ path, kind: 'excluded', meta: [], added: 0, removed: 0 }], pending: 0 },
        others: [],
        unaffected: [...this.fleet.keys()].filter((h) => h !== name),
      };
    }
    const others = [...this.fleet.values()].filter((h) => h.name !== name && h.files.some((f) => f.source === file.source));
    return {
      ...base,
      edits: [{ file: file.source, before: { kind: 'file', content: Buffer.from(file.desired) }, after: { kind: 'file', content: Buffer.from(live) }, why: `the live ${path} of ${name}` }],
      views: [{ file: file.source, why: `the live ${path} of ${name}`, created: false, unified: createTwoFilesPatch(`a/${file.source}`, `b/${file.source}`, file.desired, live) }],
      hostAfter: { host: name, files: [{ path, kind: 'unchanged', meta: [], added: 0, removed: 0 }], pending: 0 },
      others: others.map((h) => {
        const theirs = h.files.find((f) => f.source === file.source)!;
        const change = this.fileChange({ ...theirs, desired: live, handEdit: false });
        return { host: h.name, diff: { host: h.name, files: [change], pending: change.kind === 'unchanged' ? 0 : 1 } };
      }),
      unaffected: [...this.fleet.keys()].filter((h) => h !== name && !others.some((o) => o.name === h)),
    };
  }

  /** Writes the previewed edit into the fake repository; the watchers hear of it as of a file edit. */
  async adopt(preview: AdoptPreview, options: OperationOptions = {}): Promise<OperationResult> {
    this.calls.push({ method: 'adopt', args: [preview.host, preview.items.map((i) => [i.path, i.to])] });
    const item = preview.items[0]!;
    const source = this.host(preview.host).files.find((f) => f.path === item.path)?.source ?? '';
    const touched: string[] = [];
    const result = await this.operation('adopt', [preview.host], options, async (name, emit) => {
      const host = this.host(name);
      if (item.to === 'exclude') {
        host.excludes.push(item.path);
        host.files = host.files.filter((f) => f.path !== item.path);
        touched.push(name);
      } else {
        const live = host.files.find((f) => f.path === item.path)!.live!;
        for (const h of this.fleet.values()) {
          for (const f of h.files) {
            if (f.source !== source) continue;
            f.desired = live;
            if (h.name === name) f.handEdit = false;
            touched.push(h.name);
          }
        }
      }
      if (host.status?.kind === 'drifted') delete host.status;
      for (const edit of preview.edits) await emit({ type: 'log', host: name, phase: 'write', level: 'info', text: `wrote ${edit.file} (left in the working tree)` });
      return { outcome: 'ok', changed: preview.edits.map((e) => e.file) };
    });
    const change: RepoChange = { paths: preview.edits.map((e) => e.file), hosts: touched, summaries: this.fullSummaries() };
    for (const listener of this.watchers) listener(change);
    return result;
  }

  /** A rebuild writes every file the snapshot recorded: here, every planned file the host lacks or differs in. */
  async rebuildPreview(name: string, snapshotId: string): Promise<PreviewDiff> {
    this.calls.push({ method: 'rebuildPreview', args: [name, snapshotId] });
    await Promise.resolve();
    const host = this.host(name);
    if (!host.history.some((s) => s.id === snapshotId)) throw new Error(`no snapshot ${snapshotId} for ${name}`);
    const files = host.files.map((f) => this.fileChange(f));
    return { host: name, files, pending: files.filter((f) => f.kind !== 'unchanged').length, confirm: { plan: this.planPrint(name), writes: this.writesOf(name) } };
  }

  async rebuild(name: string, snapshotId: string, options: OperationOptions = {}): Promise<OperationResult> {
    this.calls.push({ method: 'rebuild', args: [name, snapshotId, options.confirmed?.[name]] });
    return this.operation('rebuild', [name], options, async (h, emit) => {
      const host = this.host(h);
      const snap = this.recordSnapshot(h, 'pre-rollback');
      await emit({ type: 'log', host: h, phase: 'snapshot', level: 'info', text: `snapshot ${snap.id.slice(0, 7)}` });
      const changed = host.files.filter((f) => f.live !== f.desired);
      for (const file of changed) {
        file.live = file.desired;
        await emit({ type: 'file', host: h, phase: 'write', file: file.path, action: 'write', level: 'info', text: `restored ${file.path}` });
      }
      return { outcome: 'ok', snapshot: snap.id, changed: changed.map((f) => f.path) };
    });
  }

  async close(): Promise<void> {
    this.calls.push({ method: 'close', args: [] });
    this.closed = true;
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  snapshotsOf(name: string): SnapshotInfo[] {
    return this.host(name).history;
  }
}

const motdOld = 'Welcome\n';

const SYSCTL = (swappiness: string) => `# kernel settings\nvm.swappiness = ${swappiness}\nnet.core.somaxconn = 1024\n`;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function abortPromise(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
