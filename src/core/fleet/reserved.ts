/**
 * Reserved switches (prefix `konf_`) steer konf itself rather than templates:
 *
 *   konf_root    absolute target root on the host (default `/`); logical paths are joined to it
 *   konf_become  '' (default) or `sudo`: privilege escalation for reads, writes and hooks
 *   konf_watch   space-separated absolute paths snapshotted along with the managed files
 *   konf_secret  space-separated switch names whose values are secret (masked in output);
 *                the default's and the host's lists add up, a host cannot unmask a secret
 *   konf_confirm_within  seconds (empty or 0: off): a deploy arms a revert on the host that
 *                puts it back unless konf proves access over a new connection in time
 *
 * `konf_host` is provided by konf (the host's name) and cannot be set; `konf` names the
 * template helpers. Any other `konf_*`
 * name is an error: a typo there would otherwise silently do nothing.
 */
import { ConfigError } from '../errors.js';
import { logicalPathProblem, reservedPathProblem, stripTrailingSlash } from './paths.js';
import { isValidSwitchName, type SwitchDefinition } from './switches.js';
import type { HostSettings, Switch } from './types.js';

export const RESERVED_SWITCHES = ['konf_root', 'konf_become', 'konf_watch', 'konf_secret', 'konf_confirm_within'] as const;
export type ReservedSwitch = (typeof RESERVED_SWITCHES)[number];

const isReserved = (name: string): name is ReservedSwitch => (RESERVED_SWITCHES as readonly string[]).includes(name);

function fail(def: SwitchDefinition, message: string): never {
  throw new ConfigError(message, def.origin.file, def.origin.line);
}

function words(value: string): string[] {
  return value.split(/\s+/).filter((w) => w !== '');
}

/** Checks every `konf_*` definition of one file: known names, valid values. */
export function checkReservedDefinitions(definitions: readonly SwitchDefinition[]): void {
  for (const def of definitions) {
    if (def.name === 'konf') fail(def, '`konf` is reserved for the template helpers (konf.skip, konf.fail, konf.defined)');
    if (!def.name.startsWith('konf_')) continue;
    if (def.name === 'konf_host') fail(def, '`konf_host` is set by konf (the host name) and cannot be defined');
    if (!isReserved(def.name)) {
      fail(def, `unknown reserved switch \`${def.name}\` (known: ${RESERVED_SWITCHES.join(', ')}; names starting with konf_ are reserved)`);
    }
    checkValue(def);
  }
}

function checkValue(def: SwitchDefinition): void {
  switch (def.name as ReservedSwitch) {
    case 'konf_root': {
      const problem = logicalPathProblem(def.value);
      if (problem !== undefined) fail(def, `konf_root \`${def.value}\` ${problem}`);
      break;
    }
    case 'konf_become':
      if (def.value !== '' && def.value !== 'sudo') fail(def, `konf_become must be empty or \`sudo\`, not \`${def.value}\``);
      break;
    case 'konf_watch':
      for (const p of words(def.value)) {
        const problem = logicalPathProblem(p) ?? reservedPathProblem(stripTrailingSlash(p));
        if (problem !== undefined) fail(def, `konf_watch path \`${p}\` ${problem}`);
      }
      break;
    case 'konf_secret':
      for (const name of words(def.value)) {
        if (!isValidSwitchName(name)) fail(def, `konf_secret lists \`${name}\`, which is not a valid switch name`);
      }
      break;
    case 'konf_confirm_within': {
      const problem = confirmWithinProblem(def.value);
      if (problem !== undefined) fail(def, `konf_confirm_within ${problem}`);
      break;
    }
  }
}

/** The longest confirm-or-revert window konf accepts (an hour). */
export const MAX_CONFIRM_WITHIN = 3600;

/** Why a confirm-within value (seconds; empty or 0 = off) is unacceptable, or undefined. */
export function confirmWithinProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^\d+$/.test(value)) return `must be a whole number of seconds (0 or empty: off), not \`${value}\``;
  if (Number(value) > MAX_CONFIRM_WITHIN) return `must be at most ${MAX_CONFIRM_WITHIN} seconds, not ${value}`;
  return undefined;
}

/** Switch names listed in any `konf_secret` definition (default and host lists add up). */
export function declaredSecrets(definitions: readonly SwitchDefinition[]): Set<string> {
  const names = new Set<string>();
  for (const def of definitions) {
    if (def.name === 'konf_secret') for (const n of words(def.value)) names.add(n);
  }
  return names;
}

/** The host's settings from its merged (already checked) switches. */
export function hostSettings(switches: readonly Switch[]): HostSettings {
  const value = (name: ReservedSwitch): string | undefined => switches.find((s) => s.name === name)?.value;
  const root = value('konf_root');
  const become = value('konf_become') ?? '';
  const confirmWithin = Number(value('konf_confirm_within') || 0);
  return {
    root: root === undefined || root === '' ? '/' : stripTrailingSlash(root),
    become: become === 'sudo' ? 'sudo' : '',
    watch: words(value('konf_watch') ?? '').map(stripTrailingSlash),
    ...(confirmWithin > 0 ? { confirmWithin } : {}),
  };
}
