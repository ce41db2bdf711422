/**
 * Loading a fleet repository. `loadFleet` reads the inventory and validates the layout;
 * every per-host question (switches, excludes, plan) reads the files afresh, so a
 * long-running console sees the admin's edits, and a problem in one host's files does
 * not stop the others from being planned.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { parseExcludes } from './excludes.js';
import { readHooks } from './hooks.js';
import { resolveInRepo } from './repoPath.js';
import { assertKnownHost, DEFAULT_SWITCH_FILE, EXCLUDE_DIR, SERVERCONFIG_DIR } from './inventory.js';
import { readLayout } from './layout.js';
import { PERMISSIONS_FILE, parsePermissions } from './permissions.js';
import { VALIDATE_FILE, parseValidate, type ValidateRule } from './validate.js';
import { buildPlan, readSourceFile, type SharedInputs } from './plan.js';
import { checkReservedDefinitions, declaredSecrets, hostSettings } from './reserved.js';
import { finalValues, mergeSwitches, parseSwitchFile } from './switches.js';
import { readTree } from './tree.js';
import type { ExcludeRule, Fleet, HostPlan, HostSettings, PermissionRule, Switch } from './types.js';

export type { Fleet } from './types.js';

export { SSH_CONFIG_FILE } from './layout.js';

/** Reads a repository file (relative path); undefined when it does not exist. */
async function readOptional(root: string, rel: string): Promise<string | undefined> {
  const real = await resolveInRepo(root, rel);
  if (real === undefined) return undefined;
  try {
    return await readFile(real, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, rel);
  }
}

/** Loads the fleet repository at `repoDir` (the folder holding `etc/serverconfig`). */
export async function loadFleet(repoDir: string): Promise<Fleet> {
  const { root, hosts, sshConfigPath } = await readLayout(repoDir);

  const assertHost = (host: string): void => assertKnownHost(host, hosts);

  const switches = async (host: string): Promise<{ switches: Switch[]; settings: HostSettings }> => {
    assertHost(host);
    const hostFile = `${SERVERCONFIG_DIR}/${host}`;
    const defaultText = (await readOptional(root, DEFAULT_SWITCH_FILE)) ?? '';
    const hostText = (await readOptional(root, hostFile)) ?? '';
    const builtins = new Map([['konf_host', host]]);
    const defaults = parseSwitchFile(defaultText, { kind: 'default', file: DEFAULT_SWITCH_FILE }, builtins);
    checkReservedDefinitions(defaults);
    const visible = new Map([...builtins, ...finalValues(defaults)]);
    const own = parseSwitchFile(hostText, { kind: 'host', file: hostFile }, visible);
    checkReservedDefinitions(own);
    const merged = mergeSwitches(defaults, own, declaredSecrets([...defaults, ...own]));
    return { switches: merged, settings: hostSettings(merged) };
  };

  const excludes = async (host: string): Promise<ExcludeRule[]> => {
    assertHost(host);
    const file = `${EXCLUDE_DIR}/${host}`;
    const text = await readOptional(root, file);
    return text === undefined ? [] : parseExcludes(text, file);
  };

  const permissions = async (): Promise<PermissionRule[]> => {
    const text = await readOptional(root, PERMISSIONS_FILE);
    return text === undefined ? [] : parsePermissions(text, PERMISSIONS_FILE);
  };

  const validateRules = async (): Promise<ValidateRule[]> => {
    const text = await readOptional(root, VALIDATE_FILE);
    return text === undefined ? [] : parseValidate(text, VALIDATE_FILE);
  };

  // What every host's plan shares (permissions, validate rules, the desired tree, hooks, source files):
  // read once per plan() call, or once for a whole batch in planAll().
  const shared = async (): Promise<SharedInputs> => {
    const [permissionRules, validate, tree, hooks] = await Promise.all([permissions(), validateRules(), readTree(root), readHooks(root)]);
    const sources = new Map<string, Promise<Buffer>>();
    const readSource = (source: string): Promise<Buffer> => {
      let content = sources.get(source);
      if (content === undefined) {
        content = readSourceFile(root, source);
        sources.set(source, content);
      }
      return content;
    };
    return { permissionRules, validate, tree, hooks, readSource };
  };

  const planWith = async (host: string, inputs: Promise<SharedInputs>): Promise<HostPlan> => {
    inputs.catch(() => undefined); // awaited below, after the host's own files (their errors come first)
    const { switches: merged, settings } = await switches(host);
    const [excludeRules, common] = await Promise.all([excludes(host), inputs]);
    return buildPlan({ repoRoot: root, host, switches: merged, settings, excludeRules, ...common });
  };

  const plan = (host: string): Promise<HostPlan> => planWith(host, shared());

  const planAll = (list: readonly string[]): Promise<HostPlan>[] => {
    const inputs = shared();
    return list.map((host) => planWith(host, inputs));
  };

  const fleet: Fleet = { root, hosts, assertHost, switches, excludes, plan, planAll };
  if (sshConfigPath !== undefined) fleet.sshConfigPath = sshConfigPath;
  return fleet;
}
