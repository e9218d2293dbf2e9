/**
 * @module core
 * The shared vocabulary of every room: ids, blob and file types, tree and snapshot records as restic stores them,
 * the one error class with stable codes, progress events, the program's version, and names as byte strings (file
 * names are bytes: `nameFromBytes`/`nameToBytes`/`fsPathOf` keep those that are not UTF-8 exact).
 */
export { CairnError, isCairnError, errnoCode, throwIfAborted } from './errors.js';
export type { ErrorCode } from './errors.js';
export { isId, parseId, sha256, hashId, shortId } from './ids.js';
export { VERSION, PROGRAM_VERSION } from './version.js';
export { parseSize } from './size.js';
export {
  nameToBytes,
  nameFromBytes,
  compareNames,
  sortNames,
  fsPathOf,
  hasRawBytes,
  decodeRune,
  lastRuneWidth,
  toWellFormed,
} from './byte-names.js';
export type { FsPath } from './byte-names.js';
export type { Id } from './ids.js';
export type { BlobType, FileType } from './blob.js';
export type { NodeType, TreeNode, Tree, ExtendedAttribute } from './tree.js';
export type { Snapshot, StoredSnapshot, SnapshotSummary } from './snapshot.js';
export type {
  ProgressEvent,
  ProgressListener,
  BackupStatus,
  BackupFileEvent,
  SourceErrorEvent,
  RestoreStatus,
  WarningEvent,
  CheckStatus,
} from './progress.js';
export { splitCommandLine } from './command-line.js';
