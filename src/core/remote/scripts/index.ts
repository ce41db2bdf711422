/** The POSIX sh scripts konf runs on a host, one module per remote action (see common.ts). */
export { ARG_BUDGET, LOCK_DIR, LOCK_PATH, TEMP_PREFIX, argRuns, commandFor } from './common.js';
export { readFolders, readScript } from './read.js';
export { backupDir, backupName, stageDir, type PreparedOp, type WriteJournal } from './writeSteps.js';
export { writeScript } from './write.js';
export { verifyLines, type ReadState, type VerifyLines } from './verify.js';
export { REVERT_WAIT_SEC, recoverScript } from './recover.js';
export { HOOK_TAG_VAR, killScript, runScript } from './hook.js';
export { acquireLockScript, readLockScript, releaseLockScript } from './lock.js';
