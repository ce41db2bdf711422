/**
 * Everything one konf run shares: the fleet repository, the SSH pool (one connection per
 * host), the snapshot store and the state folder. Operations take a runtime; the CLI and
 * the console each open one.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { loadFleet, type Fleet } from '../fleet/fleet.js';
import type { HostPlan } from '../fleet/types.js';
import { SshPool } from '../ssh/pool.js';
import type { Connection } from '../ssh/connection.js';
import { RemoteHost } from '../remote/remoteHost.js';
import type { SnapshotStore } from '../store/snapshotStore.js';
import { jumpHostId, StoreRemote } from '../store/storeRemote.js';
import { readKonfConf, type KonfConf } from '../fleet/konfConf.js';
import { secretValues, maskSecrets } from '../diff/secrets.js';
import { operator } from './operator.js';
import { repoStamp } from '../fleet/stamp.js';
import { freshShared } from '../util/freshShared.js';
import { processStart } from './localProcess.js';

export interface RuntimeOptions {
  repo: string;
  /** State folder (snapshot store, audit log, deployed records); default `<repo>/var`. */
  stateDir?: string;
  /** Hosts worked on at once. */
  concurrency?: number;
  /** Accept and record unknown host keys (StrictHostKeyChecking accept-new). */
  acceptNew?: boolean;
  /** Show secret values instead of masking them. */
  reveal?: boolean;
  /** Extra OpenSSH client config files after the fleet's own (default ~/.ssh/config). */
  userSshConfig?: string;
}

export const DEFAULT_CONCURRENCY = 16;

export class OpsRuntime {
  private poolInstance: SshPool | undefined;
  private storeInstance: Promise<SnapshotStore> | undefined;
  private remoteInstance: Promise<StoreRemote | undefined> | undefined;
  private readonly plans = new Map<string, Promise<HostPlan>>();
  readonly operator = operator();
  readonly jumpHost = os.hostname();
  /** Start time of this process (written into host locks: a reused pid is told apart). */
  readonly pidStart = processStart(process.pid);
  private fleetNow: Fleet;
  private confNow: KonfConf;

  private constructor(
    fleet: Fleet,
    conf: KonfConf,
    readonly stateDir: string,
    readonly options: RuntimeOptions,
  ) {
    this.fleetNow = fleet;
    this.confNow = conf;
  }

  /** The team's settings (etc/konf.conf and KONF_STORE_REMOTE) as last loaded. */
  get conf(): KonfConf {
    return this.confNow;
  }

  /** The fleet repository as last loaded (reload() reads it again). */
  get fleet(): Fleet {
    return this.fleetNow;
  }

  /**
   * Reads the repository's inventory again (hosts added or removed) and forgets every
   * plan rendered so far: the next plan() reads the files as they are on disk now.
   */
  async reload(): Promise<Fleet> {
    this.fleetNow = await loadFleet(this.fleet.root);
    const conf = await readKonfConf(this.fleet.root);
    if (conf.storeRemote?.url !== this.confNow.storeRemote?.url || conf.storeTimeoutS !== this.confNow.storeTimeoutS) this.remoteInstance = undefined;
    this.confNow = conf;
    this.plans.clear();
    return this.fleetNow;
  }

  /** Forgets the plans of these hosts (all when none given): they are rendered again on next use. */
  invalidate(hosts?: readonly string[]): void {
    if (!hosts) this.plans.clear();
    else for (const h of hosts) this.plans.delete(h);
  }

  /**
   * A stamp of the repository files as they are now (see fleet/stamp.ts): from a walk that
   * began after this call (hosts checking at once share one, see util/freshShared.ts).
   */
  repoStamp(): Promise<string> {
    return this.stamp();
  }

  private readonly stamp = freshShared(() => repoStamp(this.fleet.root));

  /**
   * Plans rendered from the repository as it is on disk now (one batch; they replace the
   * remembered ones). Deploy and rollback plan this way when they start.
   */
  async freshPlans(hosts: string[]): Promise<Map<string, HostPlan>> {
    this.invalidate(hosts);
    return this.planAll(hosts);
  }

  static async open(options: RuntimeOptions): Promise<OpsRuntime> {
    const fleet = await loadFleet(options.repo);
    const conf = await readKonfConf(fleet.root);
    const stateDir = path.resolve(options.stateDir ?? path.join(fleet.root, 'var'));
    return new OpsRuntime(fleet, conf, stateDir, options);
  }

  get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  get reveal(): boolean {
    return this.options.reveal ?? false;
  }

