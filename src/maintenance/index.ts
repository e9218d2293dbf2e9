/**
 * @module maintenance
 * Keeping a repository healthy. `check` verifies it as `restic check` does: the index against the pack files,
 * the snapshots and every tree reachable from them, and optionally the content of all or some packs. Problems
 * come back as one line each; packs with bad bytes are listed for repair, with the snapshot files that use them. Retention (`forget --keep-*`) is a pure
 * function of snapshots, policy and time, deciding exactly as restic does (zones, DST, ISO weeks, reasons). `prune`
 * deletes what no snapshot uses, in an order that a crash at any moment cannot break. `repairIndex` builds the index
 * again from the pack headers and `repairSnapshots` rewrites snapshots without what cannot be read (restic's
 * `repair index` and `repair snapshots`), both writing the new before deleting the old.
 */
export { check } from './check.js';
export type { CheckOptions, CheckResult, CheckStats } from './check.js';
export type { AffectedPath } from './check-affected.js';
export { parseReadDataSubset, selectPacks } from './read-data-subset.js';
export type { ReadDataSubset } from './read-data-subset.js';
export { applyPolicy, describePolicy, isEmptyPolicy } from './retention.js';
export type { RetentionPolicy, KeepReason, KeepCounters, PolicyResult, PolicyClock } from './retention.js';
export { parseRetentionDuration, formatRetentionDuration } from './retention-duration.js';
export type { RetentionDuration, ZoneOffset } from './retention-time.js';
export { parseGroupBy, groupSnapshots, sortedNames } from './retention-group.js';
export type { GroupBy, GroupKey, SnapshotGroup } from './retention-group.js';
export { prune } from './prune.js';
export type { PruneOptions, PruneResult, PruneSettings } from './prune.js';
export { planPrune, bytesToKeep } from './prune-plan.js';
export type { MaxUnused, PrunePlan, PruneStats } from './prune-plan.js';
export { repairIndex } from './repair-index.js';
export type { RepairIndexOptions, RepairIndexResult } from './repair-index.js';
export { repairSnapshots, REPAIRED_TAG } from './repair-snapshots.js';
export type { RepairSnapshotsOptions, RepairSnapshotsResult, RepairedSnapshot } from './repair-snapshots.js';
