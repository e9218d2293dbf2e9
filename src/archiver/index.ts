/**
 * @module archiver
 * The backup pipeline: walk any Source (source/source.ts) in name order, reuse unchanged files from a parent
 * snapshot, read and chunk the rest (files from their local path, streams as they arrive), hash each chunk, skip blobs
 * the repository has, compress and seal new ones in worker threads and store them; then save the trees bottom-up
 * and, after the index is flushed and every stream's producer succeeded, the snapshot.
 */
export { backup } from './backup.js';
export type { BackupOptions, BackupResult, BackupSummary, ChangeRules } from './types.js';
