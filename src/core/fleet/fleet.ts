/**
 * Loading a fleet repository. `loadFleet` reads the inventory and validates the layout;
 * every per-host question (switches, excludes, plan) reads the files afresh, so a
 * long-running console sees the admin's edits, and a problem in one host's files does
 * not stop the others from being planned.
 */
import { access, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseExcludes } from './excludes.js';
import { readHooks } from './hooks.js';
import { resolveInRepo } from './repoPath.js';
import { assertKnownHost, DEFAULT_SWITCH_FILE, EXCLUDE_DIR, readInventory, SERVERCONFIG_DIR } from './inventory.js';
import { PERMISSIONS_FILE, parsePermissions } from './permissions.js';
import { VALIDATE_FILE, parseValidate, type ValidateRule } from './validate.js';
import { buildPlan, readSourceFile, type SharedInputs } from './plan.js';
import { checkReservedDefinitions, declaredSecrets, hostSettings } from './reserved.js';
import { finalValues, mergeSwitches, parseSwitchFile } from './switches.js';
import { readTree } from './tree.js';
import type { ExcludeRule, Fleet, HostPlan, HostSettings, PermissionRule, Switch } from './types.js';

export type { Fleet } from './types.js';

export const SSH_CONFIG_FILE = 'etc/ssh_config';

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

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Exclude files must belong to known hosts: a misspelt one would protect nothing. */
async function checkExcludeFolder(root: string, hosts: readonly string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(path.join(root, EXCLUDE_DIR), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot read: ${(err as Error).message}`, EXCLUDE_DIR);
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${EXCLUDE_DIR}/${entry.name}`;
    if (!entry.isFile()) throw new ConfigError('not a regular file: exclude files are named after their host', rel);
    if (!hosts.includes(entry.name)) {
      throw new ConfigError(`exclude file for unknown host \`${entry.name}\`; known hosts: ${hosts.join(', ')}`, rel);
    }
  }
}

/** Loads the fleet repository at `repoDir` (the folder holding `etc/serverconfig`). */
export async function loadFleet(repoDir: string): Promise<Fleet> {
  const root = path.resolve(repoDir);
  try {
    if (!(await stat(path.join(root, SERVERCONFIG_DIR))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new ConfigError(`not a konf fleet repository (no ${SERVERCONFIG_DIR}/ folder)`, root);
  }
  await resolveInRepo(root, SERVERCONFIG_DIR);
  const hosts = await readInventory(root);
  await checkExcludeFolder(root, hosts);
  const sshConfig = path.join(root, SSH_CONFIG_FILE);
  const sshConfigPath = (await exists(sshConfig)) ? await resolveInRepo(root, SSH_CONFIG_FILE) : undefined;

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
