/**
 * @module app
 * The use cases: the only API the CLI (and later the daemon and server) call. Each takes its dependencies
 * explicitly (AppDeps: backend and source factories, clock, host identity, warning sink) plus the repository target, password
 * source, AbortSignal and progress listener in OpenOptions, opens and locks the repository, does one job, and
 * always releases the lock.
 */
export type {
  AppDeps,
  BackendFactory,
  SourceFactory,
  RepositoryTarget,
  PasswordSource,
  LockMode,
  OpenOptions,
  SharedRepository,
} from './deps.js';
export {
  defaultLocations,
  generatePassword,
  secretFileText,
  trimSpace,
  readPasswordFileIfExists,
  writeNewPasswordFile,
} from './default-repository.js';
export type { DefaultLocations } from './default-repository.js';
export {
  openRepository,
  createRepository,
  withRepository,
  resolvePassword,
  resolveNewPassword,
  repositoryExists,
  NO_PASSWORD_MESSAGE,
} from './open.js';
export type { Session } from './open.js';
export { initRepository } from './init.js';
export type { InitResult } from './init.js';
export { runBackup, SnapshotSavedError } from './backup.js';
export { readFilesFromLists, parseFilesFrom, expandGlob } from './files-from.js';
export type { FilesFromLists } from './files-from.js';
export type { BackupRequest, BackupOutcome } from './backup.js';
export { tagSnapshots, changedTags } from './tag.js';
export { recoverTrees } from './recover.js';
export type { RecoverResult } from './recover.js';
export { listCacheDirs, removeOldCacheDirs, ageDays, isOld, CACHE_MAX_AGE_DAYS } from './cache-dirs.js';
export type { TagChange } from './tag.js';
export { listSnapshotsUseCase, latestPerGroup, compactFilter, skipDamagedSnapshots } from './snapshots.js';
export type { SnapshotFilter } from './snapshots.js';
export { runRestore, parseSnapshotRef } from './restore.js';
export { runRestoreInto } from './restore-into.js';
export { runDatabaseDrill } from './drill-db.js';
export type { DatabaseDrillRequest, DatabaseDrillOutcome } from './drill-db.js';
export type { RestoreIntoRequest, RestoreIntoOutcome, RestoreTargetFactory } from './restore-into.js';
export { maskRepository } from './hooks.js';
export type { BackupHooks } from './hooks.js';
export type { RestoreRequest, RestoreOutcome } from './restore.js';
export { listRepository, listFiles, dumpPath, findFiles, diffFiles, repositoryStats } from './browse.js';
export type { FindMatch } from './browse.js';
export type { DiffChange, DiffTotals, SnapshotStats, StatsMode } from '../restorer/index.js';
export type { ExcludeOptions } from '../source/index.js';
export type { KeyInfo } from '../repository/index.js';
export { catObject, prettyJSON, configJSON, CAT_TYPES } from './cat.js';
export type { CatType, CatOutput } from './cat.js';
export { listKeys, addKey, removeKey, changePassword } from './keys.js';
export { runCheck } from './check.js';
export type { CheckRequest, CheckOutcome } from './check.js';
export { unlockRepository } from './unlock.js';
export { copySnapshots } from './copy.js';
export type { CopyRequest, CopyEvents, CopyOutcome, CopyStatus } from './copy.js';
export type { CopyCounters } from './copy-blobs.js';
export { similarSnapshots, originalId, copiedSnapshot, CopiedSnapshots } from './copy-identity.js';
export { forgetSnapshots, groupKeyText, EMPTY_POLICY_MESSAGE } from './forget.js';
export type { ForgetRequest, ForgetGroup, ForgetOutcome } from './forget.js';
export {
  parseGroupBy,
  parseReadDataSubset,
  groupSnapshots,
  parseRetentionDuration,
  describePolicy,
  sortedNames,
} from '../maintenance/index.js';
export type {
  RetentionPolicy,
  RetentionDuration,
  GroupBy,
  GroupKey,
  KeepReason,
} from '../maintenance/index.js';
export { runPrune } from './prune.js';
export type { PruneRequest } from './prune.js';
export type { MaxUnused, PruneResult, PruneStats } from '../maintenance/index.js';
export { runDrill } from './drill.js';
export type { DrillRequest, DrillOutcome, DrillProblem } from './drill.js';
export { parseDrillSample } from './drill-sample.js';
export type { DrillSample } from './drill-sample.js';
export { runRepairIndex, runRepairSnapshots } from './repair.js';
export type { RepairIndexRequest, RepairSnapshotsRequest } from './repair.js';
export type { RepairIndexResult, RepairSnapshotsResult, RepairedSnapshot } from '../maintenance/index.js';
export { listFolder, downloadPath, repositoryFigures, listLocks } from './snapshot-files.js';
export type { RepositoryFigures, LockInfo } from './snapshot-files.js';
