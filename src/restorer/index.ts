/**
 * @module restorer
 * Getting data back out of snapshots: `restore` writes a snapshot (or a path in it) into a target folder and never
 * outside it, `dump` streams a file or a folder as tar or zip (`ZipWriter`
 * is the streaming zip writer behind it), `listNodes`/`findInSnapshots` walk trees, `diffSnapshots`
 * compares two snapshots and `snapshotStats` sizes them, each with restic's semantics.
 */
export { restore } from './restore.js';
export type { RestoreOptions, RestoreResult } from './restore.js';
export type { VerifyFailure } from './verify.js';
export { dump } from './dump.js';
export type { DumpOptions } from './dump.js';
export { ZipWriter } from './zip.js';
export type { ZipEntry, ZipEntryType, ZipWriterOptions } from './zip.js';
export { listNodes, findInSnapshots } from './ls.js';
export type { ListOptions, ListedNode, FindOptions, FoundNode } from './ls.js';
export { diffSnapshots } from './diff.js';
export type { DiffChange, DiffCounts, DiffModifier, DiffOptions, DiffRun, DiffTotals } from './diff.js';
export { snapshotStats } from './stats.js';
export type { SnapshotStats, StatsMode } from './stats.js';
