export { SnapshotStore } from './snapshotStore.js';
export { defaultStateDir, ensurePrivateDir } from './stateDir.js';
export type { Snapshot, SnapshotInfo, SnapshotMeta, SnapshotReason } from './types.js';
export type { Manifest, ManifestEntry, ManifestState } from './manifest.js';
