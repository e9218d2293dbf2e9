/**
 * @module snapshot
 * Tree and snapshot records as restic stores them, and finding them again.
 *
 * - Codecs: `encodeTree`/`decodeTree` and `encodeSnapshot`/`decodeSnapshot` reproduce restic 0.14's bytes
 *   exactly (Go encoding/json with HTML escaping; node names additionally `strconv.Quote`d), because a tree's id
 *   is the hash of its bytes and dedup of unchanged directories depends on writing them the same way again.
 * - Names are JS strings that can carry any bytes: invalid UTF-8 bytes appear as U+DC80…U+DCFF
 *   (`nameToBytes`/`nameFromBytes` convert for the file system).
 * - Times stay RFC3339Nano strings in records; `formatTime`/`parseTime` convert from/to nanoseconds.
 * - Modes are Go `os.FileMode` bits; `goModeFromStat`/`statModeFromGo` convert from/to POSIX `st_mode`.
 * - Repository helpers: save/load trees and snapshots, list/filter/find snapshots, find a backup's parent,
 *   resolve a path inside a snapshot, walk a tree.
 */
export { encodeTree, decodeTree, sortNodes } from './tree-codec.js';
export { encodeSnapshot, decodeSnapshot } from './snapshot-codec.js';
export {
  formatTime,
  localTimeFormatter,
  parseTime,
  parseTimeWithOffset,
  localOffsetSeconds,
  civilFromDays,
  daysFromCivil,
} from './time.js';
export { goModeFromStat, statModeFromGo, nodeTypeFromGoMode, goModeString, GoMode } from './mode.js';
export { goQuote, goUnquote } from './go-quote.js';
export { goJsonString } from './go-json.js';
export { nameToBytes, nameFromBytes, compareNames } from '../core/index.js';
export { saveTree, loadTree, saveSnapshot, loadSnapshot, listSnapshots } from './store.js';
export type { ListSnapshotsOptions } from './store.js';
export { filterSnapshots, findSnapshot, findParent, hasTags } from './find.js';
export type { SnapshotFilter, ParentQuery } from './find.js';
export { resolveTreePath, walkTree } from './walk.js';
export type { WalkVisitor } from './walk.js';
