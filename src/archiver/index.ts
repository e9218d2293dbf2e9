/**
 * @module archiver
 * The backup pipeline: walk a Source (see source/source.ts) in name order, reuse unchanged files from a parent snapshot,
 * read and chunk the rest, hash each chunk, skip blobs the repository has, compress and seal new ones in worker
 * threads and store them; then save the trees bottom-up and, after the index is flushed, the snapshot.
 */
export { backup } from './backup.js';
export type { BackupOptions, BackupResult, BackupSummary } from './types.js';
