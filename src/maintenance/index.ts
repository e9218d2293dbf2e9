/**
 * @module maintenance
 * Keeping a repository healthy. `check` verifies it as `restic check` does: the index against the pack files,
 * the snapshots and every tree reachable from them, and optionally the content of all or some packs. Problems
 * come back as one line each; packs with bad bytes are listed for repair.
 */
export { check } from './check.js';
export type { CheckOptions, CheckResult, CheckStats } from './check.js';
export { parseReadDataSubset, selectPacks } from './read-data-subset.js';
export type { ReadDataSubset } from './read-data-subset.js';