  /** The host's plan, rendered once per run. Throws ConfigError naming file and line. */
  plan(host: string): Promise<HostPlan> {
    let p = this.plans.get(host);
    if (!p) {
      p = this.fleet.plan(host);
      this.plans.set(host, p);
      p.catch(() => this.plans.delete(host));
    }
    return p;
  }

  /**
   * Starts planning the hosts not planned yet as one batch (the files all hosts share are
   * read once); plan(host) then returns each one.
   */
  preparePlans(hosts: readonly string[]): void {
    const missing = hosts.filter((h) => !this.plans.has(h));
    if (missing.length === 0) return;
    this.fleet.planAll(missing).forEach((p, i) => {
      const host = missing[i] as string;
      this.plans.set(host, p);
      p.catch(() => {
        if (this.plans.get(host) === p) this.plans.delete(host);
      });
    });
  }

  /** Plans every host first: a broken template fails the run before any host is contacted. */
  async planAll(hosts: string[]): Promise<Map<string, HostPlan>> {
    this.preparePlans(hosts);
    const out = new Map<string, HostPlan>();
    for (const h of hosts) out.set(h, await this.plan(h));
    return out;
  }

  /** Masks the secret values of the given plans (unless --reveal). */
  masker(plans: Iterable<HostPlan>): (text: string) => string {
    if (this.reveal) return (t) => t;
    const secrets = new Set<string>();
    for (const p of plans) for (const s of secretValues(p)) secrets.add(s);
    const list = [...secrets];
    return (t) => maskSecrets(t, list);
  }

  get pool(): SshPool {
    if (!this.poolInstance) {
      const configFiles = [
        ...(this.fleet.sshConfigPath ? [this.fleet.sshConfigPath] : []),
        this.options.userSshConfig ?? path.join(os.homedir(), '.ssh', 'config'),
      ];
      this.poolInstance = new SshPool({ configFiles, concurrency: this.concurrency, acceptNew: this.options.acceptNew ?? false });
    }
    return this.poolInstance;
  }

  /** A connected remote for the host (its konf_root and konf_become applied). */
  async remote(host: string, signal?: AbortSignal): Promise<RemoteHost> {
    const plan = await this.plan(host);
    const conn = await this.pool.get(host, signal);
    return this.remoteOver(conn, plan);
  }

  /** The host's pooled connection, without planning it (a check connects first and plans once connected). */
  connection(host: string, signal?: AbortSignal): Promise<Connection> {
    return this.pool.get(host, signal);
  }

  /** A remote over an open connection, with the plan's konf_root and konf_become. */
  remoteOver(conn: Connection, plan: HostPlan): RemoteHost {
    return new RemoteHost(conn, { host: plan.host, root: plan.settings.root, become: plan.settings.become });
  }

  /**
   * A remote for the host over a NEW connection (never the pooled one): confirm-or-revert
   * proves access with it. `close()` ends that connection.
   */
  async freshRemote(host: string, signal?: AbortSignal): Promise<{ remote: RemoteHost; close: () => Promise<void> }> {
    const plan = await this.plan(host);
    const conn = await this.pool.connectFresh(host, signal);
    return { remote: new RemoteHost(conn, { host, root: plan.settings.root, become: plan.settings.become }), close: () => conn.close() };
  }

  /** Drops a host's connection (after a failure) so the next remote() reconnects. */
  forget(host: string): void {
    this.pool.drop(host);
  }

  store(): Promise<SnapshotStore> {
    if (!this.storeInstance) {
      this.storeInstance = (async () => {
        await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
        // Loaded on first use: a diff never opens the store.
        const { SnapshotStore } = await import('../store/snapshotStore.js');
        return SnapshotStore.open(this.stateDir);
      })();
    }
    return this.storeInstance;
  }

  /** The snapshot store's shared remote, when one is set (see ops/storeSync.ts). */
  storeRemote(): Promise<StoreRemote | undefined> {
    if (!this.remoteInstance) {
      const setting = this.conf.storeRemote;
      const timeoutMs = Math.round(this.conf.storeTimeoutS * 1000);
      this.remoteInstance = setting === undefined ? Promise.resolve(undefined) : (async () => new StoreRemote((await this.store()).gitDir, { url: setting.url, origin: setting.origin, timeoutMs }, await jumpHostId(this.stateDir)))();
      this.remoteInstance.catch(() => (this.remoteInstance = undefined));
    }
    return this.remoteInstance;
  }

  async close(): Promise<void> {
    await this.poolInstance?.closeAll();
  }
}
