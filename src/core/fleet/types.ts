/** The fleet repository model: what the admin edits, as konf understands it. */
import type { ValidateRule } from './validate.js';

export type { ValidateRule } from './validate.js';

/** Where a switch value came from: the default file or the host's file, with the line. */
export interface SwitchOrigin {
  kind: 'default' | 'host';
  /** Path relative to the repository root, e.g. `etc/serverconfig/web1`. */
  file: string;
  line: number;
}

export interface Switch {
  name: string;
  value: string;
  origin: SwitchOrigin;
  /** Looks like a secret (name matches *password*, *secret*, *key*, *token*, or listed in konf_secret). */
  secret: boolean;
  /** For a host override: where the default value it replaced was defined. */
  overrides?: SwitchOrigin;
}

/** Reserved switches that steer konf itself (prefix `konf_`). */
export interface HostSettings {
  /** Target root prefix on the host, absolute, default `/`. */
  root: string;
  /** Privilege escalation: '' (none) or 'sudo'. */
  become: '' | 'sudo';
  /** Extra absolute paths snapshotted with the managed files (Pacha's watch). */
  watch: string[];
  /** konf_confirm_within: seconds a deploy has to prove access before the host reverts itself (0: off). */
  confirmWithin?: number;
}

export interface ExcludeRule {
  pattern: string;
  file: string;
  line: number;
}

export type Permission = { mode?: number; owner?: string; group?: string };

export interface PermissionRule extends Permission {
  glob: string;
  file: string;
  line: number;
}

/** One desired entry on a host. Paths are logical absolute paths (without konf_root). */
export interface PlannedFileBase {
  /** Logical absolute target path, e.g. `/etc/nginx/nginx.conf`. */
  path: string;
  /** Source file, relative to the repository root, e.g. `etc/files/etc/nginx/nginx.conf.tmpl`. */
  source: string;
  /** Declared metadata (from etc/permissions); undefined fields keep live metadata (new files get 0644). */
  mode?: number;
  owner?: string;
  group?: string;
  /** The permissions rule that matched, if any. */
  permissionRule?: PermissionRule;
}

export interface PlannedRegularFile extends PlannedFileBase {
  kind: 'file';
  content: Buffer;
  template: boolean;
  /** Switch names a template read while rendering (provenance). */
  switchesUsed: string[];
}

export interface PlannedSymlink extends PlannedFileBase {
  kind: 'symlink';
  target: string;
}

export type PlannedFile = PlannedRegularFile | PlannedSymlink;

/** A path the desired tree holds but the host's excludes remove, with the rule that fired. */
export interface ExcludedPath {
  path: string;
  rule: ExcludeRule;
}

/** A path a template chose to leave out for this host. */
export interface SkippedPath {
  path: string;
  source: string;
  reason: string;
}

/** `health`: run between the waves of a rollout (deploy --waves) on every host of the finished wave. */
export type HookPhase = 'pre-deploy' | 'post-deploy' | 'pre-rollback' | 'post-rollback' | 'health';
export const HOOK_PHASES: readonly HookPhase[] = ['pre-deploy', 'post-deploy', 'pre-rollback', 'post-rollback', 'health'];

export interface Hook {
  phase: HookPhase;
  name: string;
  /** Path relative to the repository root. */
  source: string;
  content: Buffer;
}

/** A file in a hook folder that is not run (not executable, not a regular file). */
export interface SkippedHook {
  name: string;
  source: string;
  /** Why: `not executable`, `not a regular file`. */
  reason: string;
  /** How to fix it. */
  hint: string;
}

export interface HostPlan {
  host: string;
  settings: HostSettings;
  /** Merged switches in definition order (default first, host overrides in place). */
  switches: Switch[];
  excludeRules: ExcludeRule[];
  files: PlannedFile[];
  excluded: ExcludedPath[];
  skipped: SkippedPath[];
  hooks: Record<HookPhase, Hook[]>;
  /** Files in hook folders that are not run, per phase: said again when the phase runs. */
  skippedHooks?: Partial<Record<HookPhase, SkippedHook[]>>;
  /** The rules of `etc/validate` (file checks and set checks), in file order. */
  validate?: ValidateRule[];
  /** Problems that do not stop the plan (e.g. a non-executable hook file): reported, never hidden. */
  warnings: string[];
}

/** A loaded fleet repository. Plans are computed fresh on each call (edits are picked up). */
export interface Fleet {
  /** Absolute path of the repository root (the folder holding `etc/serverconfig`). */
  root: string;
  /** Managed hosts, sorted (byte order). */
  hosts: string[];
  /** Absolute path of `etc/ssh_config` when the repository has one. */
  sshConfigPath?: string;
  /** Throws ConfigError naming the known hosts when `host` is not one of them. */
  assertHost(host: string): void;
  /** Merged switches and reserved settings of one host (no templates rendered). */
  switches(host: string): Promise<{ switches: Switch[]; settings: HostSettings }>;
  /** The host's exclude rules (empty when it has no exclude file). */
  excludes(host: string): Promise<ExcludeRule[]>;
  /** Everything the host should hold; throws ConfigError on any problem in the repository. */
  plan(host: string): Promise<HostPlan>;
  /**
   * The plans of many hosts (in order), the files all hosts share read once: what plan()
   * gives each host, for a fleet-wide operation.
   */
  planAll(hosts: readonly string[]): Promise<HostPlan>[];
}
