/**
 * @module maintenance
 * Keeping a repository healthy. `check` verifies it as `restic check` does: the index against the pack files,
 * the snapshots and every tree reachable from them, and optionally the content of all or some packs. Problems
 * come back as one line each; packs with bad bytes are listed for repair. `prune` deletes what no snapshot uses,
 * in an order that a crash at any moment cannot break.
 */
export { check } from './check.js';
export type { CheckOptions, CheckResult, CheckStats } from './check.js';
export { parseReadDataSubset, selectPacks } from './read-data-subset.js';
export type { ReadDataSubset } from './read-data-subset.js';
export { prune } from './prune.js';
export type { PruneOptions, PruneResult, PruneSettings } from './prune.js';
export { planPrune, bytesToKeep } from './prune-plan.js';
export type { MaxUnused, PrunePlan, PruneStats } from './prune-plan.js';
