/** The fleet repository model: one import for the rest of konf. */
export { loadFleet, SSH_CONFIG_FILE } from './fleet.js';
export { findRepo, type FindRepoOptions } from './repo.js';
export { inspectHost, summarizeHost, summarizeHosts } from './summary.js';
export { excludeMatcher, parseExcludes, type ExcludeMatcher } from './excludes.js';
export { parsePermissions, permissionMatcher, type PermissionMatcher } from './permissions.js';
export { parseSwitchFile, mergeSwitches, looksSecret, isValidSwitchName, type SwitchDefinition } from './switches.js';
export { hostSettings, RESERVED_SWITCHES } from './reserved.js';
export { readInventory, hostNameProblem, assertKnownHost } from './inventory.js';
export { readHooks, type HookSet } from './hooks.js';
export { renderTemplate, type TemplateInput, type TemplateResult } from './templates.js';
export { readTree, type TreeEntry } from './tree.js';
export { buildPlan, type PlanInputs } from './plan.js';
export { isSafeLogicalPath, logicalPathProblem, symlinkEscapesRoot, compareBytes } from './paths.js';
export type * from './types.js';
export { HOOK_PHASES } from './types.js';
